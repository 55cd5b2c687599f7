# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_zk_info's arguments and result, with the ZooKeeper reads replaced."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest


from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.otter.ha.plugins.modules import otter_zk_info as module_under_test
from ansible_collections.otter.ha.plugins.module_utils import otter_zk
from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError

pytestmark = pytest.mark.skipif(otter_zk.KazooClient is None, reason='kazoo is not installed')

RAW = ([1, 2], {1: b'"START"'}, {1: {1: b'{"active":true,"nid":1,"pipelineId":1,"status":"TAKEING"}'}})


def run_module(capsys, args):
    return run_main(capsys, module_under_test.main, args)


@pytest.fixture
def zookeeper(monkeypatch):
    calls = []

    class Client(object):
        def stop(self):
            calls.append('stop')

        def close(self):
            calls.append('close')

    def connect(hosts, timeout):
        calls.append(('connect', hosts, timeout))
        return Client()

    def read_raw(client, hosts, channel_ids=None):
        calls.append(('read', channel_ids))
        return RAW
    monkeypatch.setattr(otter_zk, 'connect', connect)
    monkeypatch.setattr(otter_zk, 'read_raw', read_raw)
    return calls


def test_reads_and_reports(capsys, zookeeper):
    result = run_module(capsys, {'zk_hosts': ' 127.0.0.1:2181 ', 'channel': [1]})
    assert zookeeper[0] == ('connect', '127.0.0.1:2181', 10.0)
    assert zookeeper[1] == ('read', [1])
    assert zookeeper[-2:] == ['stop', 'close']
    assert result['changed'] is False and result['executed_queries'] == [] and result['ok'] is True
    assert result['alive_nodes'] == [1, 2]
    assert result['pipelines'] == [{'id': 1, 'channel_id': 1, 'mainstem_nid': 1, 'mainstem_status': 'TAKEING',
                                    'active': True}]


def test_expect_reports_findings_and_ignores_database_options(capsys, zookeeper):
    result = run_module(capsys, {
        'zk_hosts': 'zk:2181', 'login_host': 'db', 'login_password': 'secret',
        'expect': {'nodes': [{'id': 1, 'name': 'node-a', 'ip': '10.0.0.1'}, {'id': 3, 'name': 'node-c'}],
                   'pipelines': [{'id': 1, 'nodes': {'SELECT': [1, 3]}}]}})
    assert result['ok'] is False
    assert [f['kind'] for f in result['findings']] == ['node_down', 'no_standby']
    assert 'node 3 (node-c) is not alive' in result['findings'][0]['message']
    assert result['summary'][0] == 'alive nodes: node 1 (node-a), node 2'
    assert 'secret' not in json.dumps(result)


def test_wait_rereads_until_the_findings_clear(monkeypatch):
    reads = iter([([2], {1: b'"START"'}, {1: {1: None}}), RAW])
    monkeypatch.setattr(otter_zk, 'connect', lambda hosts, timeout: None)
    monkeypatch.setattr(otter_zk, 'close', lambda client: None)
    monkeypatch.setattr(otter_zk, 'read_raw', lambda client, hosts, channel_ids=None: next(reads))
    slept = []
    state, findings = otter_zk.read_live_state('zk', 1, expect={'pipelines': [{'id': 1, 'nodes': {'SELECT': [1, 2]}}]},
                                               wait=30, sleep=slept.append)
    assert findings == [] and slept == [1]
    assert state['pipelines'][0]['mainstem_nid'] == 1


@pytest.mark.parametrize('args, message', [
    ({'zk_hosts': ' '}, 'zk_hosts must not be empty'),
    ({'zk_hosts': 'zk', 'channel': []}, 'channel must not be an empty list'),
    ({'zk_hosts': 'zk', 'pipeline': [0]}, 'pipeline IDs must be positive'),
    ({'zk_hosts': 'zk', 'timeout': 0}, 'timeout must be a positive number'),
    ({'zk_hosts': 'zk', 'expect': {'node': []}}, "expect: unknown key(s) node"),
    ({'zk_hosts': 'zk', 'expect': {'nodes': 'node-a'}}, 'expect.nodes must be a list'),
])
def test_invalid_arguments_fail_before_connecting(capsys, zookeeper, args, message):
    result = run_module(capsys, args)
    assert result['failed'] and message in result['msg']
    assert zookeeper == []


def test_unreachable_zookeeper_fails_with_the_message(capsys, monkeypatch):
    def connect(hosts, timeout):
        raise OtterError('cannot reach ZooKeeper at %s within %s seconds (no server answered)' % (hosts, timeout))
    monkeypatch.setattr(otter_zk, 'connect', connect)
    result = run_module(capsys, {'zk_hosts': '127.0.0.1:1', 'timeout': 2})
    assert result['failed']
    assert result['msg'] == 'cannot reach ZooKeeper at 127.0.0.1:1 within 2.0 seconds (no server answered)'
    assert 'exception' not in result
