# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options of every module that reads the ZooKeeper ensemble of an Otter installation.
    DOCUMENTATION = r'''
options:
  zk_hosts:
    description:
      - The ZooKeeper ensemble, as C(host:port,host:port), optionally followed by a chroot (C(/path)).
      - The ensemble the nodes use, that is the C(SERVER_LIST) of their C(AUTOKEEPER_CLUSTER).
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for a ZooKeeper server to answer (connection and each request).
    type: float
    default: 10
requirements:
  - kazoo on the host that runs the module
'''
