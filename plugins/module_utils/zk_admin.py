# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ZooKeeper four-letter-word adapter: the only file that talks to ZooKeeper servers one by one,
over plain TCP, as `echo srvr | nc host port` does. Each server is asked on its own (a ZooKeeper
session would reach only one server of the ensemble, and none when the ensemble has no quorum), and
every question is bounded by the timeout, connection and answer alike."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import time

from ansible.module_utils.common.text.converters import to_native, to_text

# srvr and stat answer a few hundred bytes; anything past this is not a ZooKeeper answer.
MAX_ANSWER = 65536
WORDS = ('ruok', 'srvr', 'stat', 'mntr')


class ZooKeeperAdmin(object):
    """Four-letter words to single servers. Nothing is recorded: the words only read."""

    RECORD = None

    def __init__(self, timeout, connect=socket.create_connection, clock=time.time):
        self.timeout = float(timeout)
        self._connect = connect
        self._clock = clock

    @staticmethod
    def missing_requirement():
        return None

    @classmethod
    def open(cls, params, check_mode=False):
        return cls(params['timeout'])

    def close(self):
        """Nothing to release: every question opens and closes its own connection."""

    def ask(self, host, port, word='srvr'):
        """(answer text, None), or (None, why there is no answer): connection refused, no answer
        within the timeout, connection reset, an answer longer than MAX_ANSWER."""
        if word not in WORDS:
            raise ValueError('not a four-letter word this adapter sends: %r' % (word,))
        deadline = self._clock() + self.timeout
        try:
            conn = self._connect((host, port), timeout=self.timeout)
        except socket.timeout:
            return None, 'no connection within %s seconds' % self.timeout
        except socket.gaierror as exc:
            return None, 'cannot resolve %s: %s' % (host, to_native(exc.strerror or exc))
        except (OSError, socket.error) as exc:
            return None, 'cannot connect: %s' % to_native(getattr(exc, 'strerror', None) or exc)
        chunks = []
        size = 0
        try:
            conn.sendall(word.encode('ascii'))
            while True:
                left = deadline - self._clock()
                if left <= 0:
                    return None, 'no complete answer to %s within %s seconds' % (word, self.timeout)
                conn.settimeout(left)
                chunk = conn.recv(4096)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER:
                    return None, 'answered %s with more than %d bytes, which is not a ZooKeeper answer' % (
                        word, MAX_ANSWER)
                chunks.append(chunk)
        except socket.timeout:
            return None, 'no complete answer to %s within %s seconds' % (word, self.timeout)
        except (OSError, socket.error) as exc:
            if not chunks:
                return None, 'connection closed without an answer to %s: %s' % (
                    word, to_native(getattr(exc, 'strerror', None) or exc))
        finally:
            conn.close()
        if not chunks:
            return None, 'closed the connection without answering %s' % word
        return to_text(b''.join(chunks), errors='surrogate_or_replace'), None
