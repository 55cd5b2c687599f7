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
from ansible_collections.otter.ha.plugins.module_utils.layout import changes_by_location, naming
from ansible_collections.otter.ha.plugins.module_utils.objects import (
    LOCATIONS, listing, location_order, node_label, nodes_label, pipeline_label)

# In the order findings of one pipeline are listed: first the rows the manager cannot use at all,
# then the rows that are wrong, then what the layout lacks; the live kinds after them.
LAYOUT_KINDS = ('invalid_location', 'dangling_node', 'duplicate_rows', 'under_replicated', 'extract_differs',
                'not_as_declared', 'unreferable_node', 'unreferable_pipeline')
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


def verdict(findings):
    """The part of a checking module's result that the findings make: the findings, and ok, true
    only without any. Every module that reports findings returns them this way."""
    return dict(findings=findings, ok=not findings)


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


def clean_layout(locations, node_names, min_nodes):
    """Whether a pipeline whose rows make this layout ({location: [node IDs, one per row]}, as
    layout.layout_of gives it) has no layout finding: only the three locations, every node in NODE,
    no node twice at a location, at least min_nodes at each, and EXTRACT on the SELECT nodes. It is
    exactly "audit_findings finds nothing", checked on the node IDs alone, so a converge audits row
    by row only the pipelines where it is false."""
    if len(locations) != len(LOCATIONS):
        return False
    sets = []
    for location in LOCATIONS:
        nodes = locations.get(location)
        if nodes is None:
            return False
        distinct = set(nodes)
        if len(distinct) != len(nodes) or len(distinct) < min_nodes:
            return False
        for node_id in distinct:
            if node_id not in node_names:
                return False
        sets.append(distinct)
    return sets[0] == sets[1]


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
    changes = changes_by_location(plan.added, plan.removed)
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


def _why_unnamed(obj, objects, kind):
    """Why neither the name nor the ID of obj is a reference to it (references.referable, through layout.naming)."""
    twins = [o for o in objects if o.name == obj.name and o.id != obj.id]
    by_id = [o for o in objects if str(o.id) == obj.name and o.id != obj.id]
    named_as_id = [o for o in objects if o.name == str(obj.id) and o.id != obj.id]
    why_name = ('its name is also the name of %s %s' % (kind, listing('%d' % o.id for o in twins)) if twins
                else 'its name is the ID of %s %d' % (kind, by_id[0].id))
    return "%s; its ID is the name of %s %s" % (why_name, kind, listing('%d' % o.id for o in named_as_id))


def unreferable(pipelines, layout, nodes, every_pipeline):
    """The nodes used by these pipelines, and the pipelines, that no reference can name (layout.naming):
    a declaration cannot name them, so otter_info's layouts leaves out the pipelines concerned.
    layout: {pipeline id: {location: node ids}}; every_pipeline: all pipelines of the manager (a
    pipeline's name counts as unique only among them all)."""
    names = naming(pipelines, layout, nodes, every_pipeline)
    by_id = dict((n.id, n) for n in nodes)
    found = []
    for node_id in sorted(names.unnamed_nodes):
        node = by_id[node_id]
        found.append(finding(
            'unreferable_node',
            "node %d (%s) cannot be named in a declaration: %s; rename one of these nodes. layouts leaves out the "
            "pipelines that use it: %s" % (node.id, node.name, _why_unnamed(node, nodes, 'node'),
                                           listing(pipeline_label(p) for p in names.unnamed_nodes[node_id])),
            node_ids=[node_id]))
    for pipeline in names.unnamed_pipelines:
        found.append(_about(
            'unreferable_pipeline', pipeline, None, [], [],
            'cannot be named in a declaration: %s; rename one of these pipelines. layouts leaves it out'
            % _why_unnamed(pipeline, every_pipeline, 'pipeline')))
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
        select = set(_int_id(dict(id=n), 'pipelines[].nodes.SELECT')
                     for n in ((entry.get('nodes') or {}).get('SELECT') or []))
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


