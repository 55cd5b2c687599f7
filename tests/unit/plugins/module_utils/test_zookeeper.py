# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kazoo adapter without a ZooKeeper: zookeeper.ZooKeeper over the shared fake client."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import zookeeper
from ansible_collections.otter.ha.plugins.module_utils.errors import ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.zookeeper import ZooKeeper, ZooKeeperWriter
from ansible_collections.otter.ha.tests.unit.plugins.fakes import NOW, FakeKazoo

pytestmark = pytest.mark.skipif(zookeeper.KazooClient is None, reason='kazoo is not installed')

MAINSTEM_1 = b'{"active":true,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'
PROCESS = b'{"nid":1,"status":"USED"}'
ZNODES = {'/otter': b'', '/otter/node/1': b'', '/otter/node/2': b'', '/otter/node/007': b'',
          '/otter/channel/1': b'"START"', '/otter/channel/1/1/mainstem': MAINSTEM_1,
          '/otter/channel/1/1/process/0000000001': PROCESS, '/otter/channel/1/1/process/0000000002': b'',
          '/otter/channel/1/2': b'', '/otter/channel/3': b'"STOP"', '/otter/channel/lock': b'',
          '/otter/canal/destinations/dest-1/1001/cursor': b'{}', '/otter/canal/destinations/dest-1/1002': b''}
STATS = {'/otter/node/1': dict(owner=0x11), '/otter/node/2': dict(owner=0x12), '/otter/node/007': dict(owner=0x13),
         '/otter/channel/1': dict(mtime=1764547200123), '/otter/channel/1/1/mainstem': dict(owner=0x11, mtime=1764547300000),
         '/otter/canal/destinations/dest-1/1001/cursor': dict(mtime=1764547400000)}
PIPELINE_1 = dict(mainstem=MAINSTEM_1, owner=0x11, since=1764547300000,
                  processes={'0000000001': PROCESS, '0000000002': b''})
NO_PIPELINE = dict(mainstem=None, owner=None, since=None, processes={})


def session(znodes=None, cls=ZooKeeper, **kwargs):
    client = FakeKazoo(ZNODES if znodes is None else znodes, stats=STATS, **kwargs)
    return cls(client, 'zk:2181'), client


def test_read_raw_walks_the_otter_znodes_with_their_stats():
    zk, _client = session()
    assert zk.read_raw() == dict(
        nodes={'007': 0x13, '1': 0x11, '2': 0x12},   # as listed: znodes.live_state judges the names
        channels={1: dict(status=b'"START"', mtime=1764547200123, pipelines={1: PIPELINE_1, 2: NO_PIPELINE}),
                  3: dict(status=b'"STOP"', mtime=NOW * 1000, pipelines={})},
        cursors=[('dest-1', '1001', 1764547400000)])


def test_read_raw_of_some_channels_reads_only_those():
    zk, client = session()
    assert zk.read_raw(channel_ids=[5, 1, 5])['channels'] == {
        1: dict(status=b'"START"', mtime=1764547200123, pipelines={1: PIPELINE_1, 2: NO_PIPELINE}),
        5: dict(status=None, mtime=None, pipelines={})}
    assert ('read', '/otter/channel') not in client.calls
    assert ('read', '/otter/channel/3') not in client.calls


def test_read_raw_without_nodes_or_channels():
    zk, _client = session({'/otter': b''})
    assert zk.read_raw() == dict(nodes={}, channels={}, cursors=[])


def test_read_raw_without_otter_root_says_never_initialised():
    zk, _client = session({})
    with pytest.raises(ZooKeeperError, match='ZooKeeper at zk:2181 has no /otter znode: this Otter was never initialised'):
        zk.read_raw()


def test_read_errors_name_the_ensemble():
    from kazoo.exceptions import ConnectionLoss
    zk, _client = session(read_error=ConnectionLoss('connection lost'))
    with pytest.raises(ZooKeeperError, match='error reading ZooKeeper at zk:2181: connection lost'):
        zk.read_raw()


def test_read_errors_without_a_message_are_named_by_their_type():
    from kazoo.exceptions import SessionExpiredError
    zk, _client = session(read_error=SessionExpiredError())
    with pytest.raises(ZooKeeperError, match='error reading ZooKeeper at zk:2181: SessionExpiredError'):
        zk.read_raw()


def test_read_returns_data_and_version():
    zk, _client = session()
    assert zk.read('/otter/channel/1/1/mainstem') == (MAINSTEM_1, 0)
    assert zk.read('/otter/channel/9') == (None, None)
    from kazoo.exceptions import ConnectionLoss
    zk, _client = session(read_error=ConnectionLoss('connection lost'))
    with pytest.raises(ZooKeeperError, match='error reading /otter/channel/1 from ZooKeeper at zk:2181: connection lost'):
        zk.read('/otter/channel/1')


