# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Otter keeps in ZooKeeper: the paths (ArbitrateConstants, shared/arbitrate) and the data
its nodes and manager write there (fastjson), parsed strictly. Data Otter would never write is
never taken for a live node or a lock holder: it becomes a problem naming the path. Pure: the
kazoo adapter reads the raw bytes, this file makes sense of them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible_collections.otter.ha.plugins.module_utils.objects import CHANNEL_STATUSES, MAINSTEM_STATUSES, short

OTTER_ROOT = '/otter'
NODE_ROOT = '/otter/node'
CHANNEL_ROOT = '/otter/channel'
# Canal's cursors (ArbitrateViewServiceImpl): {CANAL_ROOT}/{destination}/{clientId}/cursor.
CANAL_ROOT = '/otter/canal/destinations'
# ProcessNodeEventData.Status.
PROCESS_STATUSES = ('USED', 'UNUSED')

# Otter's own data is a few dozen bytes; anything much larger is not Otter's and is not parsed.
MAX_DATA = 4096

# How Otter names its znodes: Long.toString of a positive ID, so canonical decimal only.
_NID = re.compile(r'\A[1-9][0-9]{0,18}\Z')


def channel_path(channel_id):
    return '%s/%d' % (CHANNEL_ROOT, channel_id)


def mainstem_path(channel_id, pipeline_id):
    return '%s/%d/%d/mainstem' % (CHANNEL_ROOT, channel_id, pipeline_id)


def is_id(name):
    """Whether a child name is an ID as Otter names its znodes."""
    return bool(_NID.match(name))


def id_children(names, parent, problems):
    """The children named by an ID, as sorted ints; any other child is a problem naming it."""
    ids = []
    for name in names:
        if _NID.match(name):
            ids.append(int(name))
        else:
            problems.append(('%s/%s' % (parent, name), 'is not named by an ID as Otter names its znodes, so it is '
                             'not counted'))
    return sorted(ids)


def _json(data, path, problems):
    """The JSON value of znode data, or None after recording why it is unusable."""
    if data is None:
        return None
    if len(data) > MAX_DATA:
        problems.append((path, 'holds %d bytes, more than Otter ever writes there (%d at most)' % (len(data), MAX_DATA)))
        return None
    try:
        return json.loads(data.decode('utf-8') if isinstance(data, bytes) else data)
    except (ValueError, UnicodeDecodeError):
        problems.append((path, 'holds %s, which is not JSON' % short(data)))
        return None


def parse_channel_status(data, path, problems):
    """START, PAUSE or STOP from /otter/channel/{cid}: the JSON string of ChannelStatus, quotes
    included (``"START"``), exactly as fastjson writes it; None (and a problem) otherwise."""
    before = len(problems)
    value = _json(data, path, problems)
    if isinstance(value, str) and value in CHANNEL_STATUSES:
        return value
    if len(problems) == before:
        problems.append((path, 'holds %s, not a channel status (the JSON string of one of %s)'
                         % (short(data), ', '.join(CHANNEL_STATUSES))))
    return None


def parse_mainstem(data, path, problems):
    """MainStemEventData from /otter/channel/{cid}/{pid}/mainstem as {nid, status, active}: nid a
    positive integer, status one of MAINSTEM_STATUSES, active a boolean (true when absent, its
    default). None (and a problem) for anything else."""
    before = len(problems)
    value = _json(data, path, problems)
    if len(problems) > before:
        return None
    if not isinstance(value, dict):
        problems.append((path, 'holds %s, not the JSON object of a mainstem' % short(data)))
        return None
    nid = value.get('nid')
    status = value.get('status')
    active = value.get('active', True)
    if isinstance(nid, bool) or not isinstance(nid, int) or nid < 1:
        problems.append((path, 'has nid %s, not a node ID' % short(nid)))
        return None
    if status not in MAINSTEM_STATUSES:
        problems.append((path, 'has status %s, not one of %s' % (short(status), ', '.join(MAINSTEM_STATUSES))))
        return None
    if not isinstance(active, bool):
        problems.append((path, 'has active %s, not a boolean' % short(active)))
        return None
    return dict(nid=nid, status=status, active=active)