# ---------------------------------------------------------------------------------------------
# Preflight findings: an Otter home on its host (otter_home), against the declared node and managers.
# Each takes the report of homes.node_home or homes.manager_home; channel_id and pipeline_id are None,
# and the message names the host, the file and the value.

from ansible_collections.otter.ha.plugins.module_utils.objects import short  # noqa: E402 (kept with its users)

PREFLIGHT_KINDS = ('properties_missing', 'properties_unreadable', 'property_invalid', 'nid_unreadable', 'nid_differs',
                   'process_nid_differs', 'node_ip_not_local', 'manager_address_invalid',
                   'manager_address_overridden', 'manager_address_missing', 'manager_address_single',
                   'manager_address_undeclared')
# The manager pair (otter_managers_check), from every manager's report and its API.
MANAGER_PAIR_KINDS = ('manager_unreachable', 'manager_api_error', 'manager_status_differs', 'manager_database_differs',
                      'manager_zookeeper_differs', 'manager_zookeeper_not_cluster', 'monitor_none', 'monitor_several',
                      'monitor_not_owner')
# A ZooKeeper ensemble, server by server (otter_zk_ensemble_info).
ENSEMBLE_KINDS = ('zk_server_unreachable', 'zk_command_refused', 'zk_server_not_serving', 'zk_no_leader',
                  'zk_several_leaders', 'zk_standalone_in_ensemble')
FINDING_KINDS = FINDING_KINDS + PREFLIGHT_KINDS + MANAGER_PAIR_KINDS + ENSEMBLE_KINDS


def _where(report, name=None):
    """'host:/path/name', how a message names a file of a home."""
    return '%s:%s%s' % ((report.get('host') or {}).get('hostname') or '?', report['path'], '/' + name if name else '')


def _node_of(declared):
    if declared.get('name') and declared.get('nid') is not None:
        return "node '%s' (id %d)" % (declared['name'], declared['nid'])
    if declared.get('name'):
        return "node '%s'" % declared['name']
    return 'node %d' % declared['nid'] if declared.get('nid') is not None else 'the node'


def _nids(declared, *more):
    return [n for n in (declared.get('nid'),) + more if n is not None]


def properties_missing(report, declared):
    if report['properties']['exists']:
        return []
    if report['kind'] == 'node':
        what = ('the node then runs on the defaults of its Spring files (otter.manager.address %s among them); put '
                "the node deployer's conf/otter.properties there" % '127.0.0.1:1099')
    else:
        what = "the manager's startup.sh starts nothing without it (OtterManagerLauncher loads it)"
    return [finding('properties_missing', '%s does not exist: %s' % (_where(report, 'conf/otter.properties'), what),
                    node_ids=_nids(declared))]


def properties_unreadable(report, declared):
    problem = report['properties'].get('problem')
    if not problem:
        return []
    return [finding('properties_unreadable', '%s: %s; correct that line' % (_where(report, 'conf/otter.properties'),
                                                                            problem), node_ids=_nids(declared))]


def property_invalid(report, declared):
    return [finding('property_invalid', '%s: %s%s %s' % (
        _where(report, 'conf/otter.properties'), item['key'],
        '' if item['value'] is None else ' = %s' % short(item['value']), item['why']))
        for item in report.get('problems') or []]


