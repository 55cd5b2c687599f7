# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The manager's HTTP API without a manager: every call recorded, bounded in time and in size,
refusals and answers it never sends failing with a message, no answer at all kept apart."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import threading
import time

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.otter.ha.plugins.module_utils import manager_api
from ansible_collections.otter.ha.plugins.module_utils.errors import ManagerError, ManagerUnreachable
from ansible_collections.otter.ha.plugins.module_utils.manager_api import MAX_ANSWER, ManagerAPI
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeClock, FakeManager, FakeResponse

URL = 'http://manager:8080'
CHECK = URL + '/api/channel_check.htm?id=1'


def answering(*responses):
    """An opener that hands out these answers in turn; an exception is raised instead."""
    queue = list(responses)
    calls = []

    def opener(url, **kwargs):
        calls.append((url, kwargs))
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, FakeResponse) else FakeResponse(answer)
    opener.calls = calls
    return opener


def api(opener, **kwargs):
    return ManagerAPI(URL + '/', opener=opener, **kwargs)


def test_status_reads_channel_check_and_records_the_call():
    opener = answering(b'{"success":true,"data":"PAUSE"}')
    manager = api(opener, timeout=3, validate_certs=False)
    assert manager.status(1) == 'PAUSE'
    assert opener.calls == [(CHECK, dict(method='GET', timeout=3, validate_certs=False,
                                         headers={'Accept': 'application/json'}))]
    assert manager.requests == [dict(method='GET', url=CHECK, status=200, answer={'success': True, 'data': 'PAUSE'})]
    assert manager.sent is manager.requests


def test_command_calls_channel_op():
    opener = answering(b'{"success":true}')
    manager = api(opener)
    manager.command(7, 'stop')
    assert manager.requests == [dict(method='GET', url=URL + '/api/channel_op.htm?id=7&command=stop', status=200,
                                     answer={'success': True})]


def test_status_of_an_answer_without_status_comes_from_getcode():
    class Legacy(FakeResponse):
        def __init__(self, body):
            FakeResponse.__init__(self, body)
            del self.status

        def getcode(self):
            return 203
    manager = api(answering(Legacy(b'{"success":true,"data":"STOP"}')))
    manager.status(1)
    assert manager.requests[0]['status'] == 203


@pytest.mark.parametrize('body, message', [
    (b'{"success":false,"errMessage":"error happens while [start] channel with id [1]"}',
     "the Otter manager refused %s: 'error happens while [start] channel with id [1]'" % CHECK),
    (b'{"success":false}', 'the Otter manager refused %s: success is false' % CHECK),
    (b'{"data":"START"}', 'the Otter manager refused %s: success is null' % CHECK),
    (b'{"success":"true","data":"START"}', "the Otter manager refused %s: success is 'true'" % CHECK),
    (b'<html>login</html>', "the Otter manager answered %s with something that is not JSON: '<html>login</html>'" % CHECK),
    (b'\xff\xfe', 'with something that is not JSON'),
    (b'', 'with something that is not JSON'),
    (b'[true]', "the Otter manager answered %s with '[true]', not a JSON object" % CHECK),
    (b'{"success":true,"data":"RUNNING"}',
     "the Otter manager reported status 'RUNNING' for channel 1, not one of START, PAUSE, STOP"),
    (b'{"success":true}', 'the Otter manager reported status null for channel 1'),
])
def test_answers_that_are_not_a_status_fail_with_a_message(body, message):
    manager = api(answering(body))
    with pytest.raises(ManagerError) as caught:
        manager.status(1)
    assert not isinstance(caught.value, ManagerUnreachable)
    assert message in str(caught.value)
    assert manager.requests[0]['status'] == 200  # kept on failure


def test_a_long_refusal_is_cut_short():
    manager = api(answering(json.dumps({'success': False, 'errMessage': 'x' * 5000}).encode()))
    with pytest.raises(ManagerError) as caught:
        manager.command(1, 'start')
    assert len(str(caught.value)) < 300
    assert manager.requests[0]['answer']['errMessage'] == 'x' * 5000


def test_an_http_error_is_an_answer_and_its_status_is_recorded():
    manager = api(answering(HTTPError(CHECK, 500, 'Internal Server Error', {}, None)))
    with pytest.raises(ManagerError) as caught:
        manager.status(1)
    assert not isinstance(caught.value, ManagerUnreachable)
    assert str(caught.value) == 'the Otter manager answered HTTP 500 to %s' % CHECK
    assert manager.requests == [dict(method='GET', url=CHECK, status=500)]


@pytest.mark.parametrize('exc, reason', [
    (URLError(ConnectionRefusedError(111, 'Connection refused')), 'Connection refused'),
    (URLError('Name or service not known'), 'Name or service not known'),
    (socket.timeout('timed out'), 'timed out'),
    (ConnectionResetError(104, 'Connection reset by peer'), 'Connection reset by peer'),
])
def test_no_answer_at_all_is_unreachable(exc, reason):
    manager = api(answering(exc))
    with pytest.raises(ManagerUnreachable) as caught:
        manager.status(1)
    assert str(caught.value).startswith('cannot reach the Otter manager at %s: ' % URL)
    assert reason in str(caught.value)
    assert manager.requests == [dict(method='GET', url=CHECK, status=None)]


