# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kazoo adapter: the only file that talks to ZooKeeper. It reads raw znode data (znodes.py
makes sense of it) and writes only by compare-and-set, as the manager's own switch does."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible_collections.otter.ha.plugins.module_utils.errors import ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.znodes import CANAL_ROOT, CHANNEL_ROOT, NODE_ROOT, OTTER_ROOT, is_id

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import BadVersionError, KazooException, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError
except ImportError:
    KazooClient = None
    KAZOO_IMPORT_ERROR = traceback.format_exc()
else:
    KAZOO_IMPORT_ERROR = None


class ZooKeeper(object):
    """A read-only session with one ensemble."""

    RECORD = None
    READ_ONLY = True

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
        client = KazooClient(hosts=hosts, timeout=timeout, read_only=cls.READ_ONLY)
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

    def _get(self, path):
        """(data, stat) of a znode, or (None, None) when it does not exist."""
        try:
            return self._client.get(path)
        except NoNodeError:
            return None, None

    def read_raw(self, channel_ids=None):
        """What the live checks need, raw, with the znode stats Otter's own reads use:
        {'nodes': {child name of /otter/node: ephemeral owner session},
         'channels': {cid: {'status': data or None, 'mtime': ms or None,
                            'pipelines': {pid: {'mainstem': data or None, 'owner': session or None,
                                                'since': ms or None, 'processes': {name: data}}}}},
         'cursors': [(destination, client id, mtime ms)]}.
        channel_ids limits the channels read; a requested channel without a znode has no status."""
        try:
            if self._client.exists(OTTER_ROOT) is None:
                raise ZooKeeperError('ZooKeeper at %s has no %s znode: this Otter was never initialised (run the '
                                     "manager's system init), or zk_hosts names another ensemble or chroot"
                                     % (self.hosts, OTTER_ROOT))
            nodes = {}
            for name in self._children(NODE_ROOT):
                stat = self._client.exists('%s/%s' % (NODE_ROOT, name))
                if stat is not None:
                    nodes[name] = stat.ephemeralOwner
            if channel_ids is None:
                wanted = sorted(int(n) for n in self._children(CHANNEL_ROOT) if is_id(n))
            else:
                wanted = sorted(set(channel_ids))
            channels = {}
            for cid in wanted:
                path = '%s/%d' % (CHANNEL_ROOT, cid)
                data, stat = self._get(path)
                pipelines = {}
                for pid in self._children(path):
                    if not is_id(pid):
                        continue
                    mainstem, mstat = self._get('%s/%s/mainstem' % (path, pid))
                    process_root = '%s/%s/process' % (path, pid)
                    processes = dict((name, self._get('%s/%s' % (process_root, name))[0])
                                     for name in self._children(process_root))
                    pipelines[int(pid)] = dict(mainstem=mainstem, owner=mstat.ephemeralOwner if mstat else None,
                                               since=mstat.mtime if mstat else None, processes=processes)
                channels[cid] = dict(status=data, mtime=stat.mtime if stat else None, pipelines=pipelines)
            cursors = []
            for destination in self._children(CANAL_ROOT):
                for client_id in self._children('%s/%s' % (CANAL_ROOT, destination)):
                    stat = self._client.exists('%s/%s/%s/cursor' % (CANAL_ROOT, destination, client_id))
                    if stat is not None:
                        cursors.append((destination, client_id, stat.mtime))
        except KazooException as exc:
            raise ZooKeeperError('error reading ZooKeeper at %s: %s' % (self.hosts, str(exc) or type(exc).__name__))
        return dict(nodes=nodes, channels=channels, cursors=sorted(cursors))

    def children(self, path):
        """The children of a znode, [] when it does not exist."""
        try:
            return self._children(path)
        except KazooException as exc:
            raise ZooKeeperError('error reading %s from ZooKeeper at %s: %s' % (path, self.hosts, exc))

    def read(self, path):
        """(data, version) of a znode, or (None, None)."""
        try:
            data, stat = self._get(path)
        except KazooException as exc:
            raise ZooKeeperError('error reading %s from ZooKeeper at %s: %s' % (path, self.hosts, exc))
        return data, stat.version if stat else None


class ZooKeeperWriter(ZooKeeper):
    """A session that may also write: compare-and-set only, every write recorded in ``requests``."""

    RECORD = 'requests'
    READ_ONLY = False

    def __init__(self, client, hosts):
        super(ZooKeeperWriter, self).__init__(client, hosts)
        self.requests = []

    @property
    def sent(self):
        return self.requests

    def compare_and_set(self, path, data, version):
        """Write data to path only if its version is still version (as SystemArbitrateEvent.switchWarmup
        does); returns False when another session changed or deleted it first."""
        record = dict(op='set', path=path, version=version, data=data.decode('utf-8'))
        self.requests.append(record)
        try:
            self._client.set(path, data, version=version)
        except (BadVersionError, NoNodeError):
            record['result'] = 'stale'
            return False
        except KazooException as exc:
            record['result'] = 'error'
            raise ZooKeeperError('error writing %s in ZooKeeper at %s: %s' % (path, self.hosts, exc))
        record['result'] = 'ok'
        return True