def nid_findings(report, declared):
    """nid_unreadable and nid_differs for conf/nid, process_nid_differs for the node running from the home.
    An absent conf/nid is no finding: the role writes it (the report says so)."""
    nid = report['nid']
    expected = declared.get('nid')
    where = _where(report, 'conf/nid')
    found = []
    if nid['problem']:
        found.append(finding('nid_unreadable', '%s %s; it must hold the id of %s%s' % (
            where, nid['problem'], _node_of(declared), ' (%d)' % expected if expected is not None else ''),
            node_ids=_nids(declared)))
    elif nid['present'] and expected is not None and nid['value'] != expected:
        label = "node '%s'" % declared['name'] if declared.get('name') else 'the node'
        found.append(finding('nid_differs', '%s holds %d, but %s is node %d in the manager database: started from this '
                             'home, the node would run as node %d. This home was copied from, or belongs to, another '
                             'node; make sure it is the home of %s before its conf/nid is rewritten, and restart the '
                             'node afterwards' % (where, nid['value'], label, expected, nid['value'], label),
                             node_ids=_nids(declared, nid['value'])))
    process = report.get('process') or {}
    if process.get('node') and expected is not None and process.get('nid') is not None and process['nid'] != expected:
        found.append(finding('process_nid_differs', '%s: the node running from this home (pid %d, bin/otter.pid) runs '
                             'as nid %d, not as %s: restart it (bin/stop.sh, then bin/startup.sh) once conf/nid holds '
                             '%d' % (_where(report), process['pid'], process['nid'], _node_of(declared), expected),
                             node_ids=_nids(declared, process['nid'])))
    return found


def node_ip_not_local(report, declared):
    """NODE.IP must be this host's: the manager and the other nodes call the node there (unless
    use_external_ip), and the node's own startup check looks at it (always)."""
    ip = report.get('node_ip')
    if not ip or ip['local']:
        return []
    check = ip['startup_check']
    host = report.get('host') or {}
    names = ', '.join(n for n in [host.get('hostname')] + list(host.get('addresses') or []) if n)
    if ip['use_external_ip']:
        if check['passes']:
            return []
        message = ('%s: NODE.IP %s of %s is not an address or name of this host (%s), and the node\'s startup check '
                   '(OtterController.checkNidVaild, AddressUtils.isHostIp) refuses it: the node does not start. With '
                   'use_external_ip the others reach it at its external IP, but NODE.IP must still be this host\'s'
                   % (_where(report), ip['declared'], _node_of(declared), names))
        return [finding('node_ip_not_local', message, node_ids=_nids(declared))]
    if check['passes']:
        startup = ('its startup check passes anyway (%s: AddressUtils.isHostIp accepts that since Otter 4.2.16; '
                   'earlier versions refuse to start)' % check['reason'])
    else:
        startup = 'and its startup check (OtterController.checkNidVaild) refuses it: the node does not start'
    return [finding('node_ip_not_local', '%s: NODE.IP %s of %s is not an address or name of this host (%s): the '
                    'manager and the other nodes call the node at NODE.IP (ConfigRemoteServiceImpl, '
                    'NodeCommmunicationClient), so they would reach another machine or none; %s. Register the node '
                    'with an address of this host, or set use_external_ip with the address the others use'
                    % (_where(report), ip['declared'], _node_of(declared), names, startup),
                    node_ids=_nids(declared))]


