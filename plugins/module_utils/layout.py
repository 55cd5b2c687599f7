# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layout planner: from the relation rows a pipeline has and the nodes it should have, the
rows to insert and the rows to delete, and the compact reports of what changes. Pure: no
database, no Ansible, so unit tests reach all of it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple
from operator import attrgetter

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import LOCATIONS, Relation, location_order, pipeline_label
from ansible_collections.otter.ha.plugins.module_utils.references import referable

STATES = ('present', 'exact', 'absent')

# The per-location options that override `nodes` for one location.
OVERRIDES = (('SELECT', 'select_nodes'), ('EXTRACT', 'extract_nodes'), ('LOAD', 'load_nodes'))

LayoutPlan = namedtuple('LayoutPlan', [
    'inserts',        # [(pipeline_id, node_id, location)] to insert, sorted
    'deletes',        # [row id] to delete, sorted
    'added',          # [(pipeline_id, node_id, location)] triples the pipelines gain
    'removed',        # [(pipeline_id, node_id, location)] triples the pipelines lose
    'duplicates',     # [row id] deleted only because an older row holds the same triple
    'before',         # {pipeline_id: {location: [node ids, one per row, sorted]}}
    'after',          # the same, as the rows will be after the run
    'unserved',       # [(pipeline_id, location, [node ids it has now])] left without an existing node:
                      # when not empty, nothing may be written
    'under',          # [(pipeline_id, location, [node ids left])] left with fewer than min_nodes existing
                      # nodes (but at least one): when not empty, nothing may be written
])


def requested_nodes(locations, nodes, overrides):
    """{location: (option name, node references)} for the managed locations.

    locations: the managed locations; nodes: references for every location without its own list;
    overrides: {'select_nodes': refs or None, 'extract_nodes': ..., 'load_nodes': ...}.
    Raises RequestError for a request that needs no database to be found wrong.
    """
    if not locations:
        raise RequestError('locations must list at least one of %s' % ', '.join(LOCATIONS))
    repeated = sorted(set(loc for loc in locations if locations.count(loc) > 1), key=location_order)
    if repeated:
        raise RequestError('locations lists %s more than once' % ', '.join(repeated))
    requested = {}
    for location, option in OVERRIDES:
        refs = overrides.get(option)
        if refs is not None and location not in locations:
            raise RequestError('%s is set but %s is not in locations (%s)' % (option, location, ', '.join(locations)))
        if location not in locations:
            continue
        if refs is not None:
            requested[location] = (option, refs)
        elif nodes is not None:
            requested[location] = ('nodes', nodes)
        else:
            raise RequestError('no nodes for location %s: set nodes or %s' % (location, option))
    for option, refs in requested.values():
        if not refs:
            raise RequestError('%s must list at least one node' % option)
    return requested


def _triple_key(triple):
    pipeline_id, node_id, location = triple
    return (pipeline_id, location_order(location), node_id)


def _empty_locations():
    return {'SELECT': [], 'EXTRACT': [], 'LOAD': []}


def layout_of(pipeline_ids, rows, valid_only=False):
    """{pipeline_id: {location: sorted node ids, one entry per row}}; every pipeline gets the three
    locations. A location outside the three (which the manager cannot read) is kept as found,
    unless valid_only."""
    layout = dict((pid, _empty_locations()) for pid in pipeline_ids)
    for row in rows:
        if valid_only and row.location not in LOCATIONS:
            continue
        locations = layout.get(row.pipeline_id)
        if locations is None:
            locations = layout[row.pipeline_id] = _empty_locations()
        nodes = locations.get(row.location)
        if nodes is None:
            nodes = locations[row.location] = []
        nodes.append(row.node_id)
    for locations in layout.values():
        for nodes in locations.values():
            nodes.sort()
    return layout


def plan_layout(pipeline_ids, rows, desired, state, known_node_ids, min_nodes=1):
    """Plan the rows that bring the pipelines to one desired layout: plan_fleet with the same
    wants for every pipeline. desired: {location: [node ids]} for the locations this run manages."""
    if state not in STATES:
        raise ValueError('state must be one of %s, got %r' % (', '.join(STATES), state))
    wants = dict((pid, dict((loc, (state, desired[loc])) for loc in desired)) for pid in pipeline_ids)
    return plan_fleet(pipeline_ids, rows, wants, known_node_ids, min_nodes)


