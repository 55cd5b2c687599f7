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

With --dead-node-delay, it also does what upstream's DeadNodeListener
(manager/biz/.../common/arbitrate/DeadNodeListener.java) does when a node dies: it watches the children of
/otter/node, queues each nid that vanishes, and after the delay (upstream's checkTime, 60 s), if the node is still
dead, restarts the START channels whose pipelines list the node (ChannelServiceImpl.listByNodeId(nid, START):
the channels with a PIPELINE_NODE_RELATION row naming the node, read from the manager database given by --db-cnf,
their status from ZooKeeper), in channel ID order. Each restart is ChannelArbitrateEvent.restart: PAUSE unless the
channel is STOP, then, after --restart-delay (upstream's 5-7 s), START again unless the channel is STOP by then and
only if canStart: every pipeline of the channel has a live node among its SELECT, its EXTRACT and its LOAD nodes
(upstream also waits for leftover processes, which the stand-ins do not have). Each restart is logged as
{"command": "dead-node-restart", "id": CID, "nid": NID}. Nodes that were already gone when the stand-in started
are not restarted for (upstream starts with an empty list of current nodes).

    python otter_manager_standin.py --zk HOSTS --port PORT --log FILE [--dead-node-delay S --db-cnf FILE]
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pymysql
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
                log_op(log_path, id=cid, command=command)
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


def log_op(log_path, **fields):
    with open(log_path, 'a') as log:
        log.write(json.dumps(fields, sort_keys=True) + '\n')


def channel_status(client, cid):
    try:
        return json.loads(client.get('/otter/channel/%s' % cid)[0].decode())
    except (NoNodeError, ValueError):
        return None


class ManagerDatabase(object):
    """The two reads of the manager database that the dead-node restart needs, each on a connection of its own."""

    def __init__(self, cnf, database):
        self.cnf = cnf
        self.database = database

    def rows(self, sql, args):
        connection = pymysql.connect(read_default_file=self.cnf, database=self.database, autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
        finally:
            connection.close()

    def channels_of_node(self, nid):
        """listByNodeId: the channels of the pipelines that have a relation row naming the node."""
        return sorted(int(r[0]) for r in self.rows(
            'SELECT DISTINCT p.CHANNEL_ID FROM PIPELINE_NODE_RELATION r JOIN PIPELINE p ON p.ID = r.PIPELINE_ID '
            'WHERE r.NODE_ID = %s', (nid,)))

    def locations(self, cid):
        """{pipeline id: {location: set of node ids}} of the channel's pipelines."""
        found = {}
        for pid, nid, location in self.rows(
                'SELECT p.ID, r.NODE_ID, r.LOCATION FROM PIPELINE p LEFT JOIN PIPELINE_NODE_RELATION r '
                'ON r.PIPELINE_ID = p.ID WHERE p.CHANNEL_ID = %s', (cid,)):
            nodes = found.setdefault(int(pid), dict((loc, set()) for loc in ('SELECT', 'EXTRACT', 'LOAD')))
            if location in nodes:
                nodes[location].add(int(nid))
        return found


def watch_dead_nodes(client, log_path, delay, restart_delay, db):
    """DeadNodeListener: restart the START channels of a vanished node once it has stayed dead for delay seconds."""
    known = set(client.get_children('/otter/node'))

    def can_start(cid):
        live = set(int(n) for n in client.get_children('/otter/node'))
        return all(nodes & live for pipeline in db.locations(cid).values() for nodes in pipeline.values())

    def restart(cid, nid):
        log_op(log_path, command='dead-node-restart', id=cid, nid=nid)
        path = '/otter/channel/%s' % cid
        if channel_status(client, cid) != 'STOP':
            client.set(path, b'"PAUSE"')

        def start_again():
            time.sleep(restart_delay)
            if channel_status(client, cid) != 'STOP' and can_start(cid):
                client.set(path, b'"START"')
        threading.Thread(target=start_again, daemon=True).start()

    def restart_for(nid):
        time.sleep(delay)
        if client.exists('/otter/node/%s' % nid) is not None:
            return
        for cid in db.channels_of_node(int(nid)):
            if channel_status(client, cid) == 'START':
                restart(cid, int(nid))

    def changed(children):
        current = set(children)
        for nid in known - current:
            threading.Thread(target=restart_for, args=(nid,), daemon=True).start()
        known.clear()
        known.update(current)

    client.ChildrenWatch('/otter/node', changed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--zk', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--log', required=True)
    parser.add_argument('--start-delay', type=float, default=0.5)
    parser.add_argument('--dead-node-delay', type=float, help="upstream DeadNodeListener's checkTime (60 s); off when not set")
    parser.add_argument('--restart-delay', type=float, default=1.0, help="upstream's 5-7 s between PAUSE and START")
    parser.add_argument('--db-cnf', help='MySQL option file of the manager database (needed by --dead-node-delay)')
    parser.add_argument('--db', default='otter', help='the manager database (default otter)')
    args = parser.parse_args()
    if args.dead_node_delay is not None and not args.db_cnf:
        parser.error('--dead-node-delay needs --db-cnf: the restart reads which channels list the dead node')
    client = KazooClient(hosts=args.zk, timeout=5)
    client.start(timeout=10)
    if args.dead_node_delay is not None:
        watch_dead_nodes(client, args.log, args.dead_node_delay, args.restart_delay, ManagerDatabase(args.db_cnf, args.db))
    server = ThreadingHTTPServer(('127.0.0.1', args.port), make_handler(client, args.log, args.start_delay))
    print('manager API on 127.0.0.1:%d' % args.port, flush=True)
    try:
        server.serve_forever()
    finally:
        client.stop()


if __name__ == '__main__':
    main()
