# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_mainstem against the shared fake database and fake kazoo client, which plays the nodes'
part: a released lock is deleted by its holder and taken by the next winner of a scripted election."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils import zookeeper
from ansible_collections.otter.ha.plugins.modules import otter_mainstem as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeClock, FakeKazoo
from ansible_collections.otter.ha.tests.unit.plugins.layouts import FULL
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

pytestmark = pytest.mark.skipif(zookeeper.KazooClient is None, reason='kazoo is not installed')

PATH = '/otter/channel/1/1/mainstem'


def mainstem(nid, status='OVERTAKE', active=True):
    return json.dumps(dict(active=active, nid=nid, pipelineId=1, status=status), sort_keys=True,
                      separators=(',', ':')).encode()


class Election(object):
    """on_set of the fake client: a holder that sees active:false deletes its lock, as MainstemMonitor does,
    and the next winner takes it (none when the list is empty: nobody competes)."""

    def __init__(self, winners):
        self.winners = list(winners)

    def __call__(self, client, path, data):
        if path == PATH and json.loads(data.decode())['active'] is False:
            client.delete(PATH)
            if self.winners:
                nid = self.winners.pop(0)
                client.create(PATH, mainstem(nid, 'TAKEING'), owner=0x10 + nid)


@pytest.fixture
def env(database, monkeypatch):
    database.tables['relations'] = list(FULL)
    client = FakeKazoo({'/otter/node/1': b'', '/otter/node/2': b'', PATH: mainstem(1)}, on_set=Election([2]))
    monkeypatch.setattr(zookeeper, 'KazooClient', client)
    clock = FakeClock()
    client.clock = clock
    # switch() takes sleep and clock as default arguments, bound at import: rebind them.
    monkeypatch.setattr(module_under_test.switch, '__defaults__', (clock.sleep, clock.time))
    return client


def run_module(capsys, args, check_mode=False, diff=False):
    return run_main(capsys, module_under_test.main, dict(dict(zk_hosts='zk:2181'), **args), check_mode=check_mode,
                    diff=diff)


def sets(client):
    return [c for c in client.calls if c[0] == 'set']


def test_the_lock_moves_to_the_chosen_node(capsys, env, database):
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['changed'] is True and result['attempts'] == 1
    assert result['pipeline'] == dict(id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'))
    assert result['mainstem'] == dict(before=dict(nid=1, status='OVERTAKE'), after=dict(nid=2, status='TAKEING'))
    assert result['requests'] == [dict(op='set', path=PATH, version=0, result='ok',
                                       data='{"active":false,"nid":1,"pipelineId":1,"status":"OVERTAKE"}')]
    assert result['executed_queries'] == [] and 'diff' not in result
    assert env.calls[0] == ('client', 'zk:2181', 10.0, False)
    assert database.writes() == [] and database.locking_reads() == []
    assert 'START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT' in database.statements


def test_diff_mode_shows_the_holders(capsys, env):
    result = run_module(capsys, dict(pipeline='1', node='2'), diff=True)
    assert result['diff'] == dict(before=dict(holder=1), after=dict(holder=2))


def test_the_holder_already_chosen_changes_nothing(capsys, env):
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-a'), diff=True)
    assert result['changed'] is False and result['attempts'] == 0
    assert result['mainstem'] == dict(before=dict(nid=1, status='OVERTAKE'), after=dict(nid=1, status='OVERTAKE'))
    assert result['requests'] == [] and sets(env) == []


def test_check_mode_writes_nothing(capsys, env):
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'), check_mode=True, diff=True)
    assert result['changed'] is True and result['attempts'] == 0
    assert result['mainstem']['after'] == dict(nid=2, status=None)
    assert result['diff'] == dict(before=dict(holder=1), after=dict(holder=2))
    assert sets(env) == [] and result['requests'] == []


def test_another_winner_is_released_again(capsys, env):
    env.on_set = Election([1, 2])
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['changed'] is True and result['attempts'] == 2
    assert [(r['version'], r['result']) for r in result['requests']] == [(0, 'ok'), (0, 'ok')]


def test_a_lock_changed_by_another_session_is_read_again(capsys, env):
    original = env.set

    def racing(path, data, version=-1):
        if not sets(env):
            env.stats[PATH]['version'] = 5   # the holder rewrote its lock in between
        return original(path, data, version)
    env.set = racing
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['changed'] is True and result['attempts'] == 1
    assert [(r['version'], r['result']) for r in result['requests']] == [(0, 'stale'), (5, 'ok')]


def test_retries_are_bounded_and_the_requests_kept(capsys, env):
    env.on_set = Election([1, 1, 1])
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b', retries=2))
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'] == ('node 2 (node-b) did not win the lock of sync-ab/a-to-b (pipeline 1) in 2 release(s) '
                             '(retries); it is held by node 1 (node-a)')
    assert [r['result'] for r in result['requests']] == ['ok', 'ok']


