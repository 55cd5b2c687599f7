# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helper: put ZooKeeper in the states the Otter manager leaves (upstream 4.2.18 formats).

    python otter_zk_tool.py HOSTS reset                       delete /otter, then the manager's system init
                                                               (/otter, /otter/node, /otter/channel)
    python otter_zk_tool.py HOSTS wipe                        delete /otter (an Otter never initialised)
    python otter_zk_tool.py HOSTS channel CID STATUS PID...   /otter/channel/CID with "STATUS" and its pipelines
    python otter_zk_tool.py HOSTS status CID STATUS           set a channel's status (as start/stop/pause do)
    python otter_zk_tool.py HOSTS wait-gone PATH SECONDS      wait until PATH does not exist
    python otter_zk_tool.py HOSTS wait PATH SECONDS [TEXT]    wait until PATH exists (and its data contains TEXT)
    python otter_zk_tool.py HOSTS holder CID PID              print the nid holding the pipeline's mainstem
    python otter_zk_tool.py HOSTS process CID PID DATA        a process znode (PERSISTENT_SEQUENTIAL, as
                                                               SelectZooKeeperArbitrateEvent creates them)
    python otter_zk_tool.py HOSTS hold PATH DATA SECONDS      an EPHEMERAL znode held by a session of its own
                                                               for SECONDS (a node's earlier incarnation)
"""

from __future__ import absolute_import, division, print_function

import json
import sys
import time

from kazoo.client import KazooClient


def main(argv):
    hosts, command, args = argv[1], argv[2], argv[3:]
    client = KazooClient(hosts=hosts, timeout=5)
    client.start(timeout=10)
    try:
        if command in ('reset', 'wipe'):
            if client.exists('/otter'):
                client.delete('/otter', recursive=True)
            if command == 'reset':
                for path in ('/otter', '/otter/node', '/otter/channel'):
                    client.create(path, b'')
        elif command == 'channel':
            cid, status, pids = args[0], args[1], args[2:]
            client.create('/otter/channel/%s' % cid, ('"%s"' % status).encode())
            for pid in pids:
                # ChannelArbitrateEvent/PipelineArbitrateEvent init also create process, termin, remedy, lock.
                for child in ('', '/process', '/termin', '/remedy', '/lock'):
                    client.create('/otter/channel/%s/%s%s' % (cid, pid, child), b'')
        elif command == 'status':
            client.set('/otter/channel/%s' % args[0], ('"%s"' % args[1]).encode())
        elif command == 'holder':
            data = client.get('/otter/channel/%s/%s/mainstem' % (args[0], args[1]))[0]
            print(json.loads(data.decode())['nid'])
        elif command == 'process':
            print(client.create('/otter/channel/%s/%s/process/' % (args[0], args[1]), args[2].encode(),
                                sequence=True))
        elif command == 'hold':
            client.create(args[0], args[1].encode(), ephemeral=True)
            print('holding %s' % args[0], flush=True)
            time.sleep(float(args[2]))
        elif command in ('wait', 'wait-gone'):
            path, deadline = args[0], time.time() + float(args[1])
            text = args[2] if len(args) > 2 else ''
            while time.time() < deadline:
                stat = client.exists(path)
                if command == 'wait-gone' and stat is None:
                    return 0
                if command == 'wait' and stat is not None and text in client.get(path)[0].decode():
                    return 0
                time.sleep(0.2)
            print('timed out: %s %s %s' % (command, path, text), file=sys.stderr)
            return 1
        else:
            print(__doc__, file=sys.stderr)
            return 2
    finally:
        client.stop()
        client.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