def plan_fleet(pipeline_ids, rows, wants, known_node_ids, min_nodes=1):
    """Plan the rows that bring the pipelines to their desired layouts.

    pipeline_ids: the selected pipelines.
    rows: their current relation rows (objects with id, pipeline_id, node_id, location).
    wants: {pipeline_id: {location: (state, [node ids])}} for the locations this run manages;
        other locations are left alone. state 'present' adds missing nodes; 'exact' also deletes
        every other row of the location (other nodes, nodes missing from NODE); 'absent' deletes
        the given nodes.
    known_node_ids: the IDs present in NODE.
    min_nodes: the distinct existing nodes every location needs after the run.

    present and exact collapse duplicate rows of a wanted triple to the oldest row (lowest ID);
    exact collapses every duplicate of a managed location, since it keeps only wanted triples.
    A location left without an existing node is listed in ``unserved``, one left with fewer than
    min_nodes in ``under``; a plan with either must not be applied.
    """
    pipeline_ids = sorted(set(pipeline_ids))
    known_node_ids = frozenset(known_node_ids)

    # (pipeline, location) -> node -> [row ids, oldest first]
    found = {}
    for row in sorted(rows, key=attrgetter('id')):
        key = (row.pipeline_id, row.location)
        per_node = found.get(key)
        if per_node is None:
            per_node = found[key] = {}
        row_ids = per_node.get(row.node_id)
        if row_ids is None:
            per_node[row.node_id] = [row.id]
        else:
            row_ids.append(row.id)
    before = layout_of(pipeline_ids, rows)

    # The layout after the run starts as the one before (the lists of locations the run leaves
    # alone are shared: neither layout is changed once planned); each location the run changes gets
    # its own list. The pipelines are taken in ID order and their locations in LOCATIONS order, so
    # sorting the nodes each location gains keeps inserts in _triple_key order.
    after = dict((pid, dict(locations)) for pid, locations in before.items())
    inserts = []
    added = []
    deletes = []
    duplicates = []
    for pipeline_id in pipeline_ids:
        managed = wants.get(pipeline_id)
        if not managed:
            continue
        for location in LOCATIONS:
            if location not in managed:
                continue
            state, wanted = managed[location]
            have = found.get((pipeline_id, location), {})
            dropped = set()
            missing = []
            if state == 'absent':
                for node_id in wanted:
                    if have.get(node_id):
                        dropped.add(node_id)
                        deletes.extend(have[node_id])
            else:
                for node_id in wanted:
                    row_ids = have.get(node_id)
                    if not row_ids:
                        missing.append(node_id)
                    elif len(row_ids) > 1:
                        deletes.extend(row_ids[1:])
                        duplicates.extend(row_ids[1:])
                        dropped.add(node_id)
                if state == 'exact':
                    for node_id, row_ids in have.items():
                        if node_id not in wanted:
                            deletes.extend(row_ids)
                            dropped.add(node_id)
            if not missing and not dropped:
                continue
            nodes = []
            for node_id, row_ids in have.items():
                if node_id not in dropped:
                    nodes.extend([node_id] * len(row_ids))
                elif state != 'absent' and node_id in wanted:
                    nodes.append(node_id)      # the oldest row of a wanted node is kept
            if missing:
                missing.sort()
                for node_id in missing:
                    triple = (pipeline_id, node_id, location)
                    inserts.append(triple)
                    # An inserted triple is one no row has: what the pipeline gains, once.
                    if not added or added[-1] != triple:
                        added.append(triple)
                nodes.extend(missing)
            nodes.sort()
            after[pipeline_id][location] = nodes

    # What the pipelines lose: a deleted row's triple that no kept row still holds.
    deleted = frozenset(deletes)
    removed = []
    if deleted:
        gone = set((r.pipeline_id, r.node_id, r.location) for r in rows if r.id in deleted)
        gone.difference_update((r.pipeline_id, r.node_id, r.location) for r in rows if r.id not in deleted)
        removed = sorted(gone, key=_triple_key)

    unserved = []
    under = []
    for pipeline_id in pipeline_ids:
        locations = after[pipeline_id]
        for location in LOCATIONS:
            left = known_node_ids.intersection(locations[location])
            if not left:
                now = sorted(known_node_ids.intersection(before[pipeline_id][location]))
                unserved.append((pipeline_id, location, now))
            elif len(left) < min_nodes:
                under.append((pipeline_id, location, sorted(left)))

    return LayoutPlan(
        inserts=inserts,
        deletes=sorted(deleted),
        added=added,
        removed=removed,
        duplicates=sorted(duplicates),
        before=before,
        after=after,
        unserved=unserved,
        under=under,
    )


