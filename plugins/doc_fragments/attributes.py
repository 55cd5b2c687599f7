# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes every module shares; use with action_common_attributes.
    DOCUMENTATION = r'''
options: {}
attributes:
  platform:
    platforms: posix
'''

    # A module that changes state: check mode predicts the real run, diff mode shows before and after.
    STATE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - Check mode sends the same reads, in a read-only transaction that takes no lock, makes the same plan and
        reports the statements or requests a real run would send, without sending them.
  diff_mode:
    support: full
    details: The diff shows the managed object before and after, in check mode too.
'''

    # A module that only reads.
    INFO = r'''
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode runs the same reads and returns the same data.
  diff_mode:
    support: none
'''