def release_data(data):
    """The bytes that release a lock: the holder's MainStemEventData (data, already parsed by
    parse_mainstem) with active false, as fastjson writes it (keys in order), which is what the
    manager's switch (SystemArbitrateEvent.switchWarmup) writes."""
    value = json.loads(data.decode('utf-8'))
    return json.dumps(dict(value, active=False), sort_keys=True, separators=(',', ':')).encode('utf-8')


def parse_process(data, path, problems):
    """ProcessNodeEventData of /otter/channel/{cid}/{pid}/process/{id} as {nid, status}; empty data is an
    unused process (ArbitrateViewServiceImpl skips it), anything else Otter would not write is a problem."""
    if not data:
        return None
    before = len(problems)
    value = _json(data, path, problems)
    if len(problems) > before:
        return None
    nid = value.get('nid') if isinstance(value, dict) else None
    status = value.get('status') if isinstance(value, dict) else None
    if isinstance(nid, bool) or not isinstance(nid, int) or nid < 1 or status not in PROCESS_STATUSES:
        problems.append((path, 'holds %s, not the JSON of a process (a nid and a status, one of %s)'
                         % (short(data), ', '.join(PROCESS_STATUSES))))
        return None
    return dict(nid=nid, status=status)


def _seconds(ms):
    return None if ms is None else ms / 1000.0


def live_state(raw, pipeline_ids=None, now=None):
    """The report of what ZooKeeper holds, from the adapter's raw read (zookeeper.ZooKeeper.read_raw).

    Returns (state, problems, sessions): state {alive_nodes, channels, pipelines, cursors}, each sorted;
    problems [(path, what is wrong)] for data Otter would not have written; sessions {'nodes': {nid:
    session of /otter/node/{nid}}, 'mainstems': {pid: session holding the mainstem}} for the checks.
    pipeline_ids limits the pipelines reported (and, when set, the channels to theirs); a requested
    pipeline found under no channel is reported with channel_id None. now: seconds since the epoch,
    for the cursors' age.
    """
    problems = []
    node_sessions = {}
    for name, owner in sorted(raw['nodes'].items()):
        for nid in id_children([name], NODE_ROOT, problems):
            node_sessions[nid] = owner
    channels = []
    found = {}
    mainstem_sessions = {}
    for cid in sorted(raw['channels']):
        channel = raw['channels'][cid]
        pids = sorted(pid for pid in channel['pipelines'] if pipeline_ids is None or pid in pipeline_ids)
        if pipeline_ids is not None and not pids:
            continue
        for pid in pids:
            pipeline = channel['pipelines'][pid]
            data = pipeline['mainstem']
            mainstem = parse_mainstem(data, mainstem_path(cid, pid), problems) if data is not None else None
            processes = []
            for name in sorted(pipeline['processes']):
                path = '%s/%d/process/%s' % (channel_path(cid), pid, name)
                process = parse_process(pipeline['processes'][name], path, problems)
                if process is not None:
                    processes.append(dict(id=name, nid=process['nid'], status=process['status']))
            if mainstem:
                mainstem_sessions[pid] = pipeline['owner']
            found[pid] = dict(id=pid, channel_id=cid,
                              mainstem_nid=mainstem['nid'] if mainstem else None,
                              mainstem_status=mainstem['status'] if mainstem else None,
                              active=mainstem['active'] if mainstem else False,
                              mainstem_since=_seconds(pipeline['since']) if mainstem else None,
                              processes=processes)
        data = channel['status']
        status = parse_channel_status(data, channel_path(cid), problems) if data is not None else None
        channels.append(dict(id=cid, status=status, status_since=_seconds(channel['mtime']), pipelines=pids))
    empty = dict(channel_id=None, mainstem_nid=None, mainstem_status=None, active=False, mainstem_since=None,
                 processes=[])
    pipelines = [found.get(pid) or dict(empty, id=pid) for pid in sorted(set(found) | set(pipeline_ids or []))]
    cursors = [dict(destination=dest, client_id=client, age=None if now is None else round(now - mtime / 1000.0, 3))
               for dest, client, mtime in raw.get('cursors', [])]
    state = dict(alive_nodes=sorted(node_sessions), channels=channels, pipelines=pipelines, cursors=cursors)
    return state, problems, dict(nodes=node_sessions, mainstems=mainstem_sessions)
