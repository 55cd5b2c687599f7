# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for the Otter manager's JSON API, for tests: the manager cannot be built on the test machines.

It serves the two screens the collection uses, with upstream's (4.2.18) answers, and keeps the channel status
where the manager keeps it, as the JSON string of the enum in /otter/channel/{cid}:
- GET /api/channel_check.htm?id=N  -> {"data":"START","success":true} (or STOP / PAUSE);
- GET /api/channel_op.htm?id=N&command=start|stop -> {"success":true}; stop writes "STOP" at once; start needs a
  live node (a child of /otter/node) and writes "START" after --start-delay seconds (the push to the nodes);
  an unknown channel gives {"errMessage":"error happens while [start] channel with id [N]","success":false}
  and another command {"errMessage":"please add specfy the 'command' param.","success":false}.
Every channel_op is appended to --log as a JSON line {"command": ..., "id": ...}.

    python otter_manager_standin.py --zk HOSTS --port PORT --log FILE
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError


def answer(**fields):
    return json.dumps(fields, sort_keys=True, separators=(',', ':')).encode()


def make_handler(client, log_path, start_delay):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, body, code=200):
            self.send_response(code)
            self.send_header('Content-Type', 'application/json;charset=UTF-8')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlparse(self.path)
            query = dict((k, v[0]) for k, v in parse_qs(url.query).items())
            try:
                cid = int(query.get('id', ''))
            except ValueError:
                cid = None
            path = '/otter/channel/%s' % cid
            if url.path == '/api/channel_check.htm':
                try:
                    status = json.loads(client.get(path)[0].decode())
                except NoNodeError:
                    return self.reply(answer(success=False, errMessage='error happens while [check] channel with id [%s]' % cid))
                return self.reply(answer(success=True, data=status))
            if url.path == '/api/channel_op.htm':
                command = (query.get('command') or '').lower()
                if command not in ('start', 'stop'):
                    return self.reply(answer(success=False, errMessage="please add specfy the 'command' param."))
                with open(log_path, 'a') as log:
                    log.write(json.dumps({'id': cid, 'command': command}, sort_keys=True) + '\n')
                if cid is None or client.exists(path) is None:
                    return self.reply(answer(success=False,
                                             errMessage='error happens while [%s] channel with id [%s]' % (command, cid)))
                if command == 'stop':
                    client.set(path, b'"STOP"')
                    return self.reply(answer(success=True))
                if not client.get_children('/otter/node'):
                    return self.reply(answer(success=False,
                                             errMessage='error happens while [start] channel with id [%s]' % cid))

                def started():
                    time.sleep(start_delay)
                    client.set(path, b'"START"')
                threading.Thread(target=started, daemon=True).start()
                return self.reply(answer(success=True))
            self.reply(b'not found', 404)
    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--zk', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--log', required=True)
    parser.add_argument('--start-delay', type=float, default=0.5)
    args = parser.parse_args()
    client = KazooClient(hosts=args.zk, timeout=5)
    client.start(timeout=10)
    server = ThreadingHTTPServer(('127.0.0.1', args.port), make_handler(client, args.log, args.start_delay))
    print('manager API on 127.0.0.1:%d' % args.port, flush=True)
    try:
        server.serve_forever()
    finally:
        client.stop()


if __name__ == '__main__':
    main()
