# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_zk_info against the shared fake kazoo client: its arguments, its result, findings of the
same shape as otter_info's, and waiting for them to clear."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time

import pytest
import yaml

from ansible_collections.otter.ha.plugins.module_utils import zookeeper
from ansible_collections.otter.ha.plugins.module_utils.audit import LIVE_KINDS
from ansible_collections.otter.ha.plugins.modules import otter_info
from ansible_collections.otter.ha.plugins.modules import otter_zk_info as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeClock, FakeKazoo
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

pytestmark = pytest.mark.skipif(zookeeper.KazooClient is None, reason='kazoo is not installed')

MAINSTEM = b'{"active":true,"nid":1,"pipelineId":1,"status":"TAKEING"}'
ZNODES = {'/otter': b'', '/otter/node/1': b'', '/otter/node/2': b'', '/otter/channel/1': b'"START"',
          '/otter/channel/1/1/mainstem': MAINSTEM, '/otter/channel/1/1/process/0000000001': b'{"nid":2,"status":"USED"}',
          '/otter/canal/destinations/dest-1/1001/cursor': b'{}'}
STARTED = time.time() - 30
STATS = {'/otter/node/1': dict(owner=0x11), '/otter/node/2': dict(owner=0x12),
         '/otter/channel/1': dict(mtime=int(STARTED * 1000)),
         '/otter/channel/1/1/mainstem': dict(owner=0x11, mtime=int((STARTED + 10) * 1000)),
         '/otter/canal/destinations/dest-1/1001/cursor': dict(mtime=int(STARTED * 1000))}
FINDING_KEYS = set(['kind', 'channel_id', 'pipeline_id', 'location', 'node_ids', 'row_ids', 'message'])


def run_module(capsys, args):
    return run_main(capsys, module_under_test.main, args)


@pytest.fixture
def zk(monkeypatch):
    client = FakeKazoo(ZNODES, STATS)
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    return client


def test_reads_and_reports(capsys, zk):
    result = run_module(capsys, {'zk_hosts': ' 127.0.0.1:2181 ', 'channel': [1]})
    assert zk.calls[:2] == [('client', '127.0.0.1:2181', 10.0, True), ('start', 10.0)]
    assert zk.calls[-2:] == ['stop', 'close']
    assert result['changed'] is False and result['ok'] is True and result['findings'] == []
    assert result['alive_nodes'] == [1, 2]
    assert result['channels'] == [{'id': 1, 'status': 'START', 'status_since': int(STARTED * 1000) / 1000.0,
                                   'pipelines': [1]}]
    assert result['pipelines'] == [{'id': 1, 'channel_id': 1, 'mainstem_nid': 1, 'mainstem_status': 'TAKEING',
                                    'active': True, 'mainstem_since': int((STARTED + 10) * 1000) / 1000.0,
                                    'processes': [{'id': '0000000001', 'nid': 2, 'status': 'USED'}]}]
    (cursor,) = result['cursors']
    assert (cursor['destination'], cursor['client_id']) == ('dest-1', '1001') and 29 < cursor['age'] < 300
    assert result['summary'] == ['alive nodes: node 1, node 2', 'channel 1: START',
                                 'pipeline 1 (channel 1): mainstem on node 1 (TAKEING)']
    assert 'executed_queries' not in result and 'requests' not in result


def test_a_pipeline_filter_reports_unknown_pipelines(capsys, zk):
    result = run_module(capsys, {'zk_hosts': 'zk:2181', 'pipeline': [9]})
    assert result['channels'] == []
    assert result['pipelines'] == [{'id': 9, 'channel_id': None, 'mainstem_nid': None, 'mainstem_status': None,
                                    'active': False, 'mainstem_since': None, 'processes': []}]


def test_expect_reports_findings_of_the_shape_of_otter_info(capsys, zk):
    result = run_module(capsys, {
        'zk_hosts': 'zk:2181',
        'expect': {'nodes': [{'id': 1, 'name': 'node-a', 'ip': '10.0.0.1'}, {'id': 3, 'name': 'node-c'}],
                   'channels': [{'id': 1, 'name': 'sync-ab'}],
                   'pipelines': [{'id': 1, 'nodes': {'SELECT': [1, 3]}}]}})
    assert result['ok'] is False
    assert [f['kind'] for f in result['findings']] == ['node_down', 'no_standby']
    assert 'node 3 (node-c) is not alive' in result['findings'][0]['message']
    assert result['findings'][1]['node_ids'] == [3]
    assert all(set(f) == FINDING_KEYS and f['location'] is None and f['row_ids'] == [] for f in result['findings'])
    assert result['summary'][0] == 'alive nodes: node 1 (node-a), node 2'


