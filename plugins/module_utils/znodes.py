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

# Otter's own data is a few dozen bytes; anything much larger is not Otter's and is not parsed.
MAX_DATA = 4096

# How Otter names its znodes: Long.toString of a positive ID, so canonical decimal only.
_NID = re.compile(r'^[1-9][0-9]{0,18}$')


def channel_path(channel_id):
    return '%s/%d' % (CHANNEL_ROOT, channel_id)


def mainstem_path(channel_id, pipeline_id):
    return '%s/%d/%d/mainstem' % (CHANNEL_ROOT, channel_id, pipeline_id)


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


def live_state(raw, pipeline_ids=None):
    """The report of what ZooKeeper holds, from the adapter's raw read:
    raw = {'nodes': [child names of /otter/node], 'channels': {cid: (status data, {pid: mainstem data})}}.

    Returns (state, problems): state {alive_nodes, channels, pipelines}, each sorted by ID;
    problems [(path, what is wrong)] for data Otter would not have written.
    pipeline_ids limits the pipelines reported (and, when set, the channels to theirs); a
    requested pipeline found under no channel is reported with channel_id None.
    """
    problems = []
    alive = id_children(raw['nodes'], NODE_ROOT, problems)
    channels = []
    found = {}
    for cid in sorted(raw['channels']):
        status_data, mainstems = raw['channels'][cid]
        pids = sorted(pid for pid in mainstems if pipeline_ids is None or pid in pipeline_ids)
        if pipeline_ids is not None and not pids:
            continue
        for pid in pids:
            data = mainstems[pid]
            mainstem = parse_mainstem(data, mainstem_path(cid, pid), problems) if data is not None else None
            found[pid] = dict(id=pid, channel_id=cid,
                              mainstem_nid=mainstem['nid'] if mainstem else None,
                              mainstem_status=mainstem['status'] if mainstem else None,
                              active=mainstem['active'] if mainstem else False)
        status = parse_channel_status(status_data, channel_path(cid), problems) if status_data is not None else None
        channels.append(dict(id=cid, status=status, pipelines=pids))
    pipelines = [found.get(pid) or dict(id=pid, channel_id=None, mainstem_nid=None, mainstem_status=None, active=False)
                 for pid in sorted(set(found) | set(pipeline_ids or []))]
    return dict(alive_nodes=alive, channels=channels, pipelines=pipelines), problems
