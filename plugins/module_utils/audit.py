# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit: the only place where findings are computed, one small function per kind, all of
one shape. Layout findings come from the relation rows in the manager database; live findings
from the state in ZooKeeper. Pure: no database, no ZooKeeper, no Ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import (
    LOCATIONS, location_order, node_label, nodes_label, pipeline_label)

# In the order findings of one pipeline are listed: first the rows the manager cannot use at all,
# then the rows that are wrong, then what the layout lacks; the live kinds after them.
LAYOUT_KINDS = ('invalid_location', 'dangling_node', 'duplicate_rows', 'under_replicated', 'extract_differs',
                'not_as_declared')
LIVE_KINDS = ('unreadable_znode', 'node_down', 'channel_not_started', 'push_pending', 'no_mainstem',
              'mainstem_not_select', 'mainstem_stale_session', 'mainstem_stuck', 'no_standby', 'orphan_process')
FINDING_KINDS = LAYOUT_KINDS + LIVE_KINDS

CONVERGE_WITH = 'otter.ha.otter_pipeline_nodes'


def finding(kind, message, channel_id=None, pipeline_id=None, location=None, node_ids=(), row_ids=()):
    """One finding, with the keys every module returns."""
    return dict(kind=kind, channel_id=channel_id, pipeline_id=pipeline_id, location=location,
                node_ids=sorted(set(node_ids)), row_ids=sorted(set(r for r in row_ids if r is not None)),
                message=message)


def _about(kind, pipeline, location, node_ids, row_ids, message):
    return finding(kind, '%s: %s' % (pipeline_label(pipeline), message), pipeline.channel_id, pipeline.id,
                   location, node_ids, row_ids)


def _ids(values):
    return ', '.join(str(v) for v in values)


def _node_list(node_ids, node_names):
    return ', '.join('%d %s' % (n, node_names[n]) if n in node_names else '%d (not in NODE)' % n
                     for n in node_ids) or 'none'


def sort_findings(findings):
    findings.sort(key=lambda f: (f['pipeline_id'] or 0, FINDING_KINDS.index(f['kind']), location_order(f['location'] or ''),
                                 f['channel_id'] or 0, f['node_ids']))
    return findings


# ---------------------------------------------------------------------------------------------
# Layout findings, per pipeline: by_location is {location: [rows, by row ID]}

def invalid_location(pipeline, by_location, node_names):
    """The manager maps LOCATION to its enum by exact name, so these rows break reading the pipeline."""
    found = []
    for location in sorted((loc for loc in by_location if loc not in LOCATIONS), key=location_order):
        odd = by_location[location]
        found.append(_about(
            'invalid_location', pipeline, location, [r.node_id for r in odd], [r.id for r in odd],
            'row(s) %s have LOCATION %r, which is not exactly one of %s; the manager cannot read this pipeline '
            'while they exist: delete them (or correct the LOCATION)'
            % (_ids(r.id for r in odd), location, ', '.join(LOCATIONS))))
    return found


def dangling_node(pipeline, by_location, node_names):
    """Rows of a node missing from NODE (every row to delete lands in exactly one finding: these
    here, the extra rows of an existing node under duplicate_rows)."""
    found = []
    for location in LOCATIONS:
        dangling = [r for r in by_location.get(location, []) if r.node_id not in node_names]
        if dangling:
            missing = sorted(set(r.node_id for r in dangling))
            found.append(_about(
                'dangling_node', pipeline, location, missing, [r.id for r in dangling],
                '%s row(s) %s name node ID(s) %s, which do not exist in NODE; delete them, for example with %s '
                'state=exact' % (location, _ids(r.id for r in dangling), _ids(missing), CONVERGE_WITH)))
    return found