def test_the_operational_findings_of_a_running_channel(capsys, monkeypatch):
    client = FakeKazoo(ZNODES, dict(STATS, **{'/otter/channel/1/1/mainstem': dict(owner=0x99, mtime=int((STARTED - 3600) * 1000))}))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    result = run_module(capsys, {
        'zk_hosts': 'zk:2181', 'max_takeing': 120,
        'expect': {'nodes': [{'id': 1, 'name': 'node-a'}, {'id': 2, 'name': 'node-b'}, {'id': 3, 'name': 'node-c'}],
                   'channels': [{'id': 1, 'name': 'sync-ab', 'modified': STARTED + 5}],
                   'pipelines': [{'id': 1, 'name': 'a-to-b', 'channel': {'id': 1, 'name': 'sync-ab'},
                                  'nodes': {'SELECT': [1, 3]}}]}})
    assert [f['kind'] for f in result['findings']] == ['node_down', 'push_pending', 'mainstem_stale_session',
                                                       'mainstem_stuck', 'no_standby']
    assert 'its layout changed in the manager database 5s after it was last started' in result['findings'][1]['message']
    assert 'longer than 120s' in result['findings'][3]['message']


def test_data_otter_would_not_write_is_reported_without_expect(capsys, monkeypatch):
    client = FakeKazoo(dict(ZNODES, **{'/otter/node/007': b'',
                                       '/otter/channel/1/1/mainstem': b'{"nid":true,"active":"false"}',
                                       '/otter/channel/1/2/mainstem': b'x' * 800000}))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    result = run_module(capsys, {'zk_hosts': 'zk:2181'})
    assert result['ok'] is False
    assert [(f['kind'], f['message'].split(' ')[0]) for f in result['findings']] == [
        ('unreadable_znode', '/otter/node/007'), ('unreadable_znode', '/otter/channel/1/1/mainstem'),
        ('unreadable_znode', '/otter/channel/1/2/mainstem')]
    assert all(len(f['message']) < 300 for f in result['findings'])
    assert result['alive_nodes'] == [1, 2]
    assert [p['mainstem_nid'] for p in result['pipelines']] == [None, None]


def test_database_options_are_not_options_of_this_module(capsys, zk):
    result = run_module(capsys, {'zk_hosts': 'zk:2181', 'login_host': 'db', 'login_db': 'otter'})
    assert result['failed'] is True
    assert 'Unsupported parameters' in result['msg']
    assert 'login_host' in result['msg'] and 'login_db' in result['msg']
    assert zk.calls == []


class Stub(object):
    def __init__(self, **params):
        self.params = dict(dict(channel=None, pipeline=None, wait=0, max_takeing=60), **params)


class Reads(object):
    """A ZooKeeper adapter that answers read_raw from a list of raw reads, the last one repeated."""

    def __init__(self, *raws):
        self.raws = list(raws)
        self.count = 0

    def read_raw(self, channel_ids=None):
        self.count += 1
        return self.raws.pop(0) if len(self.raws) > 1 else self.raws[0]


NO_HOLDER = dict(mainstem=None, owner=None, since=None, processes={})
HOLDER = dict(mainstem=MAINSTEM.replace(b'TAKEING', b'OVERTAKE'), owner=0x11, since=None, processes={})
LOST = dict(nodes={'2': 0x12}, channels={1: dict(status=b'"START"', mtime=None, pipelines={1: NO_HOLDER})}, cursors=[])
TAKEN = dict(nodes={'1': 0x11, '2': 0x12}, channels={1: dict(status=b'"START"', mtime=None, pipelines={1: HOLDER})},
             cursors=[])
EXPECT = {'pipelines': [{'id': 1, 'nodes': {'SELECT': [1, 2]}}]}