def manager_address_findings(report, declared):
    """What a node home's otter.manager.address (the value the node uses) lacks or gets wrong against the
    declared managers ((host, port) pairs; none declared: only the address's own problems)."""
    address = report['manager_address']
    where = _where(report, 'conf/otter.properties') if address['source'] == 'conf/otter.properties' else '%s (%s)' % (
        _where(report), address['source'])
    found = []
    nids = _nids(declared)
    for override in address['overrides']:
        file_value = address['file_value']
        found.append(finding('manager_address_overridden', '%s: %s sets -Dotter.manager.address=%s%s, which the node uses '
                             'instead of conf/otter.properties (%s): a system property overrides the file '
                             '(SYSTEM_PROPERTIES_MODE_OVERRIDE), so editing the file does not change what the node calls'
                             % (_where(report), override['source'], override['value'],
                                ' (a shell expansion, known only when the script runs)' if override['dynamic'] else '',
                                'otter.manager.address = %s' % file_value if file_value is not None else
                                'which does not set it'), node_ids=nids))
    if not address['entries']:
        found.append(finding('manager_address_invalid', '%s: otter.manager.address is empty: the node gets no manager '
                             'address and fails to start (NodeCommmunicationClient.setManagerAddress)' % where,
                             node_ids=nids))
    for entry in address['entries']:
        if entry['problem']:
            found.append(finding('manager_address_invalid', '%s: otter.manager.address item %s %s%s' % (
                where, short(entry['address']), entry['problem'],
                '' if entry['host'] is not None and entry['port'] is not None else
                '; callManager does not catch that, so a call that reaches this item fails instead of trying the '
                'next manager'), node_ids=nids))
    managers = declared.get('managers') or []
    if not managers:
        return found
    listed = ', '.join('%s:%d' % m for m in managers)
    usable = [e for e in address['entries'] if not e['problem']]
    for manager in managers:
        if not any(same_manager_entry(e, manager) for e in usable):
            found.append(finding('manager_address_missing', '%s: otter.manager.address %s does not list the manager '
                                 '%s:%d, so the node never asks it (declared managers: %s)'
                                 % (where, short(address['value']), manager[0], manager[1], listed), node_ids=nids))
    distinct = set((e['host'].lower(), e['port']) for e in usable)
    if len(managers) > 1 and len(distinct) < 2:
        found.append(finding('manager_address_single', '%s: otter.manager.address %s names %s, although %d managers '
                             'are declared (%s): when it is down the node has no other manager to ask '
                             '(NodeCommmunicationClient.callManager fails over only between the listed addresses)'
                             % (where, short(address['value']),
                                'only one manager the node can call' if distinct else 'no manager the node can call',
                                len(managers), listed), node_ids=nids))
    for entry in usable:
        if not any(same_manager_entry(entry, m) for m in managers):
            found.append(finding('manager_address_undeclared', '%s: otter.manager.address lists %s, which is not a '
                                 'declared manager (%s): a call that starts there waits for it to fail before trying '
                                 'the next one' % (where, entry['address'], listed), node_ids=nids))
    return found


def same_manager_entry(entry, manager):
    return entry['port'] == manager[1] and (entry['host'] or '').lower() == manager[0].lower()


def home_findings(report, declared):
    """Every preflight finding of one home. declared: name, nid (the expected id), managers ((host, port)
    pairs the node must list); each may be missing."""
    found = properties_missing(report, declared) + properties_unreadable(report, declared)
    if report['kind'] == 'node':
        found.extend(nid_findings(report, declared))
        found.extend(node_ip_not_local(report, declared))
        found.extend(manager_address_findings(report, declared))
    else:
        found.extend(property_invalid(report, declared))
    found.sort(key=lambda f: FINDING_KINDS.index(f['kind']))
    return found


# ---------------------------------------------------------------------------------------------
# The manager pair: managers is a list of {'name', 'url', 'answered', 'error', 'status', 'home'}, where
# home is the manager's report (homes.manager_home) and status what it answered for the probed channel.

def _jdbc_key(url):
    """A JDBC URL as the database it names: (scheme, servers, database), parameters ignored;
    the trimmed text when it is not jdbc:mysql://."""
    text = (url or '').strip()
    prefix = text.lower().split('//', 1)[0]
    if '//' not in text or prefix not in ('jdbc:mysql:', 'jdbc:mariadb:'):
        return text
    rest = text.split('//', 1)[1].split('?', 1)[0]
    servers, _slash, database = rest.partition('/')
    hosts = sorted(set(h if ':' in h.rsplit(']', 1)[-1] else h + ':3306'
                       for h in (s.strip().lower() for s in servers.split(',')) if h))
    return (prefix, tuple(hosts), database)


def _groups(managers, key):
    groups = []
    for manager in managers:
        value = key(manager)
        for group in groups:
            if group[0] == value:
                group[1].append(manager)
                break
        else:
            groups.append((value, [manager]))
    return groups


def _names(managers):
    return ', '.join(m['name'] for m in managers)