def duplicate_rows(pipeline, by_location, node_names):
    """More than one row for one existing node at one location: a node starts the stage once per row."""
    found = []
    for location in LOCATIONS:
        per_node = {}
        for row in by_location.get(location, []):
            if row.node_id in node_names:
                per_node.setdefault(row.node_id, []).append(row.id)
        for node_id in sorted(per_node):
            row_ids = per_node[node_id]
            if len(row_ids) > 1:
                found.append(_about(
                    'duplicate_rows', pipeline, location, [node_id], row_ids[1:],
                    '%d rows for node %s at %s (rows %s); a node starts the stage once per row, so delete the extra '
                    'row(s) %s and keep row %d, for example with %s state=present or exact'
                    % (len(row_ids), _node_list([node_id], node_names), location, _ids(row_ids),
                       _ids(row_ids[1:]), row_ids[0], CONVERGE_WITH)))
    return found


def _existing(by_location, node_names, location):
    return sorted(set(r.node_id for r in by_location.get(location, []) if r.node_id in node_names))


def under_replicated(pipeline, by_location, node_names, min_nodes):
    found = []
    for location in LOCATIONS:
        nodes = _existing(by_location, node_names, location)
        if len(nodes) >= min_nodes:
            continue
        if nodes:
            what = ('%s runs on %d node(s) (%s), fewer than min_nodes=%d%s'
                    % (location, len(nodes), _node_list(nodes, node_names), min_nodes,
                       ', so losing that node stops the stage' if len(nodes) == 1 else ''))
        else:
            what = '%s has no node that exists in NODE, so the manager cannot start this pipeline' % location
        found.append(_about(
            'under_replicated', pipeline, location, nodes,
            [r.id for r in by_location.get(location, []) if r.node_id in node_names],
            '%s; add nodes to it (stop the channel first), for example with %s' % (what, CONVERGE_WITH)))
    return found


def extract_differs(pipeline, by_location, node_names):
    """The manager UI has no EXTRACT picker: saving the pipeline form writes the SELECT nodes to EXTRACT."""
    select = _existing(by_location, node_names, 'SELECT')
    extract = _existing(by_location, node_names, 'EXTRACT')
    if select == extract:
        return []
    differing = set(select) ^ set(extract)
    return [_about(
        'extract_differs', pipeline, None, differing,
        [r.id for loc in ('SELECT', 'EXTRACT') for r in by_location.get(loc, []) if r.node_id in differing],
        'EXTRACT nodes [%s] differ from SELECT nodes [%s]; the manager UI sets EXTRACT from the SELECT picker, '
        'so the next edit of this pipeline in the UI rewrites EXTRACT to [%s]; give both locations the same '
        'nodes' % (_ids(extract), _ids(select), _ids(select)))]


def audit_findings(pipelines, rows, node_names, min_nodes):
    """What is wrong with the node layout of these pipelines.

    pipelines: the selected pipelines; rows: their relation rows (objects with id, pipeline_id,
    node_id, location; id None for a row still to be inserted); node_names: {node id: name} of
    every NODE row (an ID not in it is a dangling reference); min_nodes: the distinct existing
    nodes each location needs. Returns findings pipeline by pipeline, in LAYOUT_KINDS order.
    """
    if min_nodes < 1:
        raise ValueError('min_nodes must be at least 1, got %r' % (min_nodes,))
    per_pipeline = {}
    for row in sorted(rows, key=lambda r: (r.id is None, r.id)):
        per_pipeline.setdefault(row.pipeline_id, {}).setdefault(row.location, []).append(row)
    found = []
    for pipeline in sorted(pipelines, key=lambda p: p.id):
        by_location = per_pipeline.get(pipeline.id, {})
        found.extend(invalid_location(pipeline, by_location, node_names))
        found.extend(dangling_node(pipeline, by_location, node_names))
        found.extend(duplicate_rows(pipeline, by_location, node_names))
        found.extend(under_replicated(pipeline, by_location, node_names, min_nodes))
        found.extend(extract_differs(pipeline, by_location, node_names))
    return found


