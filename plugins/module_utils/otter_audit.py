# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The read-only audit of node high availability: the reads it needs beyond otter_model, and the
findings and summary table computed from what was read. The functions below the queries are pure
(no database, no Ansible), so unit tests reach all of them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.otter.ha.plugins.module_utils.otter_layout import LOCATIONS, layout_of
from ansible_collections.otter.ha.plugins.module_utils.otter_model import Pipeline

# In the order findings of one pipeline are listed: first the rows the manager cannot use at all,
# then the rows that are wrong, then what the layout lacks.
FINDING_KINDS = ('invalid_location', 'dangling_node', 'duplicate_rows', 'under_replicated', 'extract_differs',
                 'not_as_declared')

TOOL = 'otter.ha.otter_pipeline_nodes'


# ---------------------------------------------------------------------------------------------
# Reads

def begin_snapshot(db):
    """Start a read-only transaction whose reads all see one snapshot.

    The connection already runs without autocommit, so plain reads would share a snapshot under
    the default REPEATABLE READ; a server configured for READ COMMITTED would not, hence the
    explicit isolation level. READ ONLY makes the server refuse any write in this transaction.
    """
    db.fetch('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    db.fetch('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')


def read_node_rows(db):
    """Every NODE row as (id, name, ip, port, parameters text), by ID."""
    return [(int(r[0]), r[1], r[2], int(r[3]), r[4])
            for r in db.fetch('SELECT ID, NAME, IP, PORT, PARAMETERS FROM NODE ORDER BY ID')]


def read_all_channels(db):
    """Rows (channel id, channel name, pipeline id or None, pipeline name or None) for every
    channel and its pipelines, in the shape otter_model.read_selection returns."""
    return db.fetch('SELECT c.ID, c.NAME, p.ID, p.NAME FROM CHANNEL c LEFT JOIN PIPELINE p ON p.CHANNEL_ID = c.ID '
                    'ORDER BY c.ID, p.ID')


# ---------------------------------------------------------------------------------------------
# Selection without filters

def all_pipelines(rows):
    """Every pipeline of the (channel, pipeline) rows, by ID."""
    pipelines = dict((int(pid), Pipeline(int(pid), pname, int(cid), cname))
                     for cid, cname, pid, pname in rows if pid is not None)
    return [pipelines[pid] for pid in sorted(pipelines)]


def channels_report(pipelines, channel_rows=None):
    """The `channels` return value: {id, name, pipelines: [ids]} per channel, by ID.

    Without channel_rows, the channels of the given pipelines; with them (every channel, as
    read_all_channels returns), every channel, those without pipelines included.
    """
    channels = {}
    for cid, cname, _pid, _pname in channel_rows or []:
        channels.setdefault(int(cid), (cname, []))
    for pipeline in pipelines:
        channels.setdefault(pipeline.channel_id, (pipeline.channel_name, []))[1].append(pipeline.id)
    return [dict(id=cid, name=channels[cid][0], pipelines=sorted(channels[cid][1])) for cid in sorted(channels)]


# ---------------------------------------------------------------------------------------------
# Reports of what was read

def parse_parameters(text):
    """NODE.PARAMETERS as a dict, or None when it is empty or not a JSON object."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError:
            return None
    if not text or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def nodes_report(node_rows):
    return [dict(id=nid, name=name, ip=ip, port=port, parameters=parse_parameters(parameters))
            for nid, name, ip, port, parameters in node_rows]


def relations_report(rows):
    return [dict(id=r.id, pipeline_id=r.pipeline_id, node_id=r.node_id, location=r.location)
            for r in sorted(rows, key=lambda r: r.id)]


def valid_layout(pipeline_ids, rows):
    """layout_of restricted to the three locations the manager knows, so that every pipeline
    reports exactly SELECT, EXTRACT and LOAD; other rows are left to the findings."""
    return layout_of(pipeline_ids, [r for r in rows if r.location in LOCATIONS])


# ---------------------------------------------------------------------------------------------
# Findings

def label(pipeline):
    return '%s/%s (pipeline %d)' % (pipeline.channel_name, pipeline.name, pipeline.id)


def _node_list(node_ids, node_names):
    return ', '.join('%d %s' % (n, node_names[n]) if n in node_names else '%d (not in NODE)' % n
                     for n in node_ids) or 'none'


def _ids(values):
    return ', '.join(str(v) for v in values)


def _finding(kind, pipeline, location, node_ids, row_ids, message):
    return dict(kind=kind, pipeline_id=pipeline.id, pipeline=pipeline.name, channel=pipeline.channel_name,
                location=location, node_ids=sorted(node_ids), row_ids=sorted(row_ids),
                message='%s: %s' % (label(pipeline), message))


def _location_order(location):
    return (LOCATIONS.index(location), '') if location in LOCATIONS else (len(LOCATIONS), location)


def _pipeline_findings(pipeline, rows, node_names, min_nodes):
    """Findings of one pipeline, in FINDING_KINDS order, then by location."""
    by_location = {}
    for row in sorted(rows, key=lambda r: r.id):
        by_location.setdefault(row.location, []).append(row)
    findings = []

    # The manager maps LOCATION to its enum by exact name, so these rows break reading the pipeline.
    for location in sorted((loc for loc in by_location if loc not in LOCATIONS), key=_location_order):
        odd = by_location[location]
        findings.append(_finding(
            'invalid_location', pipeline, location, set(r.node_id for r in odd), [r.id for r in odd],
            'row(s) %s have LOCATION %r, which is not exactly one of %s; the manager cannot read this pipeline '
            'while they exist: delete them (or correct the LOCATION)'
            % (_ids(r.id for r in odd), location, ', '.join(LOCATIONS))))

    # Every row that needs deleting lands in exactly one finding: rows of a node missing from NODE
    # here, the extra rows of an existing node under duplicate_rows.
    for location in LOCATIONS:
        dangling = [r for r in by_location.get(location, []) if r.node_id not in node_names]
        if dangling:
            missing = sorted(set(r.node_id for r in dangling))
            findings.append(_finding(
                'dangling_node', pipeline, location, missing, [r.id for r in dangling],
                '%s row(s) %s name node ID(s) %s, which do not exist in NODE; delete them, for example with %s '
                'state=exact' % (location, _ids(r.id for r in dangling), _ids(missing), TOOL)))

    for location in LOCATIONS:
        per_node = {}
        for row in by_location.get(location, []):
            if row.node_id in node_names:
                per_node.setdefault(row.node_id, []).append(row.id)
        for node_id in sorted(per_node):
            row_ids = per_node[node_id]
            if len(row_ids) > 1:
                findings.append(_finding(
                    'duplicate_rows', pipeline, location, [node_id], row_ids[1:],
                    '%d rows for node %s at %s (rows %s); a node starts the stage once per row, so delete the extra '
                    'row(s) %s and keep row %d, for example with %s state=present or exact'
                    % (len(row_ids), _node_list([node_id], node_names), location, _ids(row_ids),
                       _ids(row_ids[1:]), row_ids[0], TOOL)))

    live = dict((loc, sorted(set(r.node_id for r in by_location.get(loc, []) if r.node_id in node_names)))
                for loc in LOCATIONS)
    for location in LOCATIONS:
        nodes = live[location]
        if len(nodes) >= min_nodes:
            continue
        if nodes:
            what = ('%s runs on %d node(s) (%s), fewer than min_nodes=%d%s'
                    % (location, len(nodes), _node_list(nodes, node_names), min_nodes,
                       ', so losing that node stops the stage' if len(nodes) == 1 else ''))
        else:
            what = ('%s has no node that exists in NODE, so the manager cannot start this pipeline'
                    % location)
        findings.append(_finding(
            'under_replicated', pipeline, location, nodes,
            [r.id for r in by_location.get(location, []) if r.node_id in node_names],
            '%s; add nodes to it (stop the channel first), for example with %s' % (what, TOOL)))

    # The manager UI has no EXTRACT picker: saving the pipeline form writes the SELECT nodes to EXTRACT.
    if live['SELECT'] != live['EXTRACT']:
        differing = set(live['SELECT']) ^ set(live['EXTRACT'])
        findings.append(_finding(
            'extract_differs', pipeline, None, differing,
            [r.id for loc in ('SELECT', 'EXTRACT') for r in by_location.get(loc, []) if r.node_id in differing],
            'EXTRACT nodes [%s] differ from SELECT nodes [%s]; the manager UI sets EXTRACT from the SELECT picker, '
            'so the next edit of this pipeline in the UI rewrites EXTRACT to [%s]; give both locations the same '
            'nodes' % (_ids(live['EXTRACT']), _ids(live['SELECT']), _ids(live['SELECT']))))
    return findings


def audit_findings(pipelines, rows, node_names, min_nodes):
    """What is wrong with the node layout of these pipelines.

    pipelines: the selected pipelines (id, name, channel_id, channel_name).
    rows: their relation rows (objects with id, pipeline_id, node_id, location).
    node_names: {node id: name} of every NODE row; an ID not in it is a dangling reference.
    min_nodes: the number of distinct existing nodes each location needs.

    Returns a list of finding dicts (kind, pipeline_id, pipeline, channel, location, node_ids,
    row_ids, message), pipeline by pipeline.
    """
    if min_nodes < 1:
        raise ValueError('min_nodes must be at least 1, got %r' % (min_nodes,))
    per_pipeline = {}
    for row in rows:
        per_pipeline.setdefault(row.pipeline_id, []).append(row)
    findings = []
    for pipeline in sorted(pipelines, key=lambda p: p.id):
        findings.extend(_pipeline_findings(pipeline, per_pipeline.get(pipeline.id, []), node_names, min_nodes))
    return findings


def declaration_findings(pipelines, plan, rows, node_names):
    """`not_as_declared` findings: one per pipeline and location that a converge with the declared
    layout (the plan of otter_layout.plan_layout) would change, naming the nodes it lacks and the
    nodes it has but should not. Duplicate rows alone are left to the duplicate_rows findings."""
    changes = {}
    for pipeline_id, node_id, location in plan.added:
        changes.setdefault((pipeline_id, location), ([], []))[0].append(node_id)
    for pipeline_id, node_id, location in plan.removed:
        changes.setdefault((pipeline_id, location), ([], []))[1].append(node_id)
    by_id = dict((p.id, p) for p in pipelines)
    findings = []
    for (pipeline_id, location) in sorted(changes, key=lambda key: (key[0], _location_order(key[1]))):
        lacking, extra = changes[(pipeline_id, location)]
        parts = []
        if lacking:
            parts.append('lacks declared node(s) %s' % _node_list(sorted(lacking), node_names))
        if extra:
            parts.append('has undeclared node(s) %s' % _node_list(sorted(extra), node_names))
        row_ids = [r.id for r in rows if r.pipeline_id == pipeline_id and r.location == location and r.node_id in extra]
        findings.append(_finding(
            'not_as_declared', by_id[pipeline_id], location, lacking + extra, row_ids,
            '%s %s; run %s with the declared layout to converge it' % (location, ' and '.join(parts), TOOL)))
    return findings


# ---------------------------------------------------------------------------------------------
# Summary table

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
                     key=_location_order)
        for location in list(LOCATIONS) + odd:
            shown = location if location in LOCATIONS else repr(location)
            body.append((label(pipeline), shown,
                         _nodes_cell(per_location.get((pipeline.id, location), []), node_names)))
    header = ('pipeline', 'location', 'nodes')
    widths = [max(len(cells[i]) for cells in [header] + body) for i in range(3)]

    def line(cells):
        return ('%-*s | %-*s | %s' % (widths[0], cells[0], widths[1], cells[1], cells[2])).rstrip()
    return [line(header), '-+-'.join('-' * w for w in widths)] + [line(cells) for cells in body]