def test_a_lock_nobody_takes_times_out(capsys, env):
    env.on_set = Election([])
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b', switch_timeout=5))
    assert result['failed'] is True
    assert result['msg'] == ('node 2 (node-b) did not take the lock of sync-ab/a-to-b (pipeline 1) within '
                             'switch_timeout=5s (1 release(s); holders seen: none)')
    assert len(result['requests']) == 1
    assert 4.9 < sum(env.clock.slept) < 5.5


@pytest.mark.parametrize('node, message', [
    ('node-c', 'node 3 (node-c) is not a SELECT node of sync-ab/a-to-b (pipeline 1) (SELECT nodes: node 1 (node-a), '
               'node 2 (node-b)); only they compete for its lock'),
    ('ghost', "node: node 'ghost' not found in NODE (known: 1 node-a@127.0.0.1"),
])
def test_a_node_that_cannot_take_the_lock_is_refused(capsys, env, node, message):
    result = run_module(capsys, dict(pipeline='a-to-b', node=node))
    assert result['failed'] is True
    assert message in result['msg']
    assert sets(env) == []


def test_a_select_node_that_is_not_alive_is_refused(capsys, env, database):
    database.tables['relations'].append(FULL[0]._replace(id=30, node_id=3))
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-c'))
    assert result['failed'] is True
    assert result['msg'] == ('node 3 (node-c) is not alive (/otter/node/3 does not exist), so it cannot take the lock '
                             'of sync-ab/a-to-b (pipeline 1)')


def test_a_lock_nobody_holds_is_refused(capsys, env):
    env.delete(PATH)
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['failed'] is True
    assert result['msg'] == ('nobody holds the lock of sync-ab/a-to-b (pipeline 1) (%s does not exist): is its channel '
                             'started?' % PATH)


def test_a_lock_otter_would_not_write_is_never_written(capsys, env):
    env.znodes[PATH] = b'{"nid":"1","status":"OVERTAKE"}'
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['failed'] is True
    assert result['msg'] == "%s has nid '1', not a node ID; refusing to write to it" % PATH
    assert sets(env) == []


def test_the_pipeline_follows_the_reference_rule(capsys, env, database):
    database.tables['pipelines'].append(database.tables['pipelines'][0]._replace(id=3, channel_id=1))
    result = run_module(capsys, dict(pipeline='a-to-b', node='node-b'))
    assert result['failed'] is True
    assert "pipeline name 'a-to-b' is ambiguous, it matches pipelines 1 (sync-ab/a-to-b), 3 (sync-ab/a-to-b)" in result['msg']


@pytest.mark.parametrize('args, message', [
    (dict(retries=0), 'retries must be at least 1, got 0'),
    (dict(switch_timeout=0), 'switch_timeout must be at least 1, got 0'),
    (dict(timeout=0), 'timeout must be a positive number of seconds, got 0.0'),
    (dict(lock_timeout=0), 'lock_timeout must be at least 1 second, got 0'),
])
def test_invalid_arguments_fail_before_connecting(capsys, no_database, env, args, message):
    result = run_module(capsys, dict(dict(pipeline='a-to-b', node='node-b', login_password='s3cret-Pw'), **args))
    assert result['failed'] is True and result['msg'] == message
    assert env.calls == []
    assert (result['executed_queries'], result['requests']) == ([], [])
    assert 's3cret-Pw' not in json.dumps(result)