def test_the_writer_sets_by_compare_and_set_and_records_every_write():
    zk, client = session(cls=ZooKeeperWriter)
    path = '/otter/channel/1/1/mainstem'
    assert zk.compare_and_set(path, b'{"active":false}', 0) is True
    assert client.znodes[path] == b'{"active":false}' and zk.read(path)[1] == 1
    assert zk.compare_and_set(path, b'{"x":1}', 0) is False            # another session wrote first
    assert zk.compare_and_set('/otter/channel/1/9/mainstem', b'{}', 0) is False  # the lock is gone
    assert client.znodes[path] == b'{"active":false}'
    assert zk.requests == [
        dict(op='set', path=path, version=0, data='{"active":false}', result='ok'),
        dict(op='set', path=path, version=0, data='{"x":1}', result='stale'),
        dict(op='set', path='/otter/channel/1/9/mainstem', version=0, data='{}', result='stale')]
    assert zk.sent is zk.requests
    assert (ZooKeeperWriter.RECORD, ZooKeeperWriter.READ_ONLY, ZooKeeper.READ_ONLY) == ('requests', False, True)


def test_a_failed_write_is_recorded_and_worded():
    from kazoo.exceptions import ConnectionLoss
    zk, client = session(cls=ZooKeeperWriter)

    def lost(*_args, **_kwargs):
        raise ConnectionLoss('connection lost')
    client.set = lost
    with pytest.raises(ZooKeeperError, match='error writing /m in ZooKeeper at zk:2181: connection lost'):
        zk.compare_and_set('/m', b'{}', 3)
    assert zk.requests == [dict(op='set', path='/m', version=3, data='{}', result='error')]


def test_only_the_writer_opens_a_writable_session(monkeypatch):
    client = FakeKazoo(ZNODES)
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    ZooKeeperWriter.open(dict(zk_hosts='zk:2181', timeout=3))
    ZooKeeper.open(dict(zk_hosts='zk:2181', timeout=3))
    assert [c[3] for c in client.calls if c[0] == 'client'] == [False, True]


def test_a_child_with_a_non_decimal_digit_is_not_read():
    zk, _client = session({'/otter/node/1': b'', u'/otter/channel/\u00b2': b'"START"', '/otter/channel/1': b'"START"'})
    assert list(zk.read_raw()['channels']) == [1]


def test_open_starts_a_read_only_session(monkeypatch):
    client = FakeKazoo(ZNODES)
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    zk = ZooKeeper.open(dict(zk_hosts=' zk1:2181,zk2:2181 ', timeout=3))
    assert zk.hosts == 'zk1:2181,zk2:2181'
    assert client.calls[:2] == [('client', 'zk1:2181,zk2:2181', 3.0, True), ('start', 3.0)]
    zk.close()
    assert client.calls[-2:] == ['stop', 'close']
    assert (ZooKeeper.RECORD, ZooKeeper.missing_requirement()) == (None, None)


def test_open_without_an_answer_fails_and_releases_the_client(monkeypatch):
    from kazoo.handlers.threading import KazooTimeoutError
    client = FakeKazoo({}, start_error=KazooTimeoutError('Connection time-out'))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    with pytest.raises(ZooKeeperError) as caught:
        ZooKeeper.open(dict(zk_hosts='127.0.0.1:1', timeout=2))
    assert str(caught.value) == 'cannot reach ZooKeeper at 127.0.0.1:1 within 2.0 seconds (no server answered)'
    assert client.calls[-1] == 'close'


def test_open_with_bad_hosts_fails_naming_them(monkeypatch):
    client = FakeKazoo({}, start_error=ValueError('invalid hosts'))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    with pytest.raises(ZooKeeperError, match='cannot connect to ZooKeeper at zk:x: invalid hosts'):
        ZooKeeper.open(dict(zk_hosts='zk:x', timeout=2))
    assert client.calls[-1] == 'close'


def test_close_of_a_dropped_session_is_quiet():
    zk, client = session()

    def dropped():
        raise RuntimeError('session expired')
    client.stop = dropped
    zk.close()


def test_missing_kazoo_is_a_missing_requirement(monkeypatch):
    monkeypatch.setattr(zookeeper, 'KazooClient', None)
    monkeypatch.setattr(zookeeper, 'KAZOO_IMPORT_ERROR', 'Traceback: No module named kazoo')
    assert ZooKeeper.missing_requirement() == ('kazoo', 'Traceback: No module named kazoo')
