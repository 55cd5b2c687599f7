# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run an Ansible module as a process of its own, the way ansible-core's module runner does, and
record where its time goes.

    python bench/run_module.py MODULE ARGS_FILE TIMINGS_FILE [PROFILE_FILE]

MODULE is a Python module name (ansible_collections.otter.ha.plugins.modules.otter_pipeline_nodes),
importable through PYTHONPATH; ARGS_FILE holds {"ANSIBLE_MODULE_ARGS": {...}}, which AnsibleModule
reads from the first command-line argument. The module's JSON result goes to stdout as usual.
TIMINGS_FILE receives {"import_s": ..., "main_s": ...}: the time to import the module (ansible's
module_utils and PyMySQL included) and the time of its main() (arguments, connection, statements,
result). With PROFILE_FILE, main() runs under cProfile and the statistics are saved there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib
import json
import sys
import time


def main():
    started = time.perf_counter()
    module_name, args_file, timings_file = sys.argv[1:4]
    profile_file = sys.argv[4] if len(sys.argv) > 4 else None
    sys.argv = [module_name, args_file]
    module = importlib.import_module(module_name)
    imported = time.perf_counter()
    code = 0
    profiler = None
    if profile_file:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    try:
        module.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile_file)
    finished = time.perf_counter()
    with open(timings_file, 'w') as handle:
        json.dump(dict(import_s=imported - started, main_s=finished - imported), handle)
    sys.exit(code)


if __name__ == '__main__':
    main()
