# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helper: servers that misbehave on purpose, and ZooKeeper data Otter would never write.

Every server listens on 127.0.0.1 only and exits by itself after --lifetime seconds; a connection is
never served longer than --per-connection seconds.

    python misbehaving.py silent PORT        accept TCP connections and never send a byte (a MySQL server
                                             that never greets)
    python misbehaving.py trickle-body PORT  HTTP: read the request, send the status line and headers, then
                                             one byte a second (a JSON-ish space) without end
    python misbehaving.py trickle-head PORT  HTTP: read the request, then send the status line itself one
                                             byte a second
    python misbehaving.py flood PORT --log F HTTP: read the request, send the headers and then an endless
                                             body as fast as the client takes it; when the connection ends,
                                             append {"sent": BYTES, "seconds": S} to F
    python misbehaving.py zk-odd HOSTS       reset /otter and write the odd znodes of the ZooKeeper case
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import socket
import sys
import threading
import time

HEAD = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nConnection: close\r\n\r\n')


def read_request(conn, deadline):
    """Read up to the end of the request head (or give up at the deadline)."""
    data = b''
    while b'\r\n\r\n' not in data and time.time() < deadline:
        conn.settimeout(max(0.1, deadline - time.time()))
        try:
            chunk = conn.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def serve_connection(mode, conn, args):
    started = time.time()
    deadline = started + args.per_connection
    sent = 0
    answered = False
    try:
        if mode == 'silent':
            # Hold the connection open, say nothing, until the deadline or the client leaves.
            conn.settimeout(0.5)
            while time.time() < deadline:
                try:
                    if not conn.recv(4096):
                        break
                except socket.timeout:
                    continue
            return
        if not read_request(conn, deadline):
            # A probe that only checks the port (or a client that left): nothing to answer, nothing to log.
            return
        answered = True
        conn.settimeout(10)
        if mode == 'trickle-body':
            conn.sendall(HEAD)
            payload = iter(lambda: b' ', None)
        elif mode == 'trickle-head':
            payload = (HEAD[i:i + 1] for i in range(len(HEAD)))
        else:
            conn.sendall(HEAD)
            block = b' ' * 65536
            while time.time() < deadline:
                conn.sendall(block)
                sent += len(block)
            return
        for byte in payload:
            if time.time() >= deadline:
                break
            conn.sendall(byte)
            sent += 1
            time.sleep(1)
    except (OSError, socket.error):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass
        if mode == 'flood' and answered and args.log:
            with open(args.log, 'a') as handle:
                handle.write(json.dumps(dict(sent=sent, seconds=round(time.time() - started, 3))) + '\n')


def serve(mode, args):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', args.port))
    server.listen(16)
    server.settimeout(0.5)
    end = time.time() + args.lifetime
    while time.time() < end:
        try:
            conn, _addr = server.accept()
        except socket.timeout:
            continue
        worker = threading.Thread(target=serve_connection, args=(mode, conn, args))
        worker.daemon = True
        worker.start()
    server.close()
    # Daemon threads end with the process, so a connection never outlives the lifetime either.
    return 0


def zk_odd(hosts):
    from kazoo.client import KazooClient
    client = KazooClient(hosts=hosts, timeout=5)
    client.start(timeout=10)
    try:
        if client.exists('/otter'):
            client.delete('/otter', recursive=True)
        for path in ('/otter', '/otter/node', '/otter/channel'):
            client.create(path, b'')
        # A live node 1 as Otter registers it, and a child Otter would never name so.
        client.create('/otter/node/1', b'')
        client.create('/otter/node/007', b'')
        client.create('/otter/channel/1', b'"START"')
        client.create('/otter/channel/2', b'"START"')
        for cid, pid in ((1, 1), (1, 2), (2, 3), (2, 4)):
            client.create('/otter/channel/%d/%d' % (cid, pid), b'')
        # A boolean nid and a string "active": neither is what MainStemEventData serialises to.
        client.create('/otter/channel/1/1/mainstem', b'{"nid":true,"active":"false"}')
        # A fractional nid with a valid status.
        client.create('/otter/channel/1/2/mainstem', b'{"nid":1.9,"status":"OVERTAKE"}')
        # 800 KB: a valid mainstem followed by padding, far beyond anything Otter writes.
        big = b'{"nid":1,"status":"OVERTAKE","active":true,"pad":"' + b'x' * (800 * 1024) + b'"}'
        client.create('/otter/channel/2/3/mainstem', big)
        # A valid mainstem, to show the rest is still read.
        client.create('/otter/channel/2/4/mainstem', b'{"active":true,"nid":1,"status":"OVERTAKE"}')
    finally:
        client.stop()
        client.close()
    return 0


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['silent', 'trickle-body', 'trickle-head', 'flood', 'zk-odd'])
    parser.add_argument('target', help='PORT, or HOSTS for zk-odd')
    parser.add_argument('--lifetime', type=float, default=240)
    parser.add_argument('--per-connection', type=float, default=30)
    parser.add_argument('--log')
    args = parser.parse_args(argv[1:])
    if args.mode == 'zk-odd':
        return zk_odd(args.target)
    args.port = int(args.target)
    if not (13600 <= args.port <= 13699 or 18600 <= args.port <= 18699):
        parser.error('use a port in 13600-13699 or 18600-18699')
    return serve(args.mode, args)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