def not_as_declared(pipelines, plan, rows, node_names):
    """One finding per pipeline and location that a converge with the declared layout (a plan of
    layout.plan_layout) would change, naming the nodes it lacks and those it has but should not.
    Duplicate rows alone are left to duplicate_rows."""
    changes = {}
    for pipeline_id, node_id, location in plan.added:
        changes.setdefault((pipeline_id, location), ([], []))[0].append(node_id)
    for pipeline_id, node_id, location in plan.removed:
        changes.setdefault((pipeline_id, location), ([], []))[1].append(node_id)
    by_id = dict((p.id, p) for p in pipelines)
    found = []
    for (pipeline_id, location) in sorted(changes, key=lambda key: (key[0], location_order(key[1]))):
        lacking, extra = changes[(pipeline_id, location)]
        parts = []
        if lacking:
            parts.append('lacks declared node(s) %s' % _node_list(sorted(lacking), node_names))
        if extra:
            parts.append('has undeclared node(s) %s' % _node_list(sorted(extra), node_names))
        row_ids = [r.id for r in rows if r.pipeline_id == pipeline_id and r.location == location and r.node_id in extra]
        found.append(_about(
            'not_as_declared', by_id[pipeline_id], location, lacking + extra, row_ids,
            '%s %s; run %s with the declared layout to converge it' % (location, ' and '.join(parts), CONVERGE_WITH)))
    return found


# ---------------------------------------------------------------------------------------------
# Live findings: the state in ZooKeeper against the layout in the manager database

def unreadable_znode(problems):
    return [finding('unreadable_znode', '%s %s' % (path, what)) for path, what in problems]


def node_down(names, alive):
    return [finding('node_down', '%s is not alive: /otter/node/%d does not exist (the node is stopped, crashed, or '
                                 'uses another ZooKeeper)' % (node_label(nid, names), nid),
                    node_ids=[nid])
            for nid in sorted(names) if nid not in alive]


def channel_not_started(channels, statuses):
    found = []
    for cid, name in channels:
        status = statuses.get(cid)
        if status == 'START':
            continue
        label = 'channel %d (%s)' % (cid, name) if name else 'channel %d' % cid
        why = ('has no readable znode /otter/channel/%d (never initialised in this ZooKeeper, or see the '
               'unreadable_znode findings)' % cid if status is None else 'is %s, not START' % status)
        found.append(finding('channel_not_started', '%s %s' % (label, why), channel_id=cid))
    return found


def mainstem_holder(pipeline, select, current, names):
    """no_mainstem or mainstem_not_select for one pipeline: who holds its SELECT lock."""
    label = pipeline['label']
    holder = current.get('mainstem_nid')
    if holder is None:
        alive_select = pipeline['alive_select']
        return [finding('no_mainstem', '%s has no active SELECT: nobody holds its mainstem lock (alive SELECT nodes: %s)'
                        % (label, nodes_label(alive_select, names)), pipeline['channel_id'], pipeline['id'],
                        node_ids=alive_select)]
    if holder not in select:
        return [finding('mainstem_not_select', '%s: its mainstem is held by %s, which is not one of its SELECT nodes '
                        '(%s)' % (label, node_label(holder, names), nodes_label(select, names)),
                        pipeline['channel_id'], pipeline['id'], node_ids=[holder])]
    if not current.get('active'):
        return [finding('no_mainstem', '%s: its mainstem holder %s is marked inactive' % (label, node_label(holder, names)),
                        pipeline['channel_id'], pipeline['id'], node_ids=[holder])]
    return []


def no_standby(pipeline, select, current, names):
    holder = current.get('mainstem_nid')
    standby = set(pipeline['alive_select']) - set([holder])
    if standby:
        return []
    others = select - set([holder])
    label = pipeline['label']
    if holder in select:
        message = ('%s has no standby: SELECT runs on %s and no other SELECT node is alive (%s)'
                   % (label, node_label(holder, names),
                      'down: %s' % nodes_label(others, names) if others else 'it is the only SELECT node'))
    else:
        message = '%s has no standby: no other alive SELECT node (SELECT nodes: %s)' % (label, nodes_label(select, names))
    return [finding('no_standby', message, pipeline['channel_id'], pipeline['id'], node_ids=others - set(pipeline['alive_select']))]


