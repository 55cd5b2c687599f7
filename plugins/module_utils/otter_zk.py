# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Otter keeps in ZooKeeper, read without the manager: live nodes, channel status and the
SELECT lock (mainstem) of each pipeline, and the checks that tell whether node HA is real.

The parsing and checking functions are pure; only ``connect`` and ``read_live_state`` talk to
ZooKeeper (through kazoo, an optional requirement)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import time
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import KazooException, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError
except ImportError:
    KazooClient = None
    KAZOO_IMPORT_ERROR = traceback.format_exc()
else:
    KAZOO_IMPORT_ERROR = None

# Paths of ArbitrateConstants (shared/arbitrate) in Otter.
OTTER_ROOT = '/otter'
NODE_ROOT = '/otter/node'
CHANNEL_ROOT = '/otter/channel'
CHANNEL_STATUSES = ('START', 'PAUSE', 'STOP')
MAINSTEM_STATUSES = ('TAKEING', 'OVERTAKE')

_DIGITS = re.compile(r'^[0-9]+$')

FINDING_KINDS = ('node_down', 'channel_not_started', 'no_mainstem', 'mainstem_not_select', 'no_standby')


def ensure_kazoo(module):
    if KazooClient is None:
        module.fail_json(msg=missing_required_lib('kazoo'), exception=KAZOO_IMPORT_ERROR)


# ---------------------------------------------------------------------------------------------
# Znode data, as Otter writes it (fastjson)

def _text(data):
    if data is None:
        return ''
    if isinstance(data, bytes):
        return data.decode('utf-8', 'replace')
    return str(data)


def numeric_children(names):
    """The children whose names are IDs (Otter's own znodes), as sorted ints; others are ignored."""
    return sorted(int(n) for n in names if _DIGITS.match(n))


def parse_channel_status(data, path):
    """START, PAUSE or STOP from the data of /otter/channel/{cid}: the JSON string of the enum,
    quotes included (``"START"``). A bare word is accepted too."""
    text = _text(data).strip()
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = text
    if isinstance(value, str) and value.upper() in CHANNEL_STATUSES:
        return value.upper()
    raise OtterError("%s holds %r, not a channel status (one of %s)" % (path, text, ', '.join(CHANNEL_STATUSES)))


def parse_mainstem(data, path):
    """The MainStemEventData JSON of /otter/channel/{cid}/{pid}/mainstem as a dict with
    nid (int), status (str) and active (bool)."""
    text = _text(data).strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or value.get('nid') is None:
        raise OtterError('%s holds %r, not the JSON of a mainstem (with at least a nid)' % (path, text))
    try:
        nid = int(value['nid'])
    except (TypeError, ValueError):
        raise OtterError('%s: nid %r is not a number' % (path, value['nid']))
    active = value.get('active', True)
    return dict(nid=nid, status=value.get('status'), active=active is not False)


# ---------------------------------------------------------------------------------------------
# Reading ZooKeeper

def connect(hosts, timeout):
    """A started KazooClient on these hosts; a clear OtterError when none answers in time."""
    client = KazooClient(hosts=hosts, timeout=float(timeout), read_only=True)
    try:
        client.start(timeout=float(timeout))
    except KazooTimeoutError:
        client.close()
        raise OtterError('cannot reach ZooKeeper at %s within %s seconds (no server answered)' % (hosts, timeout))
    except (KazooException, ValueError) as exc:
        client.close()
        raise OtterError('cannot connect to ZooKeeper at %s: %s' % (hosts, exc))
    return client


def close(client):
    try:
        client.stop()
        client.close()
    except Exception:  # pylint: disable=broad-except
        # Closing a session the server already dropped raises; nothing is left to release either way.
        pass


def _children(client, path):
    try:
        return client.get_children(path)
    except NoNodeError:
        return None


def _data(client, path):
    try:
        return client.get(path)[0]
    except NoNodeError:
        return None


