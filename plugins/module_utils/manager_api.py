# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP adapter: the Otter manager's unauthenticated JSON API (screens api/ChannelOp and
api/ChannelCheck, manager/web .../screen/api), every call bounded in time and in size."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import threading
import time

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.http_client import HTTPException
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url

from ansible_collections.otter.ha.plugins.module_utils.errors import ManagerError, ManagerUnreachable
from ansible_collections.otter.ha.plugins.module_utils.objects import CHANNEL_STATUSES, short

# The manager's answers are a few dozen bytes (JsonResult); anything past this is not its answer.
MAX_ANSWER = 65536
_CHUNK = 4096


class ManagerAPI(object):
    """Calls to one manager; every call is recorded in ``requests`` (method, url, status, answer),
    kept on failure too."""

    RECORD = 'requests'

    def __init__(self, base_url, timeout=10, validate_certs=True, opener=open_url, clock=time.time):
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.validate_certs = validate_certs
        self._open = opener
        self._clock = clock
        self.requests = []

    @property
    def sent(self):
        return self.requests

    @staticmethod
    def missing_requirement():
        return None

    @classmethod
    def open(cls, params, check_mode=False):
        return cls(params['manager_url'].strip(), timeout=params['request_timeout'],
                   validate_certs=params['validate_certs'])

    def close(self):
        """Nothing to release: every call opens and closes its own connection."""

    def _read(self, response, url):
        """The body, read in chunks until the end or MAX_ANSWER: a manager that sends without end cannot
        fill the memory."""
        chunks = []
        size = 0
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                return b''.join(chunks)
            size += len(chunk)
            if size > MAX_ANSWER:
                raise ManagerError('the Otter manager answered %s with more than %d bytes, which is not an answer of '
                                   'its API; gave up reading' % (url, MAX_ANSWER))
            chunks.append(chunk)

    def _exchange(self, url, record):
        """Open url and read the answer, all of it within request_timeout: a socket timeout bounds each read,
        not a manager that trickles bytes (or its status line), so the exchange runs in a thread of its own and
        is given up once the time is over (the thread ends with the module)."""
        outcome = {}

        def exchange():
            try:
                response = self._open(url, method='GET', timeout=self.timeout, validate_certs=self.validate_certs,
                                      headers={'Accept': 'application/json'})
                status = getattr(response, 'status', None)
                if status is None and hasattr(response, 'getcode'):
                    status = response.getcode()
                record['status'] = status
                outcome['body'] = self._read(response, url)
            except Exception as exc:  # pylint: disable=broad-except
                # Handed to the caller's thread, which sorts it out.
                outcome['error'] = exc
        worker = threading.Thread(target=exchange, name='otter-manager-api')
        worker.daemon = True
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise ManagerUnreachable('the Otter manager at %s did not answer %s within request_timeout=%s seconds'
                                     % (self.base_url, url, self.timeout))
        if 'error' in outcome:
            raise outcome['error']
        return outcome['body']

    def _call(self, screen, params):
        url = '%s/api/%s.htm?%s' % (self.base_url, screen, urlencode(params))
        record = dict(method='GET', url=url, status=None)
        self.requests.append(record)
        try:
            body = self._exchange(url, record)
        except HTTPError as exc:
            record['status'] = exc.code
            raise ManagerError('the Otter manager answered HTTP %s to %s' % (exc.code, url))
        except (URLError, socket.timeout, socket.error, ConnectionError) as exc:
            reason = getattr(exc, 'reason', exc)
            raise ManagerUnreachable('cannot reach the Otter manager at %s: %s' % (self.base_url, to_native(reason)))
        except HTTPException as exc:
            raise ManagerError('the Otter manager answered %s with something that is not HTTP (%s)'
                               % (url, short(str(exc) or type(exc).__name__)))
        text = to_text(body, errors='surrogate_or_replace')
        try:
            answer = json.loads(text)
        except ValueError:
            raise ManagerError('the Otter manager answered %s with something that is not JSON: %s' % (url, short(text)))
        if not isinstance(answer, dict):
            raise ManagerError('the Otter manager answered %s with %s, not a JSON object' % (url, short(text)))
        record['answer'] = answer
        if answer.get('success') is not True:
            raise ManagerError('the Otter manager refused %s: %s'
                               % (url, short(answer.get('errMessage')) if answer.get('errMessage')
                                  else 'success is %s' % short(answer.get('success'))))
        return answer

    def status(self, channel_id):
        data = self._call('channel_check', [('id', channel_id)]).get('data')
        if data not in CHANNEL_STATUSES:
            raise ManagerError('the Otter manager reported status %s for channel %d, not one of %s'
                               % (short(data), channel_id, ', '.join(CHANNEL_STATUSES)))
        return data

    def command(self, channel_id, command):
        self._call('channel_op', [('id', channel_id), ('command', command)])

    def wait_for(self, channel_id, wanted, timeout, interval=1.0, sleep=time.sleep):
        """Poll the status until it is wanted; fail naming the last status after timeout seconds."""
        deadline = self._clock() + timeout
        while True:
            status = self.status(channel_id)
            if status == wanted:
                return status
            if self._clock() >= deadline:
                raise ManagerError('channel %d did not reach %s within %s seconds (last status %s)'
                                   % (channel_id, wanted, timeout, status))
            sleep(interval)