def push_pending(channels, statuses, since):
    """A started channel whose pipelines changed in the manager database (PIPELINE.GMT_MODIFIED, which
    the manager's own edit and otter_pipeline_nodes stamp) after its status was last written (the mtime
    of /otter/channel/{cid}: the manager writes START at the end of every start and push): its running
    nodes still run the old layout."""
    found = []
    for cid, name, modified in channels:
        if modified is None or since.get(cid) is None or statuses.get(cid) not in ('START', 'PAUSE'):
            continue
        if modified > since[cid]:
            label = 'channel %d (%s)' % (cid, name) if name else 'channel %d' % cid
            found.append(finding('push_pending', '%s: its layout changed in the manager database %ds after it was last '
                                 'started, so its running nodes do not use it yet; stop and start the channel'
                                 % (label, int(modified - since[cid])), channel_id=cid))
    return found


def mainstem_stale_session(pipeline, current, sessions, names):
    """The lock is held by a ZooKeeper session other than the holder node's live one: a leftover of an
    earlier incarnation of the node (it vanishes only when that session expires)."""
    holder = current.get('mainstem_nid')
    owner = sessions.get('mainstems', {}).get(pipeline['id'])
    live = sessions.get('nodes', {}).get(holder)
    if holder is None or owner is None or live is None or owner == live:
        return []
    return [finding('mainstem_stale_session', '%s: its mainstem names %s but is held by ZooKeeper session 0x%x, not '
                    'by that node\'s live session 0x%x; it goes when the old session expires'
                    % (pipeline['label'], node_label(holder, names), owner, live),
                    pipeline['channel_id'], pipeline['id'], node_ids=[holder])]


def mainstem_stuck(pipeline, current, names, now, max_takeing):
    if current.get('mainstem_status') != 'TAKEING' or current.get('mainstem_since') is None or now is None:
        return []
    taking = now - current['mainstem_since']
    if taking <= max_takeing:
        return []
    return [finding('mainstem_stuck', '%s: %s has been TAKEING its mainstem for %ds, longer than %ds, without catching '
                    'up (OVERTAKE)' % (pipeline['label'], node_label(current['mainstem_nid'], names), int(taking),
                                       max_takeing),
                    pipeline['channel_id'], pipeline['id'], node_ids=[current['mainstem_nid']])]


def orphan_process(pipeline, current, alive, names):
    """process znodes of a node that is not alive: work it started and nobody will finish."""
    dead = [p for p in current.get('processes') or [] if p['nid'] not in alive]
    if not dead:
        return []
    return [finding('orphan_process', '%s: process znode(s) %s belong to %s, which is not alive'
                    % (pipeline['label'], ', '.join(p['id'] for p in dead),
                       nodes_label(set(p['nid'] for p in dead), names)),
                    pipeline['channel_id'], pipeline['id'], node_ids=[p['nid'] for p in dead])]


def _int_id(item, what):
    try:
        return int(item['id'])
    except (KeyError, TypeError, ValueError):
        raise RequestError('expect.%s: every entry needs a numeric id, got %r' % (what, item))


