# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four-letter-word adapter against fake sockets: answers, refusals, and every wait bounded."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket

import pytest

from ansible_collections.otter.ha.plugins.module_utils.zk_admin import MAX_ANSWER, ZooKeeperAdmin


class FakeSocket(object):
    def __init__(self, chunks, error=None, clock=None, per_recv=0):
        self.chunks = list(chunks)
        self.error = error
        self.sent = []
        self.timeouts = []
        self.closed = False
        self.clock = clock
        self.per_recv = per_recv

    def sendall(self, data):
        self.sent.append(data)

    def settimeout(self, seconds):
        self.timeouts.append(seconds)

    def recv(self, size):
        if self.clock is not None:
            self.clock[0] += self.per_recv
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b''

    def close(self):
        self.closed = True


def admin_for(result, timeout=5, clock=None):
    calls = []
    now = clock if clock is not None else [0.0]

    def connect(address, timeout):
        calls.append((address, timeout))
        if isinstance(result, Exception):
            raise result
        return result
    return ZooKeeperAdmin(timeout, connect=connect, clock=lambda: now[0]), calls


def test_an_answer_is_read_to_the_end():
    sock = FakeSocket([b'Mode: ', b'standalone\n'])
    admin, calls = admin_for(sock)
    assert admin.ask('zk1', 2181) == ('Mode: standalone\n', None)
    assert calls == [(('zk1', 2181), 5.0)]
    assert sock.sent == [b'srvr'] and sock.closed


@pytest.mark.parametrize('error, text', [
    (ConnectionRefusedError(111, 'Connection refused'), 'cannot connect: Connection refused'),
    (socket.timeout('timed out'), 'no connection within 5.0 seconds'),
    (socket.gaierror(-2, 'Name or service not known'), 'cannot resolve zk1: Name or service not known'),
])
def test_no_connection(error, text):
    admin, _calls = admin_for(error)
    assert admin.ask('zk1', 2181) == (None, text)


def test_a_server_that_closes_without_answering():
    admin, _calls = admin_for(FakeSocket([]))
    assert admin.ask('zk1', 2181) == (None, 'closed the connection without answering srvr')


def test_a_reset_without_answer():
    admin, _calls = admin_for(FakeSocket([], error=ConnectionResetError(104, 'Connection reset by peer')))
    assert admin.ask('zk1', 2181)[1] == 'connection closed without an answer to srvr: Connection reset by peer'


def test_a_server_that_trickles_is_cut_at_the_timeout():
    clock = [0.0]
    sock = FakeSocket([b'M'] * 100, clock=clock, per_recv=2)
    admin, _calls = admin_for(sock, timeout=5, clock=clock)
    assert admin.ask('zk1', 2181) == (None, 'no complete answer to srvr within 5.0 seconds')
    assert all(t <= 5 for t in sock.timeouts) and sock.closed


def test_a_server_that_never_answers_times_out():
    admin, _calls = admin_for(FakeSocket([], error=socket.timeout('timed out')))
    assert admin.ask('zk1', 2181) == (None, 'no complete answer to srvr within 5.0 seconds')


def test_an_answer_without_end_is_refused():
    admin, _calls = admin_for(FakeSocket([b'x' * 4096] * (MAX_ANSWER // 4096 + 2)))
    assert 'more than %d bytes' % MAX_ANSWER in admin.ask('zk1', 2181)[1]


def test_only_four_letter_words_that_read():
    admin, _calls = admin_for(FakeSocket([]))
    with pytest.raises(ValueError):
        admin.ask('zk1', 2181, 'kill')