def merge_wants(entries, label):
    """{pipeline_id: {location: (state, [node ids])}} from resolved layout entries, each
    (pipelines, {location: [node ids]}, state). A pipeline location that two entries manage with a
    different state or node set is refused, naming the pipeline and both entries (label(i))."""
    wants = {}
    owner = {}
    for index, (pipelines, desired, state) in enumerate(entries):
        # One want per location of the entry, shared by its pipelines (nothing changes a want once made).
        entry_wants = [(location, (state, sorted(node_ids))) for location, node_ids in desired.items()]
        if not entry_wants:
            continue
        for pipeline in pipelines:
            mine = wants.setdefault(pipeline.id, {})
            for location, want in entry_wants:
                had = mine.get(location)
                if had is None:
                    mine[location] = want
                    owner[(pipeline.id, location)] = index
                elif had != want:
                    other = owner[(pipeline.id, location)]
                    raise RequestError(
                        '%s and %s both manage %s %s, with different nodes: %s has %s %s, %s has %s %s; give one '
                        'pipeline location one declaration (nothing was changed)'
                        % (label(other), label(index), pipeline_label(pipeline), location, label(other), had[0],
                           had[1], label(index), state, want[1]))
    return wants


def changed_pipelines(plan):
    """IDs of the pipelines whose rows the plan touches."""
    return sorted(pid for pid, locations in plan.before.items() if locations != plan.after.get(pid))


# ---------------------------------------------------------------------------------------------
# Reports. A converge reports what it did grouped, so that its result grows with the number of
# distinct layouts and changes, not with the number of pipelines: a fleet of 1,000 pipelines on the
# same nodes is one entry.

def pipelines_report(pipelines, layout):
    """The per-pipeline layout (otter_info's `pipelines`): one entry per pipeline, node IDs per
    location without repeats."""
    report = []
    for pipeline in pipelines:
        locations = layout.get(pipeline.id, {})
        report.append(dict(
            id=pipeline.id,
            name=pipeline.name,
            channel=dict(id=pipeline.channel_id, name=pipeline.channel_name),
            nodes=dict((loc, sorted(set(nodes))) for loc, nodes in locations.items()),
        ))
    return report


def _node_sets(locations):
    return tuple((loc, tuple(sorted(set(locations[loc])))) for loc in sorted(locations, key=location_order))


def layouts_report(pipeline_ids, layout):
    """The `layouts` return value: the pipelines grouped by identical node sets per location,
    [{pipelines: [ids], nodes: {location: [node ids]}}], in the order of each group's first pipeline."""
    groups = {}
    order = []
    for pipeline_id in sorted(pipeline_ids):
        key = _node_sets(layout[pipeline_id])
        members = groups.get(key)
        if members is None:
            members = groups[key] = []
            order.append(key)
        members.append(pipeline_id)
    return [dict(pipelines=groups[key], nodes=dict((loc, list(nodes)) for loc, nodes in key)) for key in order]


def changes_by_location(added, removed):
    """{(pipeline_id, location): ([node ids gained], [node ids lost])} from the plan's added and removed
    triples, each list in the order of the triples."""
    per_location = {}
    for index, triples in ((0, added), (1, removed)):
        for pipeline_id, node_id, location in triples:
            key = (pipeline_id, location)
            changes = per_location.get(key)
            if changes is None:
                changes = per_location[key] = ([], [])
            changes[index].append(node_id)
    return per_location


def changes_report(added, removed):
    """The `changes` return value: what each pipeline location gains and loses, grouped by identical
    change, [{location, added: [node ids], removed: [node ids], pipelines: [ids]}], in the order of
    each group's first pipeline, then location."""
    groups = {}
    for (pipeline_id, location), (gained, lost) in changes_by_location(added, removed).items():
        key = (location, tuple(sorted(gained)), tuple(sorted(lost)))
        members = groups.get(key)
        if members is None:
            groups[key] = [pipeline_id]
        else:
            members.append(pipeline_id)
    ordered = sorted(groups.items(), key=lambda item: (min(item[1]), location_order(item[0][0])))
    return [dict(location=location, added=list(gained), removed=list(lost), pipelines=sorted(pids))
            for (location, gained, lost), pids in ordered]