def manager_api(managers, channel_id):
    """manager_unreachable, manager_api_error and manager_status_differs."""
    found = []
    for manager in managers:
        if not manager['answered']:
            found.append(finding('manager_unreachable', 'manager %s at %s does not answer /api/channel_check.htm: %s'
                                 % (manager['name'], manager['url'], manager['error']), channel_id=channel_id))
        elif manager['error']:
            found.append(finding('manager_api_error', 'manager %s at %s answers /api/channel_check.htm%s with an error: '
                                 '%s' % (manager['name'], manager['url'],
                                         ' for channel %d' % channel_id if channel_id is not None else '',
                                         manager['error']), channel_id=channel_id))
    if channel_id is not None:
        statuses = _groups([m for m in managers if m['status']], lambda m: m['status'])
        if len(statuses) > 1:
            found.append(finding('manager_status_differs', 'the managers report channel %d differently (%s): they do '
                                 'not read one ZooKeeper, or one of them is not the manager of these nodes'
                                 % (channel_id, '; '.join('%s on %s' % (s, _names(ms)) for s, ms in statuses)),
                                 channel_id=channel_id))
    return found


def manager_database_differs(managers):
    groups = _groups(managers, lambda m: _jdbc_key(m['home'].get('database_url')))
    if len(groups) < 2:
        return []
    return [finding('manager_database_differs', 'the managers do not share one database (%s): each keeps its own '
                    'channels, pipelines and nodes; give every manager the same otter.database.driver.url'
                    % '; '.join('%s on %s' % (ms[0]['home'].get('database_url') or 'no URL', _names(ms))
                                for _k, ms in groups))]


def _ensemble(servers, chroot=None):
    return ','.join(servers) + (chroot or '')


def manager_zookeeper(managers, cluster):
    """manager_zookeeper_differs (between managers) and manager_zookeeper_not_cluster (a manager against
    the nodes' ensemble, cluster: {'label', 'servers'} or None); servers compared as sets of host:port."""
    found = []
    groups = _groups(managers, lambda m: (frozenset(m['home'].get('zookeeper_servers') or []),
                                          m['home'].get('zookeeper_chroot')))
    if len(groups) > 1:
        found.append(finding('manager_zookeeper_differs', 'the managers use different ZooKeeper ensembles (%s): each '
                             'sees only the nodes, locks and channel statuses of its own; give every manager the same '
                             'otter.zookeeper.cluster.default' % '; '.join(
                                 '%s on %s' % (_ensemble(ms[0]['home'].get('zookeeper_servers') or [],
                                                         ms[0]['home'].get('zookeeper_chroot')) or 'none', _names(ms))
                                 for _k, ms in groups)))
    if cluster is None:
        return found
    wanted = frozenset(cluster['servers'])
    for manager in managers:
        servers = manager['home'].get('zookeeper_servers') or []
        if frozenset(servers) != wanted or manager['home'].get('zookeeper_chroot'):
            found.append(finding('manager_zookeeper_not_cluster', 'manager %s uses ZooKeeper %s '
                                 '(otter.zookeeper.cluster.default), but the nodes use %s (%s): the manager shows '
                                 'the nodes as stopped and cannot start their channels (issues #837, #1073)'
                                 % (manager['name'], _ensemble(servers, manager['home'].get('zookeeper_chroot'))
                                    or 'none', _ensemble(cluster['servers']), cluster['label'])))
    return found


def monitor_findings(managers, owner=None):
    """Exactly one manager may run the self-monitor (otter.manager.monitor.self.enable, default true):
    two send every alarm twice and both restart paused channels (issue #884)."""
    enabled = [m for m in managers if m['home'].get('monitor_self_enable') is True]
    if not enabled:
        return [finding('monitor_none', 'no manager runs the self-monitor (otter.manager.monitor.self.enable is not '
                        'true on %s): nobody checks the alarm rules or recovers paused channels; enable it on %s'
                        % (_names(managers), 'the declared owner %s' % owner if owner else 'exactly one of them'))]
    if len(enabled) > 1:
        return [finding('monitor_several', 'managers %s all run the self-monitor (otter.manager.monitor.self.enable): '
                        'each sends every alarm and each restarts the same channels (issue #884); keep it on %s and set '
                        'it to false on the others' % (_names(enabled), owner or 'one of them'))]
    if owner and enabled[0]['name'] != owner:
        return [finding('monitor_not_owner', 'the self-monitor runs on manager %s, not on the declared owner %s; move '
                        'it: otter.manager.monitor.self.enable = true on %s only' % (enabled[0]['name'], owner, owner))]
    return []