def live_findings(state, problems, expect, sessions=None, now=None, max_takeing=60):
    """Findings for what the declared layout (expect: otter_info's nodes, channels and pipelines)
    needs from ZooKeeper: its data readable, nodes alive, channels START with their layout pushed,
    each pipeline's SELECT lock held by the live session of one of its SELECT nodes and caught up
    within max_takeing seconds, another alive SELECT node standing by, and no process of a dead node."""
    sessions = sessions or {}
    alive = set(state['alive_nodes'])
    names = dict((_int_id(n, 'nodes'), n.get('name')) for n in expect.get('nodes') or [])
    found = unreadable_znode(problems)
    found.extend(node_down(names, alive))
    statuses = dict((c['id'], c['status']) for c in state['channels'])
    expected_channels = expect.get('channels') or []
    found.extend(channel_not_started([(_int_id(c, 'channels'), c.get('name')) for c in expected_channels], statuses))
    found.extend(push_pending([(_int_id(c, 'channels'), c.get('name'), c.get('modified')) for c in expected_channels],
                              statuses, dict((c['id'], c.get('status_since')) for c in state['channels'])))
    live = dict((p['id'], p) for p in state['pipelines'])
    for entry in expect.get('pipelines') or []:
        pid = _int_id(entry, 'pipelines')
        channel = entry.get('channel') or {}
        if entry.get('name') and channel.get('name'):
            label = '%s/%s (pipeline %d)' % (channel['name'], entry['name'], pid)
        else:
            label = 'pipeline %d' % pid
        select = set(int(n) for n in ((entry.get('nodes') or {}).get('SELECT') or []))
        pipeline = dict(id=pid, channel_id=channel.get('id'), label=label, alive_select=sorted(select & alive))
        current = live.get(pid) or {}
        found.extend(mainstem_holder(pipeline, select, current, names))
        found.extend(mainstem_stale_session(pipeline, current, sessions, names))
        found.extend(mainstem_stuck(pipeline, current, names, now, max_takeing))
        found.extend(no_standby(pipeline, select, current, names))
        found.extend(orphan_process(pipeline, current, alive, names))
    found.sort(key=lambda f: (FINDING_KINDS.index(f['kind']), f['pipeline_id'] or 0, f['channel_id'] or 0,
                              f['node_ids']))
    return found


# ---------------------------------------------------------------------------------------------
# Summaries as text

def _nodes_cell(rows, node_names):
    """Each node of a location once, by ID, with its name; duplicate rows and missing nodes marked."""
    counts = {}
    for row in rows:
        counts[row.node_id] = counts.get(row.node_id, 0) + 1
    cells = []
    for node_id in sorted(counts):
        cell = '%d %s' % (node_id, node_names[node_id]) if node_id in node_names else '%d (not in NODE)' % node_id
        if counts[node_id] > 1:
            cell += ' (%d rows)' % counts[node_id]
        cells.append(cell)
    return ', '.join(cells) or '-'


def summary_table(pipelines, rows, node_names):
    """The layout as text lines of a table, one line per pipeline and location, as an operator
    would tabulate PIPELINE_NODE_RELATION: columns pipeline | location | nodes."""
    per_location = {}
    for row in rows:
        per_location.setdefault((row.pipeline_id, row.location), []).append(row)
    body = []
    for pipeline in sorted(pipelines, key=lambda p: p.id):
        odd = sorted(set(loc for pid, loc in per_location if pid == pipeline.id and loc not in LOCATIONS),
                     key=location_order)
        for location in list(LOCATIONS) + odd:
            shown = location if location in LOCATIONS else repr(location)
            body.append((pipeline_label(pipeline), shown,
                         _nodes_cell(per_location.get((pipeline.id, location), []), node_names)))
    header = ('pipeline', 'location', 'nodes')
    widths = [max(len(cells[i]) for cells in [header] + body) for i in range(3)]

    def line(cells):
        return ('%-*s | %-*s | %s' % (widths[0], cells[0], widths[1], cells[1], cells[2])).rstrip()
    return [line(header), '-+-'.join('-' * w for w in widths)] + [line(cells) for cells in body]


def live_summary(state, names=None):
    """The live state in words, one line for the alive nodes, then one per channel and pipeline."""
    names = names or {}
    lines = ['alive nodes: %s' % nodes_label(state['alive_nodes'], names)]
    for channel in state['channels']:
        lines.append('channel %d: %s' % (channel['id'], channel['status'] or 'no readable status'))
    for p in state['pipelines']:
        if p['mainstem_nid'] is None:
            holder = 'no mainstem'
        else:
            holder = 'mainstem on %s (%s%s)' % (node_label(p['mainstem_nid'], names), p['mainstem_status'],
                                                '' if p['active'] else ', inactive')
        lines.append('pipeline %d (channel %s): %s' % (p['id'], p['channel_id'], holder))
    return lines
