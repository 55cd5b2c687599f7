# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one frame every module runs in, and with it the one return contract.

A module gives the frame a parse function, the adapters it needs and a work function:
parse(params) validates what needs no server and returns the request, so a wrong task fails
before anything is sent; the frame then opens each adapter (mysql.Database, zookeeper.ZooKeeper,
manager_api.ManagerAPI) and calls work(module, request, *adapters), which reads, plans, applies
and returns the result. The frame adds what each adapter sent (``executed_queries``,
``requests``), on success and on failure alike, keeps ``diff`` only in diff mode, and turns any
OtterError into a failed task with its text: no traceback, nothing committed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import gc

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.otter.ha.plugins.module_utils.errors import OtterError


def run_module(module, parse, adapters, work):
    # What a module builds (rows, plans, results) is lists, dicts and tuples without reference cycles:
    # reference counting frees all of it, and the cyclic collector would only scan the rows of a big
    # fleet again and again (a tenth of a converge at 1,000 pipelines). A module is a process that
    # lives for one call, so the collector is paused for the call and resumed when the frame returns.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run(module, parse, adapters, work)
    finally:
        if collecting:
            gc.enable()


def _run(module, parse, adapters, work):
    for adapter in adapters:
        missing = adapter.missing_requirement()
        if missing:
            module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    records = dict((adapter.RECORD, []) for adapter in adapters if adapter.RECORD)
    opened = []
    result = None
    error = None
    try:
        request = parse(module.params)
        for adapter in adapters:
            opened.append(adapter.open(module.params, check_mode=module.check_mode))
            if adapter.RECORD:
                records[adapter.RECORD] = opened[-1].sent
        result = work(module, request, *opened)
    except OtterError as exc:
        error = to_native(exc)
    finally:
        for adapter in opened:
            adapter.close()
    if error is not None:
        module.fail_json(msg=error, changed=False, **records)
    if not module._diff:
        result.pop('diff', None)
    result.update(records)
    module.exit_json(**result)
