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
  holder retries at once when the lock is freed, the others after a delay (delayTime);
- when its own lock is rewritten with "active":false (the manager's switch, SystemArbitrateEvent.switchWarmup),
  deletes it and from then on waits the delay like every other node (MainstemMonitor's release flag);
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
    # Per pipeline, what MainstemMonitor keeps: the holder it saw last (activeData), whether it released the lock
    # itself on a switch (release: set on an active:false write of its own lock, and never cleared, as upstream),
    # whether it holds it, and when it may compete next (delayExector).
    monitors = dict((pid, dict(cid=cid, last=None, release=False, held_at=None, existed=False, compete_at=0.0))
                    for cid, pid in pipelines)
    print('node %d up' % args.nid, flush=True)
    while not stopping:
        now = time.time()
        for pid, monitor in monitors.items():
            path = '/otter/channel/%d/%d/mainstem' % (monitor['cid'], pid)
            status = channel_status(client, monitor['cid'])
            if status not in ('START', 'PAUSE'):
                if monitor['held_at'] is not None:       # the channel stopped: the task releases its lock
                    try:
                        client.delete(path)
                    except NoNodeError:
                        pass
                    monitor['held_at'] = None
                monitor['existed'] = False
                continue
            try:
                raw = client.get(path)[0]
            except NoNodeError:
                raw = None
            if raw is not None:
                data = json.loads(raw.decode())
                monitor['existed'] = True
                monitor['last'] = data.get('nid')
                if data.get('nid') != args.nid:
                    monitor['held_at'] = None
                elif data.get('active') is False:
                    # handleDataChange: someone released our lock (the manager's switch): delete it for good.
                    monitor['release'] = True
                    monitor['held_at'] = None
                    try:
                        client.delete(path)
                    except NoNodeError:
                        pass
                elif monitor['held_at'] is not None and now - monitor['held_at'] >= args.catch_up \
                        and data.get('status') != 'OVERTAKE':
                    client.set(path, mainstem_data(args.nid, pid, 'OVERTAKE'))   # single(): caught up
                continue
            if monitor['existed']:
                # handleDataDeleted: the last holder competes at once, unless it released on purpose; every other
                # node waits delayTime, so that a network blip does not make the lock flap.
                monitor['existed'] = False
                monitor['held_at'] = None
                if monitor['release'] or monitor['last'] != args.nid:
                    monitor['compete_at'] = now + args.retry_delay
                else:
                    monitor['compete_at'] = now
            if now < monitor['compete_at']:
                continue
            try:   # initMainstem
                client.create(path, mainstem_data(args.nid, pid, 'TAKEING'), ephemeral=True)
                monitor['held_at'] = now
                monitor['last'] = args.nid
                monitor['existed'] = True
            except NodeExistsError:
                pass
            except NoNodeError:
                pass           # the pipeline znode is not there (yet)
        time.sleep(0.1)
    held = [pid for pid, monitor in monitors.items() if monitor['held_at'] is not None]
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
