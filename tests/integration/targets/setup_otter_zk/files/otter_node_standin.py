# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for an Otter node, for tests: Otter itself cannot be built on the test machines.

It does, in ZooKeeper, what an upstream node (4.2.18) does for node high availability and nothing else:
- on start, creates the EPHEMERAL znode /otter/node/{nid} (NodeArbitrateEvent.init), and refuses to start when
  it already exists;
- for each pipeline it serves as a SELECT node, while the channel is START or PAUSE, competes for the EPHEMERAL
  /otter/channel/{cid}/{pid}/mainstem lock (MainstemMonitor) with the JSON of MainStemEventData
  ({"active":true,"nid":N,"pipelineId":P,"status":"TAKEING"}, then "OVERTAKE" once caught up). The previous
  holder retries at once when the lock is freed, the others after a delay;
- when the channel is STOP, releases the locks it holds;
- on SIGTERM stops gracefully: deletes its znodes and closes its session. On SIGKILL its znodes vanish only
  when the ZooKeeper session expires (--session-timeout, a few seconds here instead of upstream's 60).

    python otter_node_standin.py --zk HOSTS --nid N --pipeline CID:PID [--pipeline CID:PID ...]
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import signal
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError, NoNodeError


def mainstem_data(nid, pid, status):
    # fastjson writes the keys of MainStemEventData in alphabetical order.
    return json.dumps({'active': True, 'nid': nid, 'pipelineId': pid, 'status': status},
                      sort_keys=True, separators=(',', ':')).encode()


def channel_status(client, cid):
    try:
        return json.loads(client.get('/otter/channel/%d' % cid)[0].decode())
    except (NoNodeError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--zk', required=True)
    parser.add_argument('--nid', type=int, required=True)
    parser.add_argument('--pipeline', action='append', default=[], help='CID:PID of a pipeline it is a SELECT node of')
    parser.add_argument('--session-timeout', type=float, default=3.0)
    parser.add_argument('--retry-delay', type=float, default=1.0, help="upstream's delayTime (5 s)")
    parser.add_argument('--catch-up', type=float, default=0.5, help='seconds in TAKEING before OVERTAKE')
    args = parser.parse_args()
    pipelines = [tuple(int(x) for x in p.split(':')) for p in args.pipeline]

    client = KazooClient(hosts=args.zk, timeout=args.session_timeout)
    client.start(timeout=10)
    node_path = '/otter/node/%d' % args.nid
    try:
        client.create(node_path, b'', ephemeral=True)
    except NodeExistsError:
        sys.exit('nid %d is already alive in ZooKeeper (%s exists)' % (args.nid, node_path))
    except NoNodeError:
        sys.exit('/otter/node is missing: the manager never initialised this ZooKeeper')

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    held = {}        # pid -> time the lock was taken
    lost_at = {}     # pid -> time we saw another holder or a free lock we did not hold
    print('node %d up' % args.nid, flush=True)
    while not stopping:
        now = time.time()
        for cid, pid in pipelines:
            path = '/otter/channel/%d/%d/mainstem' % (cid, pid)
            status = channel_status(client, cid)
            if status not in ('START', 'PAUSE'):
                if pid in held:
                    client.delete(path)
                    del held[pid]
                continue
            if pid in held:
                if client.exists(path) is None:
                    del held[pid]          # lost (session trouble): compete again at once
                elif now - held[pid] >= args.catch_up:
                    data = json.loads(client.get(path)[0].decode())
                    if data.get('status') != 'OVERTAKE':
                        client.set(path, mainstem_data(args.nid, pid, 'OVERTAKE'))
                continue
            if client.exists(path) is not None:
                lost_at[pid] = now
                continue
            if now - lost_at.get(pid, 0) < args.retry_delay:
                continue
            try:
                client.create(path, mainstem_data(args.nid, pid, 'TAKEING'), ephemeral=True)
                held[pid] = now
            except NodeExistsError:
                lost_at[pid] = now
            except NoNodeError:
                pass           # the pipeline znode is not there (yet)
        time.sleep(0.2)
    # Graceful stop, as OtterController.stop: delete the node znode, release the locks.
    for pid in list(held):
        cid = [c for c, p in pipelines if p == pid][0]
        try:
            client.delete('/otter/channel/%d/%d/mainstem' % (cid, pid))
        except NoNodeError:
            pass
    try:
        client.delete(node_path)
    except NoNodeError:
        pass
    client.stop()
    client.close()


if __name__ == '__main__':
    main()
