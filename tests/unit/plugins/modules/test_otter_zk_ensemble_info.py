# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_zk_ensemble_info with a fake four-letter-word adapter: each server asked once, what it said, findings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.zk_admin import ZooKeeperAdmin
from ansible_collections.otter.ha.plugins.modules import otter_zk_ensemble_info as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

SRVR = 'Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.1/1\nConnections: 2\nOutstanding: 0\nZxid: 0x2\nMode: %s\n' \
       'Node count: 7\n'


@pytest.fixture
def servers(monkeypatch):
    said = {}
    asked = []

    def ask(self, host, port, word='srvr'):
        asked.append((host, port, word, self.timeout))
        answer = said.get('%s:%d' % (host, port))
        return (None, 'cannot connect: Connection refused') if answer is None else (answer, None)
    monkeypatch.setattr(ZooKeeperAdmin, 'ask', ask)
    return said, asked


def run(capsys, args):
    return run_main(capsys, module_under_test.main, args)


def test_one_leader(capsys, servers):
    said, asked = servers
    said.update({'zk1:2181': SRVR % 'follower', 'zk2:2181': SRVR % 'leader', 'zk3:2182': SRVR % 'follower'})
    result = run(capsys, {'servers': 'zk1:2181,ZK2, zk3:2182/otter', 'timeout': 3})
    assert asked == [('zk1', 2181, 'srvr', 3.0), ('zk2', 2181, 'srvr', 3.0), ('zk3', 2182, 'srvr', 3.0)]
    assert result['changed'] is False and result['ok'] is True and result['leader'] == 'zk2:2181'
    assert result['servers'][1] == dict(server='zk2:2181', answered=True, state='serving', mode='leader',
                                        version='3.8.0', zxid='0x2', connections=2, outstanding=0, node_count=7,
                                        latency='0/0.1/1', error=None)


def test_a_single_standalone_is_its_own_leader(capsys, servers):
    servers[0]['zk1:2181'] = SRVR % 'standalone'
    result = run(capsys, {'servers': ['zk1']})
    assert result['ok'] is True and result['leader'] == 'zk1:2181'


def test_what_is_wrong(capsys, servers):
    servers[0].update({'zk1:2181': 'This ZooKeeper instance is not currently serving requests\n'})
    result = run(capsys, {'servers': ['zk1:2181', 'zk2:2181']})
    assert [f['kind'] for f in result['findings']] == ['zk_server_unreachable', 'zk_server_not_serving', 'zk_no_leader']
    assert result['servers'][1]['state'] == 'unreachable' and result['servers'][1]['error'].startswith('cannot connect')
    assert result['leader'] is None and result['ok'] is False


@pytest.mark.parametrize('args, message', [
    ({'servers': []}, 'servers must name at least one ZooKeeper server'),
    ({'servers': ['zk1:x']}, "ZooKeeper server 'zk1:x': the port must be a number"),
    ({'servers': ['zk1'], 'timeout': 0}, 'timeout must be a positive number of seconds'),
])
def test_wrong_arguments(capsys, servers, args, message):
    result = run(capsys, args)
    assert result['failed'] and message in result['msg']
    assert servers[1] == []
