# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one frame every module runs in: parse before anything is opened, records kept on failure,
diff only in diff mode, adapters always closed, an OtterError a failed task."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import gc

import pytest

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.otter.ha.plugins.module_utils.errors import DatabaseError, ManagerError, RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module


class Exited(Exception):
    pass


class FakeModule(object):
    def __init__(self, params=None, check_mode=False, diff=False):
        self.params = params or {}
        self.check_mode = check_mode
        self._diff = diff
        self.result = None

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise Exited()

    def exit_json(self, **result):
        self.result = result
        raise Exited()


def adapter(record, log, missing=None, fail_open=None):
    """An adapter class as the frame sees one: RECORD, missing_requirement, open, sent, close."""

    class Adapter(object):
        RECORD = record

        def __init__(self, check_mode):
            self.check_mode = check_mode
            self.sent = []

        @staticmethod
        def missing_requirement():
            return missing

        @classmethod
        def open(cls, params, check_mode=False):
            log.append(('open', record))
            if fail_open is not None:
                raise fail_open
            return cls(check_mode)

        def close(self):
            log.append(('close', record))
    return Adapter


def run(module, parse, adapters, work):
    with pytest.raises(Exited):
        run_module(module, parse, adapters, work)
    return module.result


def test_success_adds_what_each_adapter_sent_and_drops_diff_outside_diff_mode():
    log = []

    def work(module, request, db, api):
        assert request == 'parsed'
        db.sent.append('DELETE ...')
        api.sent.append({'url': 'u'})
        return dict(changed=True, diff=dict(before=1, after=2))
    adapters = (adapter('executed_queries', log), adapter('requests', log))
    result = run(FakeModule(), lambda params: 'parsed', adapters, work)
    assert result == dict(changed=True, executed_queries=['DELETE ...'], requests=[{'url': 'u'}])
    assert log == [('open', 'executed_queries'), ('open', 'requests'), ('close', 'executed_queries'),
                   ('close', 'requests')]
    result = run(FakeModule(diff=True), lambda params: 'parsed', adapters, work)
    assert result['diff'] == dict(before=1, after=2)


def test_an_adapter_without_a_record_adds_nothing():
    result = run(FakeModule(), lambda params: None, (adapter(None, []),), lambda module, request, zk: dict(ok=True))
    assert result == dict(ok=True)


def test_check_mode_reaches_the_adapters():
    seen = []
    run(FakeModule(check_mode=True), lambda params: None, (adapter('executed_queries', []),),
        lambda module, request, db: seen.append(db.check_mode) or {})
    assert seen == [True]


def test_a_failure_keeps_what_was_sent_before_it_and_closes_everything():
    log = []

    def work(module, request, db, api):
        db.sent.append('INSERT ...')
        api.sent.append({'url': 'u', 'status': 500})
        raise ManagerError('the Otter manager answered HTTP 500 to u')
    result = run(FakeModule(), lambda params: None, (adapter('executed_queries', log), adapter('requests', log)), work)
    assert result == dict(failed=True, changed=False, msg='the Otter manager answered HTTP 500 to u',
                          executed_queries=['INSERT ...'], requests=[{'url': 'u', 'status': 500}])
    assert [entry for entry in log if entry[0] == 'close'] == [('close', 'executed_queries'), ('close', 'requests')]


def test_a_request_error_fails_before_anything_is_opened():
    log = []

    def parse(params):
        raise RequestError("channel must not be empty, got ' '")
    result = run(FakeModule(), parse, (adapter('executed_queries', log),), lambda *args: {})
    assert result == dict(failed=True, changed=False, msg="channel must not be empty, got ' '", executed_queries=[])
    assert log == []


def test_an_adapter_that_cannot_open_fails_the_task_and_the_opened_ones_are_closed():
    log = []
    adapters = (adapter('executed_queries', log),
                adapter('requests', log, fail_open=DatabaseError('cannot connect to the Otter manager database')))
    result = run(FakeModule(), lambda params: None, adapters, lambda *args: {})
    assert result['msg'] == 'cannot connect to the Otter manager database'
    assert (result['executed_queries'], result['requests']) == ([], [])
    assert log == [('open', 'executed_queries'), ('open', 'requests'), ('close', 'executed_queries')]


def test_a_missing_requirement_fails_before_parsing():
    log = []

    def parse(params):
        raise AssertionError('parsed although a requirement is missing')
    result = run(FakeModule(), parse, (adapter('executed_queries', log, missing=('PyMySQL', 'Traceback ...')),),
                 lambda *args: {})
    assert result['failed'] is True
    assert result['msg'] == missing_required_lib('PyMySQL')
    assert result['exception'] == 'Traceback ...'
    assert log == []


def test_a_bug_is_not_swallowed_but_the_adapters_are_closed():
    log = []

    def work(module, request, db):
        raise KeyError('bug')
    with pytest.raises(KeyError):
        run_module(FakeModule(), lambda params: None, (adapter('executed_queries', log),), work)
    assert log == [('open', 'executed_queries'), ('close', 'executed_queries')]


@pytest.mark.parametrize('outcome', ['success', 'failure', 'bug'])
def test_the_cyclic_collector_is_paused_for_the_call_and_resumed_after(outcome):
    seen = []

    def work(module, request, db):
        seen.append(gc.isenabled())
        if outcome == 'failure':
            raise DatabaseError('lost')
        if outcome == 'bug':
            raise KeyError('bug')
        return dict(changed=False)

    assert gc.isenabled()
    with pytest.raises(KeyError if outcome == 'bug' else Exited):
        run_module(FakeModule(), lambda params: None, (adapter('executed_queries', []),), work)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_paused_stays_paused():
    gc.disable()
    try:
        with pytest.raises(Exited):
            run_module(FakeModule(), lambda params: None, (), lambda module, request: dict(changed=False))
        assert not gc.isenabled()
    finally:
        gc.enable()