def read_raw(client, hosts, channel_ids=None):
    """Everything the checks need, as raw data:
    (alive nids, {cid: status data or None}, {cid: {pid: mainstem data or None}}).

    channel_ids limits the channels read; a requested channel without a znode maps to None.
    """
    try:
        if client.exists(OTTER_ROOT) is None:
            raise OtterError('ZooKeeper at %s has no %s znode: this Otter was never initialised (run the '
                             "manager's system init), or zk_hosts names another ensemble or chroot"
                             % (hosts, OTTER_ROOT))
        alive = numeric_children(_children(client, NODE_ROOT) or [])
        present = numeric_children(_children(client, CHANNEL_ROOT) or [])
        wanted = present if channel_ids is None else sorted(set(channel_ids))
        statuses = {}
        mainstems = {}
        for cid in wanted:
            channel_path = '%s/%d' % (CHANNEL_ROOT, cid)
            statuses[cid] = _data(client, channel_path)
            pids = numeric_children(_children(client, channel_path) or [])
            mainstems[cid] = dict((pid, _data(client, '%s/%d/mainstem' % (channel_path, pid))) for pid in pids)
    except KazooException as exc:
        raise OtterError('error reading ZooKeeper at %s: %s' % (hosts, exc or type(exc).__name__))
    return alive, statuses, mainstems


def live_state(alive, statuses, mainstems, pipeline_ids=None):
    """The module's report from raw data: alive nodes, channels and pipelines, each sorted by ID.

    pipeline_ids limits the pipelines reported (and, when set, the channels to theirs); a
    requested pipeline found under no channel is reported with channel_id None.
    """
    channels = []
    pipelines = []
    found = {}
    for cid in sorted(statuses):
        path = '%s/%d' % (CHANNEL_ROOT, cid)
        for pid, data in sorted(mainstems.get(cid, {}).items()):
            if pipeline_ids is not None and pid not in pipeline_ids:
                continue
            mainstem = parse_mainstem(data, '%s/%d/mainstem' % (path, pid)) if data is not None else None
            found[pid] = dict(
                id=pid, channel_id=cid,
                mainstem_nid=mainstem['nid'] if mainstem else None,
                mainstem_status=mainstem['status'] if mainstem else None,
                active=mainstem['active'] if mainstem else False)
        pids = sorted(pid for pid in mainstems.get(cid, {}) if pipeline_ids is None or pid in pipeline_ids)
        if pipeline_ids is not None and not pids:
            continue
        status = parse_channel_status(statuses[cid], path) if statuses[cid] is not None else None
        channels.append(dict(id=cid, status=status, pipelines=pids))
    for pid in sorted(set(found) | set(pipeline_ids or [])):
        pipelines.append(found.get(pid) or dict(id=pid, channel_id=None, mainstem_nid=None,
                                                mainstem_status=None, active=False))
    return dict(alive_nodes=list(alive), channels=channels, pipelines=pipelines)


# ---------------------------------------------------------------------------------------------
# Checking the live state against the layout in the manager database

def _node_label(nid, names):
    name = names.get(nid)
    return 'node %d (%s)' % (nid, name) if name else 'node %d' % nid


def _nodes_label(nids, names):
    return ', '.join(_node_label(n, names) for n in sorted(nids)) or 'none'


def _pipeline_label(pipeline):
    channel = pipeline.get('channel') or {}
    if pipeline.get('name') and channel.get('name'):
        return '%s/%s (pipeline %d)' % (channel['name'], pipeline['name'], pipeline['id'])
    return 'pipeline %d' % pipeline['id']


def _finding(kind, message, channel_id=None, pipeline_id=None, node_ids=None):
    return dict(kind=kind, channel_id=channel_id, pipeline_id=pipeline_id,
                node_ids=sorted(node_ids or []), message=message)


def _int_id(item, what):
    try:
        return int(item['id'])
    except (KeyError, TypeError, ValueError):
        raise OtterError('expect.%s: every entry needs a numeric id, got %r' % (what, item))


