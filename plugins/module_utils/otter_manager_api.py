# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Otter manager's unauthenticated JSON API (screens api/ChannelOp and api/ChannelCheck):
starting, stopping and reading the status of a channel, and the channel row it acts on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import time

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError
from ansible_collections.otter.ha.plugins.module_utils.otter_model import ref_id

CHANNEL_STATUSES = ('START', 'PAUSE', 'STOP')
# state option -> (status it leads to, command that gets there)
TARGETS = {'started': ('START', 'start'), 'stopped': ('STOP', 'stop')}


class ManagerUnreachable(OtterError):
    """No HTTP answer from the manager at all (as opposed to an answer saying no)."""


def read_channel(db, ref):
    """(id, name) of the CHANNEL row a reference names: digits are an ID when such a channel
    exists, otherwise a name."""
    ident = ref_id(ref)
    rows = db.fetch('SELECT ID, NAME FROM CHANNEL WHERE ID = %s OR NAME = %s ORDER BY ID',
                    (ident if ident is not None else -1, str(ref)))
    by_id = [r for r in rows if ident is not None and int(r[0]) == ident]
    chosen = by_id or [r for r in rows if r[1] == str(ref)]
    if not chosen:
        raise OtterError("channel '%s' not found in CHANNEL (looked up as ID and as NAME)" % ref)
    return int(chosen[0][0]), chosen[0][1]


def plan(status, state):
    """The command that brings a channel from status to state, or None when it is there.
    PAUSE counts as not started (the manager restarts a paused channel with start)."""
    wanted, command = TARGETS[state]
    return None if status == wanted else command


class ManagerAPI(object):
    """Calls to one manager; every call is recorded in ``requests`` (method, url, answer)."""

    def __init__(self, base_url, timeout=10, validate_certs=True, opener=open_url):
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.validate_certs = validate_certs
        self._open = opener
        self.requests = []

    def _call(self, screen, params):
        url = '%s/api/%s.htm?%s' % (self.base_url, screen, urlencode(params))
        record = dict(method='GET', url=url)
        self.requests.append(record)
        try:
            response = self._open(url, method='GET', timeout=self.timeout, validate_certs=self.validate_certs,
                                  headers={'Accept': 'application/json'})
            body = response.read()
        except HTTPError as exc:
            record['status'] = exc.code
            raise OtterError('the Otter manager answered HTTP %s to %s' % (exc.code, url))
        except (URLError, socket.timeout, socket.error, ConnectionError) as exc:
            reason = getattr(exc, 'reason', exc)
            record['status'] = None
            raise ManagerUnreachable('cannot reach the Otter manager at %s: %s' % (self.base_url, to_native(reason)))
        status = getattr(response, 'status', None)
        if status is None and hasattr(response, 'getcode'):
            status = response.getcode()
        record['status'] = status
        text = to_text(body, errors='surrogate_or_replace')
        try:
            answer = json.loads(text)
        except ValueError:
            raise OtterError('the Otter manager answered %s with something that is not JSON: %r'
                             % (url, text[:200]))
        if not isinstance(answer, dict):
            raise OtterError('the Otter manager answered %s with %r, not a JSON object' % (url, text[:200]))
        record['answer'] = answer
        if answer.get('success') is not True:
            raise OtterError('the Otter manager refused %s: %s'
                             % (url, answer.get('errMessage') or 'success is %r' % answer.get('success')))
        return answer

    def status(self, channel_id):
        data = self._call('channel_check', [('id', channel_id)]).get('data')
        if data not in CHANNEL_STATUSES:
            raise OtterError('the Otter manager reported status %r for channel %d, not one of %s'
                             % (data, channel_id, ', '.join(CHANNEL_STATUSES)))
        return data

    def command(self, channel_id, command):
        self._call('channel_op', [('id', channel_id), ('command', command)])

    def wait_for(self, channel_id, wanted, timeout, interval=1.0, clock=time.time, sleep=time.sleep):
        """Poll the status until it is wanted; fail naming the last status after timeout seconds."""
        deadline = clock() + timeout
        while True:
            status = self.status(channel_id)
            if status == wanted:
                return status
            if clock() >= deadline:
                raise OtterError('channel %d did not reach %s within %s seconds (last status %s)'
                                 % (channel_id, wanted, timeout, status))
            sleep(interval)