def test_wait_rereads_until_the_findings_clear():
    clock = FakeClock()
    reads = Reads(LOST, TAKEN)
    result = module_under_test.inspect(Stub(wait=30), EXPECT, reads, sleep=clock.sleep, clock=clock.time)
    assert result['findings'] == [] and result['ok'] is True
    assert clock.slept == [1] and reads.count == 2
    assert result['pipelines'][0]['mainstem_nid'] == 1


def test_wait_gives_up_after_wait_seconds_with_the_last_findings():
    clock = FakeClock()
    reads = Reads(LOST)
    result = module_under_test.inspect(Stub(wait=5), EXPECT, reads, sleep=clock.sleep, clock=clock.time)
    assert [f['kind'] for f in result['findings']] == ['no_mainstem']
    assert reads.count == 6 and clock.slept == [1] * 5


def test_no_wait_without_expect_or_with_wait_zero():
    clock = FakeClock()
    reads = Reads(LOST)
    module_under_test.inspect(Stub(wait=30), None, reads, sleep=clock.sleep, clock=clock.time)
    module_under_test.inspect(Stub(), EXPECT, reads, sleep=clock.sleep, clock=clock.time)
    assert reads.count == 2 and clock.slept == []


@pytest.mark.parametrize('args, message', [
    ({'zk_hosts': ' '}, 'zk_hosts must not be empty'),
    ({'zk_hosts': 'zk', 'channel': []}, 'channel must not be an empty list'),
    ({'zk_hosts': 'zk', 'pipeline': [0]}, 'pipeline IDs must be positive, got [0]'),
    ({'zk_hosts': 'zk', 'timeout': 0}, 'timeout must be a positive number of seconds, got 0'),
    ({'zk_hosts': 'zk', 'wait': -1}, 'wait must not be negative, got -1'),
    ({'zk_hosts': 'zk', 'max_takeing': 0}, 'max_takeing must be at least 1 second, got 0'),
    ({'zk_hosts': 'zk', 'expect': {'node': []}}, 'expect: unknown key(s) node; use nodes, channels and pipelines'),
    ({'zk_hosts': 'zk', 'expect': {'nodes': 'node-a'}}, "expect.nodes must be a list, got 'node-a'"),
    ({'zk_hosts': 'zk', 'expect': {'nodes': [{'name': 'node-a'}]}}, 'expect.nodes: every entry needs a numeric id'),
])
def test_invalid_arguments_fail_with_a_message(capsys, zk, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True and message in result['msg']
    assert 'Traceback' not in json.dumps(result)


@pytest.mark.parametrize('args', [{'zk_hosts': ' '}, {'zk_hosts': 'zk', 'expect': {'node': []}}])
def test_invalid_arguments_fail_before_connecting(capsys, zk, args):
    run_module(capsys, args)
    assert zk.calls == []


def test_unreachable_zookeeper_fails_with_the_message(capsys, monkeypatch):
    from kazoo.handlers.threading import KazooTimeoutError
    client = FakeKazoo({}, start_error=KazooTimeoutError('Connection time-out'))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    result = run_module(capsys, {'zk_hosts': '127.0.0.1:1', 'timeout': 2})
    assert result['failed'] is True
    assert result['msg'] == 'cannot reach ZooKeeper at 127.0.0.1:1 within 2.0 seconds (no server answered)'
    assert 'exception' not in result
    assert client.calls[-1] == 'close'


def test_an_uninitialised_ensemble_is_named(capsys, monkeypatch):
    client = FakeKazoo({'/zookeeper': b''})
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    result = run_module(capsys, {'zk_hosts': 'zk:2181/chroot'})
    assert result['failed'] is True
    assert result['msg'].startswith('ZooKeeper at zk:2181/chroot has no /otter znode')
    assert client.calls[-2:] == ['stop', 'close']


def test_the_documented_findings_have_the_kinds_and_the_keys_of_otter_info():
    returned = yaml.safe_load(module_under_test.RETURN)['findings']['contains']
    assert returned['kind']['choices'] == list(LIVE_KINDS)
    assert sorted(returned) == sorted(yaml.safe_load(otter_info.RETURN)['findings']['contains']) == sorted(FINDING_KEYS)