def pair_findings(managers, channel_id=None, cluster=None, owner=None):
    """Every finding about the managers as a pair: each answers its API, they share one database and one
    ZooKeeper ensemble (the nodes' one), and exactly one runs the self-monitor."""
    found = manager_api(managers, channel_id)
    found.extend(manager_database_differs(managers))
    found.extend(manager_zookeeper(managers, cluster))
    found.extend(monitor_findings(managers, owner))
    found.sort(key=lambda f: FINDING_KINDS.index(f['kind']))
    return found


# ---------------------------------------------------------------------------------------------
# A ZooKeeper ensemble: servers is a list of {'server', 'error', 'answer', 'srvr'} (srvr: ensemble.parse_srvr)

def _said(server):
    if server['error']:
        return 'unreachable'
    srvr = server['srvr']
    if srvr['state'] == 'serving':
        return srvr['mode']
    return {'not_serving': 'not serving', 'refused': 'srvr refused'}.get(srvr['state'], 'no Mode')


def ensemble_findings(servers):
    """Every server answers srvr and serves; exactly one is the leader, or the only server is standalone."""
    found = []
    for server in servers:
        name = server['server']
        srvr = server.get('srvr') or {}
        if server['error']:
            found.append(finding('zk_server_unreachable', 'ZooKeeper server %s does not answer srvr: %s'
                                 % (name, server['error'])))
        elif srvr['state'] == 'refused':
            found.append(finding('zk_command_refused', 'ZooKeeper server %s refuses srvr (%s): add srvr to its '
                                 '4lw.commands.whitelist' % (name, short(server['answer'].strip()))))
        elif srvr['state'] == 'unknown':
            found.append(finding('zk_command_refused', 'ZooKeeper server %s answered srvr with %s, which has no Mode line'
                                 % (name, short(server['answer'].strip()))))
        elif srvr['state'] == 'not_serving':
            found.append(finding('zk_server_not_serving', 'ZooKeeper server %s answers but does not serve clients (%s): '
                                 'it is not in a quorum, so fewer than a majority of its ensemble run or reach each other'
                                 % (name, short(server['answer'].strip()))))
    serving = [s for s in servers if not s['error'] and s['srvr']['state'] == 'serving']
    leaders = [s for s in serving if s['srvr']['mode'] == 'leader']
    standalone = [s for s in serving if s['srvr']['mode'] == 'standalone']
    answers = '; '.join('%s: %s' % (s['server'], _said(s)) for s in servers)
    if len(servers) > 1:
        for server in standalone:
            found.append(finding('zk_standalone_in_ensemble', 'ZooKeeper server %s is a standalone server, not a member '
                                 'of one ensemble with the others (%s): clients of different servers see different '
                                 'data (nodes, locks, channel status)' % (server['server'], answers)))
    if len(leaders) > 1:
        found.append(finding('zk_several_leaders', 'ZooKeeper servers %s all report Mode: leader (%s): the list names '
                             'servers of more than one ensemble' % (', '.join(s['server'] for s in leaders), answers)))
    elif not leaders and not standalone:
        found.append(finding('zk_no_leader', 'no ZooKeeper server of %s reports Mode: leader (%s): the ensemble has no '
                             'quorum, or the list does not name its leader'
                             % (', '.join(s['server'] for s in servers), answers)))
    found.sort(key=lambda f: FINDING_KINDS.index(f['kind']))
    return found
