# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_channel with a stand-in database and a stand-in manager API: idempotency, check mode, waiting,
refusals and an unreachable manager."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json

import pytest

from ansible.module_utils.six.moves.urllib.error import URLError

from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.otter.ha.plugins.modules import otter_channel as module_under_test
from ansible_collections.otter.ha.plugins.module_utils import otter_db, otter_manager_api
from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError

URL = 'http://127.0.0.1:8080'


class FakeDB(object):
    check_mode = False

    def __init__(self):
        self.executed_queries = []

    def fetch(self, sql, args=None):
        assert sql.startswith('SELECT ID, NAME FROM CHANNEL')
        rows = [(1, 'sync-ab'), (2, '1')]
        return [r for r in rows if r[0] == args[0] or r[1] == args[1]]

    def close(self):
        pass


class FakeManager(object):
    """Answers like the manager's api screens; status changes take `lag` more checks to show."""

    def __init__(self, status='STOP', lag=0, refuse=None, down=False):
        self.status, self.lag, self.refuse, self.down = status, lag, refuse, down
        self.pending = None
        self.urls = []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        if self.down:
            raise URLError(ConnectionRefusedError(111, 'Connection refused'))
        if 'channel_op' in url:
            if self.refuse:
                return io.BytesIO(json.dumps({'success': False, 'errMessage': self.refuse}).encode())
            self.pending = [self.lag, 'START' if 'command=start' in url else 'STOP']
            return io.BytesIO(b'{"success":true}')
        if self.pending:
            if self.pending[0] == 0:
                self.status, self.pending = self.pending[1], None
            else:
                self.pending[0] -= 1
        return io.BytesIO(json.dumps({'success': True, 'data': self.status}).encode())


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setattr(otter_db.OtterDB, 'connect', classmethod(lambda cls, params, check_mode=False: FakeDB()))
    monkeypatch.setattr(otter_manager_api.time, 'sleep', lambda s: None)
    manager = FakeManager()
    monkeypatch.setattr(module_under_test, 'ManagerAPI',
                        lambda url, **kw: otter_manager_api.ManagerAPI(url, opener=manager, **kw))
    # switch() takes its factory as a default argument, bound at import: rebind it.
    monkeypatch.setattr(module_under_test.switch, '__defaults__', (module_under_test.ManagerAPI,))
    return manager


def run_module(capsys, args, check_mode=False):
    return run_main(capsys, module_under_test.main, dict(args, manager_url=args.get('manager_url', URL)),
                    check_mode=check_mode)


def test_start_sends_the_command_and_waits_for_start(capsys, env):
    env.lag = 2
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started'})
    assert result['changed'] is True
    assert result['channel'] == {'id': 1, 'name': 'sync-ab', 'status': 'START'}
    assert result['diff'] == {'before': {'status': 'STOP'}, 'after': {'status': 'START'}}
    assert result['executed_queries'] == []
    assert [r['url'] for r in result['requests']] == [
        URL + '/api/channel_check.htm?id=1', URL + '/api/channel_op.htm?id=1&command=start'] + \
        [URL + '/api/channel_check.htm?id=1'] * 3
    assert result['requests'][-1]['answer'] == {'success': True, 'data': 'START'}


def test_already_in_state_sends_nothing(capsys, env):
    env.status = 'START'
    result = run_module(capsys, {'channel': '1', 'state': 'started'})
    assert result['changed'] is False
    assert len(env.urls) == 1


def test_digits_are_an_id_first(capsys, env):
    result = run_module(capsys, {'channel': '1', 'state': 'stopped'})
    assert result['channel']['name'] == 'sync-ab'


@pytest.mark.parametrize('status, state, command', [
    ('START', 'stopped', 'stop'), ('PAUSE', 'stopped', 'stop'), ('PAUSE', 'started', 'start'),
    ('STOP', 'started', 'start'), ('START', 'started', None), ('STOP', 'stopped', None)])
def test_plan(status, state, command):
    assert otter_manager_api.plan(status, state) == command


def test_check_mode_reads_only(capsys, env):
    env.status = 'START'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped'}, check_mode=True)
    assert result['changed'] is True
    assert result['diff'] == {'before': {'status': 'START'}, 'after': {'status': 'STOP'}}
    assert env.urls == [URL + '/api/channel_check.htm?id=1']


def test_refusal_fails_with_the_managers_message(capsys, env):
    env.refuse = 'error happens while [start] channel with id [1]'
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started'})
    assert result['failed']
    assert result['msg'] == ('channel 1 (sync-ab): the Otter manager refused %s/api/channel_op.htm?id=1&command=start: '
                             'error happens while [start] channel with id [1]' % URL)


def test_status_not_reached_in_time(capsys, env):
    env.lag = 10 ** 6
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'started', 'timeout': 0})
    assert result['failed']
    assert 'did not reach START within 0 seconds (last status STOP)' in result['msg']


def test_unreachable_fails_or_reports(capsys, env):
    env.down = True
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped'})
    assert result['failed']
    assert result['msg'].startswith('channel 1 (sync-ab): cannot reach the Otter manager at %s' % URL)
    result = run_module(capsys, {'channel': 'sync-ab', 'state': 'stopped', 'on_unreachable': 'report'})
    assert 'failed' not in result
    assert result['reachable'] is False and result['changed'] is False
    assert result['channel'] == {'id': 1, 'name': 'sync-ab', 'status': None}
    assert 'cannot reach the Otter manager' in json.dumps(result.get('warnings')), result


@pytest.mark.parametrize('args, message', [
    ({'channel': 'nope', 'state': 'started'}, "channel 'nope' not found in CHANNEL"),
    ({'channel': 'sync-ab', 'state': 'started', 'manager_url': 'manager:8080'}, 'must start with http://'),
    ({'channel': ' ', 'state': 'started'}, 'channel must not be empty'),
])
def test_invalid_requests(capsys, env, args, message):
    result = run_module(capsys, args)
    assert result['failed'] and message in result['msg']


def test_answer_that_is_not_json():
    api = otter_manager_api.ManagerAPI(URL, opener=lambda url, **kw: io.BytesIO(b'<html>login</html>'))
    with pytest.raises(OtterError, match='not JSON'):
        api.status(1)