def _answer_of(size):
    head = b'{"success":true,"data":"START","pad":"'
    return head + b'x' * (size - len(head) - 2) + b'"}'


def test_an_answer_of_the_maximum_size_is_read():
    assert MAX_ANSWER == 65536
    manager = api(answering(_answer_of(MAX_ANSWER)))
    assert manager.status(1) == 'START'


def test_a_larger_answer_is_refused_without_reading_it_all():
    response = FakeResponse(_answer_of(MAX_ANSWER + 1))
    manager = api(answering(response))
    with pytest.raises(ManagerError) as caught:
        manager.status(1)
    assert str(caught.value) == ('the Otter manager answered %s with more than 65536 bytes, which is not an answer of '
                                 'its API; gave up reading' % CHECK)
    endless = FakeResponse(b'x' * (100 * MAX_ANSWER))
    with pytest.raises(ManagerError, match='more than 65536 bytes'):
        api(answering(endless)).status(1)
    assert endless.reads <= MAX_ANSWER // 4096 + 1


class Stalled(object):
    """An answer that never ends (or a status line that never comes) until the test lets it go."""

    def __init__(self):
        self.release = threading.Event()
        self.reads = 0

    def __call__(self, url, **kwargs):
        return self

    status = 200

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            self.release.wait(10)
            return b''
        return b'{"success":true,'


@pytest.mark.parametrize('stall_in', ['open', 'read'])
def test_a_manager_that_does_not_finish_answering_is_given_up_after_request_timeout(stall_in):
    stalled = Stalled()

    def opener(url, **kwargs):
        if stall_in == 'open':
            stalled.release.wait(10)
        return stalled
    manager = api(opener, timeout=0.2)
    started = time.time()
    try:
        with pytest.raises(ManagerUnreachable) as caught:
            manager.status(1)
    finally:
        stalled.release.set()
    assert time.time() - started < 5
    assert str(caught.value) == ('the Otter manager at %s did not answer %s within request_timeout=0.2 seconds'
                                 % (URL, CHECK))
    assert manager.requests[0]['status'] == (200 if stall_in == 'read' else None)


def test_an_answer_that_is_not_http_is_an_answer_error():
    from ansible.module_utils.six.moves.http_client import BadStatusLine, IncompleteRead
    for exc, text in ((BadStatusLine('SSH-2.0-OpenSSH_9.2'), "with something that is not HTTP ('SSH-2.0-OpenSSH_9.2')"),
                      (IncompleteRead(b'{"suc'), 'with something that is not HTTP (')):
        manager = api(answering(exc))
        with pytest.raises(ManagerError) as caught:
            manager.status(1)
        assert not isinstance(caught.value, ManagerUnreachable)
        assert text in str(caught.value)


def test_a_slow_but_timely_answer_is_read():
    clock = FakeClock()
    response = FakeResponse(b'{"success":true,"data":"START"}', chunk=8, clock=clock, per_read=1)
    assert api(answering(response), timeout=10, clock=clock.time).status(1) == 'START'
    assert response.reads == 5


def test_wait_for_polls_until_the_status_shows():
    clock = FakeClock()
    fake = FakeManager(status='STOP', lag=2)
    manager = api(fake, clock=clock.time)
    manager.command(1, 'start')
    assert manager.wait_for(1, 'START', 60, sleep=clock.sleep) == 'START'
    assert clock.slept == [1.0, 1.0]
    assert [r['url'] for r in manager.requests] == [URL + '/api/channel_op.htm?id=1&command=start'] + [CHECK] * 3


def test_wait_for_fails_naming_the_last_status():
    clock = FakeClock()
    manager = api(FakeManager(status='STOP', lag=10 ** 6), clock=clock.time)
    manager.command(1, 'start')
    with pytest.raises(ManagerError) as caught:
        manager.wait_for(1, 'START', 5, interval=1.0, sleep=clock.sleep)
    assert str(caught.value) == 'channel 1 did not reach START within 5 seconds (last status STOP)'
    assert len(manager.requests) == 1 + 6
    with pytest.raises(ManagerError, match=r'within 0 seconds \(last status STOP\)'):
        manager.wait_for(1, 'START', 0, sleep=clock.sleep)


def test_open_takes_the_module_options():
    manager = ManagerAPI.open(dict(manager_url=' https://manager:8443/otter/ ', request_timeout=2.5,
                                   validate_certs=False), check_mode=True)
    assert (manager.base_url, manager.timeout, manager.validate_certs) == ('https://manager:8443/otter', 2.5, False)
    assert (ManagerAPI.RECORD, ManagerAPI.missing_requirement()) == ('requests', None)
    assert manager._open is manager_api.open_url
    manager.close()
