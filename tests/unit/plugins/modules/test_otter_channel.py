# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_channel with the shared fake database and fake manager: idempotency, check mode, waiting,
refusals, an unreachable manager, and the records kept on failure."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils.manager_api import ManagerAPI
from ansible_collections.otter.ha.plugins.modules import otter_channel as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeClock, FakeManager
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

URL = 'http://127.0.0.1:8080'
CHECK = URL + '/api/channel_check.htm?id=1'


@pytest.fixture
def manager(monkeypatch):
    """The fake manager behind ManagerAPI, waiting on a fake clock."""
    fake = FakeManager()
    fake.clock = FakeClock()

    class QuickAPI(ManagerAPI):
        def wait_for(self, channel_id, wanted, timeout, interval=1.0, sleep=None):
            return ManagerAPI.wait_for(self, channel_id, wanted, timeout, interval, sleep=fake.clock.sleep)

    def open_api(cls, params, check_mode=False):
        return QuickAPI(params['manager_url'].strip(), timeout=params['request_timeout'],
                        validate_certs=params['validate_certs'], opener=fake, clock=fake.clock.time)
    monkeypatch.setattr(ManagerAPI, 'open', classmethod(open_api))
    return fake


@pytest.fixture
def env(database, manager):
    database.tables['channels'].append(database.tables['channels'][0]._replace(id=2, name='02'))
    return manager


def run_module(capsys, args, check_mode=False, diff=False):
    return run_main(capsys, module_under_test.main, dict(dict(manager_url=URL), **args), check_mode=check_mode,
                    diff=diff)


def test_start_sends_the_command_and_waits_for_start(capsys, env, database):
    env.lag = 2
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started'})
    assert result['changed'] is True and result['reachable'] is True
    assert result['channel'] == {'id': 1, 'name': 'sync-ab', 'status': 'START'}
    assert 'diff' not in result
    assert result['executed_queries'] == []
    assert [r['url'] for r in result['requests']] == [CHECK, URL + '/api/channel_op.htm?id=1&command=start'] + [CHECK] * 3
    assert result['requests'][-1] == {'method': 'GET', 'url': CHECK, 'status': 200,
                                      'answer': {'success': True, 'data': 'START'}}
    assert env.clock.slept == [1.0, 1.0]
    assert database.writes() == [] and database.locking_reads() == []


def test_diff_mode_shows_the_status_before_and_after(capsys, env):
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started'}, diff=True)
    assert result['diff'] == {'before': {'status': 'STOP'}, 'after': {'status': 'START'}}


def test_already_in_state_sends_nothing(capsys, env):
    env.status = 'START'
    result = run_module(capsys, {'channel': '1', 'state': 'started'}, diff=True)
    assert result['changed'] is False
    assert env.urls == [CHECK]
    assert result['diff'] == {'before': {'status': 'START'}, 'after': {'status': 'START'}}


@pytest.mark.parametrize('ref, channel', [('2', {'id': 2, 'name': '02'}), ('02', {'id': 2, 'name': '02'}),
                                          ('1', {'id': 1, 'name': 'sync-ab'})])
def test_the_reference_rule(capsys, env, ref, channel):
    result = run_module(capsys, {'channel': ref, 'state': 'stopped'})
    assert dict((k, result['channel'][k]) for k in ('id', 'name')) == channel


def test_an_id_that_is_also_a_channel_name_is_ambiguous(capsys, env, database):
    database.tables['channels'].append(database.tables['channels'][0]._replace(id=3, name='1'))
    result = run_module(capsys, {'channel': '1', 'state': 'stopped'})
    assert result['failed'] is True
    assert "channel '1' is ambiguous: it is the ID of channel 1 sync-ab and the name of channel 3 1" in result['msg']
    assert env.urls == [] and result['requests'] == []


def test_a_padded_reference_is_a_name(capsys, env):
    result = run_module(capsys, {'channel': ' 2 ', 'state': 'stopped'})
    assert result.get('failed') is True
    assert "channel ' 2 ' not found in CHANNEL" in result['msg']


