# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kazoo adapter: the only file that talks to ZooKeeper. It reads raw znode data and never
writes; znodes.py makes sense of what it read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible_collections.otter.ha.plugins.module_utils.errors import ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.znodes import CHANNEL_ROOT, NODE_ROOT, OTTER_ROOT

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import KazooException, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError
except ImportError:
    KazooClient = None
    KAZOO_IMPORT_ERROR = traceback.format_exc()
else:
    KAZOO_IMPORT_ERROR = None


class ZooKeeper(object):
    """A read-only session with one ensemble."""

    RECORD = None

    def __init__(self, client, hosts):
        self._client = client
        self.hosts = hosts

    @staticmethod
    def missing_requirement():
        return ('kazoo', KAZOO_IMPORT_ERROR) if KazooClient is None else None

    @classmethod
    def open(cls, params, check_mode=False):
        """A started session on zk_hosts; a clear error when no server answers within timeout."""
        hosts, timeout = params['zk_hosts'].strip(), float(params['timeout'])
        client = KazooClient(hosts=hosts, timeout=timeout, read_only=True)
        try:
            client.start(timeout=timeout)
        except KazooTimeoutError:
            client.close()
            raise ZooKeeperError('cannot reach ZooKeeper at %s within %s seconds (no server answered)' % (hosts, timeout))
        except (KazooException, ValueError) as exc:
            client.close()
            raise ZooKeeperError('cannot connect to ZooKeeper at %s: %s' % (hosts, exc))
        return cls(client, hosts)

    def close(self):
        try:
            self._client.stop()
            self._client.close()
        except Exception:  # pylint: disable=broad-except
            # Closing a session the server already dropped raises; nothing is left to release either way.
            pass

    def _children(self, path):
        try:
            return self._client.get_children(path)
        except NoNodeError:
            return []

    def _data(self, path):
        try:
            return self._client.get(path)[0]
        except NoNodeError:
            return None

    def read_raw(self, channel_ids=None):
        """What the live checks need, raw: {'nodes': [children of /otter/node], 'channels': {cid:
        (status data or None, {pid: mainstem data or None})}}. channel_ids limits the channels read;
        a requested channel without a znode maps to (None, {})."""
        try:
            if self._client.exists(OTTER_ROOT) is None:
                raise ZooKeeperError('ZooKeeper at %s has no %s znode: this Otter was never initialised (run the '
                                     "manager's system init), or zk_hosts names another ensemble or chroot"
                                     % (self.hosts, OTTER_ROOT))
            nodes = self._children(NODE_ROOT)
            if channel_ids is None:
                present = [n for n in self._children(CHANNEL_ROOT) if n.isdigit() and n == str(int(n))]
                wanted = sorted(int(n) for n in present)
            else:
                wanted = sorted(set(channel_ids))
            channels = {}
            for cid in wanted:
                path = '%s/%d' % (CHANNEL_ROOT, cid)
                pids = [n for n in self._children(path) if n.isdigit() and n == str(int(n))]
                mainstems = dict((int(pid), self._data('%s/%s/mainstem' % (path, pid))) for pid in pids)
                channels[cid] = (self._data(path), mainstems)
        except KazooException as exc:
            raise ZooKeeperError('error reading ZooKeeper at %s: %s' % (self.hosts, exc or type(exc).__name__))
        return dict(nodes=nodes, channels=channels)