def check_live(state, expect):
    """Findings for what the declared layout (expect: otter_info's nodes, channels and pipelines)
    needs from ZooKeeper: nodes alive, channels START, each pipeline's SELECT lock held by one of
    its SELECT nodes, and another alive SELECT node standing by."""
    alive = set(state['alive_nodes'])
    names = dict((_int_id(n, 'nodes'), n.get('name')) for n in expect.get('nodes') or [])
    findings = []

    down = [nid for nid in sorted(names) if nid not in alive]
    for nid in down:
        findings.append(_finding('node_down', '%s is not alive: /otter/node/%d does not exist (the node is '
                                 'stopped, crashed, or uses another ZooKeeper)' % (_node_label(nid, names), nid),
                                 node_ids=[nid]))

    statuses = dict((c['id'], c['status']) for c in state['channels'])
    for channel in expect.get('channels') or []:
        cid = _int_id(channel, 'channels')
        status = statuses.get(cid)
        label = "channel %d (%s)" % (cid, channel['name']) if channel.get('name') else 'channel %d' % cid
        if status != 'START':
            why = ('has no znode /otter/channel/%d (never initialised in this ZooKeeper)' % cid
                   if status is None else 'is %s, not START' % status)
            findings.append(_finding('channel_not_started', '%s %s' % (label, why), channel_id=cid))

    live = dict((p['id'], p) for p in state['pipelines'])
    for pipeline in expect.get('pipelines') or []:
        pid = _int_id(pipeline, 'pipelines')
        label = _pipeline_label(pipeline)
        cid = (pipeline.get('channel') or {}).get('id')
        select = set(int(n) for n in ((pipeline.get('nodes') or {}).get('SELECT') or []))
        current = live.get(pid) or {}
        holder = current.get('mainstem_nid')
        alive_select = select & alive
        if holder is None:
            findings.append(_finding(
                'no_mainstem', '%s has no active SELECT: nobody holds its mainstem lock (alive SELECT nodes: %s)'
                % (label, _nodes_label(alive_select, names)), cid, pid, alive_select))
        elif holder not in select:
            findings.append(_finding(
                'mainstem_not_select', '%s: its mainstem is held by %s, which is not one of its SELECT nodes (%s)'
                % (label, _node_label(holder, names), _nodes_label(select, names)), cid, pid, [holder]))
        elif not current.get('active'):
            findings.append(_finding(
                'no_mainstem', '%s: its mainstem holder %s is marked inactive' % (label, _node_label(holder, names)),
                cid, pid, [holder]))
        standby = alive_select - set([holder])
        if not standby:
            others = select - set([holder])
            if holder in select:
                message = ('%s has no standby: SELECT runs on %s and no other SELECT node is alive (%s)'
                           % (label, _node_label(holder, names),
                              'down: %s' % _nodes_label(others, names) if others else 'it is the only SELECT node'))
            else:
                message = ('%s has no standby: no other alive SELECT node (SELECT nodes: %s)'
                           % (label, _nodes_label(select, names)))
            findings.append(_finding('no_standby', message, cid, pid, others - alive))
    findings.sort(key=lambda f: (FINDING_KINDS.index(f['kind']), f['pipeline_id'] or 0, f['channel_id'] or 0,
                                 f['node_ids']))
    return findings


def summary_lines(state, names=None):
    """A human-readable table of the live state, one line per node and pipeline."""
    names = names or {}
    lines = ['alive nodes: %s' % _nodes_label(state['alive_nodes'], names)]
    statuses = dict((c['id'], c['status']) for c in state['channels'])
    for cid in sorted(statuses):
        lines.append('channel %d: %s' % (cid, statuses[cid] or 'no znode'))
    for p in state['pipelines']:
        if p['mainstem_nid'] is None:
            holder = 'no mainstem'
        else:
            holder = 'mainstem on %s (%s%s)' % (_node_label(p['mainstem_nid'], names), p['mainstem_status'],
                                                '' if p['active'] else ', inactive')
        lines.append('pipeline %d (channel %s): %s' % (p['id'], p['channel_id'], holder))
    return lines


def read_live_state(hosts, timeout, channel_ids=None, pipeline_ids=None, expect=None, wait=0, sleep=time.sleep):
    """Connect, read, check; with expect and wait > 0, re-read until there are no findings or wait
    seconds have passed (a standby takes a few seconds to win a freed mainstem)."""
    client = connect(hosts, timeout)
    try:
        deadline = time.time() + max(0, wait)
        while True:
            state = live_state(*read_raw(client, hosts, channel_ids), pipeline_ids=pipeline_ids)
            findings = check_live(state, expect) if expect is not None else []
            if not findings or time.time() >= deadline:
                return state, findings
            sleep(1)
    finally:
        close(client)