def test_check_mode_reads_only(capsys, env, database):
    env.status = 'START'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped'}, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['channel']['status'] == 'STOP'
    assert result['diff'] == {'before': {'status': 'START'}, 'after': {'status': 'STOP'}}
    assert env.urls == [CHECK]
    assert database.writes() == []


def test_refusal_fails_with_the_managers_message_and_keeps_the_requests(capsys, env):
    env.refuse = 'error happens while [start] channel with id [1]'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started'})
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'] == ("channel 1 (sync-ab): the Otter manager refused %s/api/channel_op.htm?id=1&command=start: "
                             "'error happens while [start] channel with id [1]'" % URL)
    assert [(r['url'], r['status']) for r in result['requests']] == [
        (CHECK, 200), (URL + '/api/channel_op.htm?id=1&command=start', 200)]
    assert result['requests'][1]['answer']['success'] is False
    assert result['executed_queries'] == []


def test_status_not_reached_in_time(capsys, env):
    env.lag = 10 ** 6
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started', 'timeout': 5})
    assert result['failed'] is True
    assert result['msg'] == 'channel 1 (sync-ab): channel 1 did not reach START within 5 seconds (last status STOP)'
    assert len(result['requests']) == 2 + 6


def test_unreachable_fails_or_reports(capsys, env):
    env.down = True
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped'})
    assert result['failed'] is True
    assert result['msg'].startswith('channel 1 (sync-ab): cannot reach the Otter manager at %s: ' % URL)
    assert 'Connection refused' in result['msg']
    assert result['requests'] == [{'method': 'GET', 'url': CHECK, 'status': None}]
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped', 'on_unreachable': 'report'})
    assert 'failed' not in result
    assert result['reachable'] is False and result['changed'] is False
    assert result['channel'] == {'id': 1, 'name': 'sync-ab', 'status': None}
    assert 'cannot reach the Otter manager' in json.dumps(result.get('warnings')), result
    assert 'channel 1 (sync-ab) left as it is' in json.dumps(result.get('warnings'))
    assert 'diff' not in result
    assert len(result['requests']) == 1


def test_a_refusal_fails_even_with_on_unreachable_report(capsys, env):
    env.refuse = 'no live node'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started', 'on_unreachable': 'report'})
    assert result['failed'] is True and "'no live node'" in result['msg']


def test_unknown_channel_fails_naming_it_without_a_request(capsys, env):
    result = run_module(capsys, {'channel': 'nope', 'state': 'started'})
    assert result['failed'] is True
    assert "channel 'nope' not found in CHANNEL" in result['msg']
    assert 'known' not in result['msg']
    assert env.urls == [] and result['requests'] == [] and result['executed_queries'] == []


@pytest.mark.parametrize('args, message', [
    ({'channel': 'sync-ab', 'state': 'started', 'manager_url': 'manager:8080'},
     "manager_url 'manager:8080' must start with http:// or https://"),
    ({'channel': ' ', 'state': 'started'}, 'channel must not be empty'),
    ({'channel': 'sync-ab', 'state': 'started', 'timeout': -1}, 'timeout must not be negative, got -1'),
    ({'channel': 'sync-ab', 'state': 'started', 'request_timeout': 0}, 'request_timeout must be positive, got 0'),
    ({'channel': 'sync-ab', 'state': 'started', 'read_timeout': 0}, 'read_timeout must be at least 1 second, got 0'),
])
def test_invalid_requests_fail_before_connecting(capsys, no_database, manager, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True and message in result['msg']
    assert manager.urls == []
    assert (result['executed_queries'], result['requests']) == ([], [])


def test_password_is_no_log_and_never_echoed(capsys, env):
    assert module_under_test.argument_spec()['login_password']['no_log'] is True
    env.refuse = 'refused'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started', 'login_password': 's3cret-Pw'})
    assert result['failed'] is True
    assert 's3cret-Pw' not in json.dumps(result)