def layout_text(pipelines, layout, node_names=None):
    """The layout as an operator reads it in a diff: a block per pipeline, a line per location,
    each node by ID and name; a repeated node is what a duplicate row looks like."""
    names = node_names or {}
    lines = []
    for pipeline in pipelines:
        lines.append(pipeline_label(pipeline))
        locations = layout.get(pipeline.id, {})
        for location in sorted(locations, key=location_order):
            nodes = locations[location]
            shown = ', '.join('%d %s' % (n, names[n]) if n in names else str(n) for n in nodes)
            lines.append('  %-7s %s' % (location, shown or '-'))
    return '\n'.join(lines) + '\n'


def rows_after(rows, plan, pipeline_ids=None):
    """The relation rows as they will be after the plan, of every pipeline or of these pipeline IDs;
    inserted rows have no ID yet (None)."""
    deleted = frozenset(plan.deletes)
    if pipeline_ids is not None:
        rows = [r for r in rows if r.pipeline_id in pipeline_ids]
    return ([r for r in rows if r.id not in deleted]
            + [Relation(None, pid, nid, loc, None, None) for pid, nid, loc in plan.inserts
               if pipeline_ids is None or pid in pipeline_ids])


Naming = namedtuple('Naming', [
    'nodes',              # {node id: reference} of the nodes a reference can name (references.referable)
    'pipelines',          # {pipeline id: reference}, the same among all the manager's pipelines
    'unnamed_nodes',      # {node id: [pipelines that use it]}: nodes of NODE, at the three locations, none names
    'unnamed_pipelines',  # [pipelines] that none names
])


def naming(pipelines, layout, nodes, every_pipeline):
    """How a declaration names these pipelines and the nodes they use, and what it cannot name: the one
    decision declaration_of leaves pipelines out by and audit.unreferable reports. layout: {pipeline id:
    {location: node ids}}; every_pipeline: all pipelines of the manager (a name is unique only among them all)."""
    node_refs = referable(nodes)
    pipeline_refs = referable(every_pipeline)
    known = set(n.id for n in nodes)
    unnamed_nodes = {}
    unnamed_pipelines = []
    for pipeline in sorted(pipelines, key=lambda p: p.id):
        locations = layout.get(pipeline.id, {})
        used = set(n for loc in LOCATIONS for n in locations.get(loc, []))
        for node_id in sorted(used):
            if node_id in known and node_id not in node_refs:
                unnamed_nodes.setdefault(node_id, []).append(pipeline)
        if pipeline.id not in pipeline_refs:
            unnamed_pipelines.append(pipeline)
    return Naming(node_refs, pipeline_refs, unnamed_nodes, unnamed_pipelines)


def declaration_of(pipelines, layout, nodes, every_pipeline):
    """The current layout as declaration entries (the role's node_ha_layouts, otter_pipeline_nodes'
    layouts): the pipelines grouped by identical node sets per location, each entry with state
    exact, pipelines and nodes by name where the name is unambiguous, else by ID. Nodes missing from
    NODE and locations without a node are left out (a converge with the entries removes the first
    and leaves the second alone). Given back unchanged, the entries change nothing but those rows.

    every_pipeline: all pipelines of the manager, to tell whether a pipeline's name is unique.
    A pipeline that no reference can name, or that uses such a node, is left out: an entry for it
    could not be given back (naming; audit.unreferable says why)."""
    names = naming(pipelines, layout, nodes, every_pipeline)
    node_refs = names.nodes
    pipeline_refs = names.pipelines
    left_out = set(p.id for p in names.unnamed_pipelines)
    left_out.update(p.id for users in names.unnamed_nodes.values() for p in users)
    groups = {}
    for pipeline in sorted(pipelines, key=lambda p: p.id):
        if pipeline.id in left_out:
            continue
        locations = layout[pipeline.id]
        key = tuple((loc, tuple(sorted(set(n for n in locations.get(loc, []) if n in node_refs))))
                    for loc in LOCATIONS)
        groups.setdefault(key, []).append(pipeline)
    entries = []
    for key, members in sorted(groups.items(), key=lambda item: item[1][0].id):
        sets = dict((loc, [node_refs[n] for n in node_ids]) for loc, node_ids in key if node_ids)
        entry = dict(pipelines=[pipeline_refs[p.id] for p in members], state='exact')
        if len(sets) == len(LOCATIONS) and len(set(tuple(v) for v in sets.values())) == 1:
            entry['nodes'] = sets['SELECT']
        else:
            for location, option in OVERRIDES:
                if location in sets:
                    entry[option] = sets[location]
            if len(sets) < len(LOCATIONS):
                entry['locations'] = [loc for loc in LOCATIONS if loc in sets]
        if sets:
            entries.append(entry)
    return entries
