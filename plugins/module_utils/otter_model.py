# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Otter manager's objects as this collection sees them, the queries that read and write
them, and the resolution of the references (IDs or names) an inventory uses for them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re
from collections import namedtuple

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError, placeholders

Node = namedtuple('Node', ['id', 'name', 'ip'])
Pipeline = namedtuple('Pipeline', ['id', 'name', 'channel_id', 'channel_name'])
Relation = namedtuple('Relation', ['id', 'pipeline_id', 'node_id', 'location', 'gmt_create', 'gmt_modified'])

# Rows per INSERT or DELETE statement: big enough that a 1,000-pipeline fleet is one statement,
# small enough to stay far below the smallest max_allowed_packet (4 MiB on MySQL 5.7).
WRITE_CHUNK = 10000

_MAX_BIGINT = 2 ** 63 - 1
_DIGITS = re.compile(r'^[0-9]+$')


def ref_id(ref):
    """The ID a reference spells when it is written in digits, else None."""
    text = str(ref).strip()
    if _DIGITS.match(text):
        value = int(text)
        if 0 < value <= _MAX_BIGINT:
            return value
    return None


def _listing(items, limit=20):
    items = list(items)
    shown = ', '.join(items[:limit])
    if len(items) > limit:
        shown += ', ... (%d more)' % (len(items) - limit)
    return shown or 'none'


def _first_duplicate(resolved):
    """(id, [refs]) for the first ID that two references resolve to, else None."""
    seen = {}
    for ref, ident in resolved:
        seen.setdefault(ident, []).append(ref)
    for ident, refs in seen.items():
        if len(refs) > 1:
            return ident, refs
    return None


# ---------------------------------------------------------------------------------------------
# Nodes

def read_nodes(db):
    """Every NODE row. The table holds one row per machine, so reading it whole is one cheap
    query that serves name resolution and the dangling-row check at once."""
    return [Node(int(r[0]), r[1], r[2]) for r in db.fetch('SELECT ID, NAME, IP FROM NODE ORDER BY ID')]


def resolve_nodes(refs, nodes, option='nodes'):
    """NODE IDs for references written as IDs or NAMEs, in the order given.

    A reference in digits is an ID when a node has that ID, otherwise a name. NAME alone is not
    unique in NODE (the unique key is NAME + IP), so a name shared by two nodes is refused.
    """
    if not refs:
        raise OtterError('%s must list at least one node' % option)
    by_id = dict((n.id, n) for n in nodes)
    by_name = {}
    for node in nodes:
        by_name.setdefault(node.name, []).append(node)
    resolved = []
    for ref in refs:
        ident = ref_id(ref)
        if ident in by_id:
            resolved.append((ref, ident))
            continue
        matches = by_name.get(str(ref), [])
        if len(matches) == 1:
            resolved.append((ref, matches[0].id))
        elif matches:
            raise OtterError("%s: node name '%s' is ambiguous, it matches %s; use the node ID"
                             % (option, ref, _listing('%d (%s@%s)' % (n.id, n.name, n.ip) for n in matches)))
        else:
            raise OtterError("%s: node '%s' not found in NODE (known: %s)"
                             % (option, ref, _listing('%d %s' % (n.id, n.name) for n in nodes)))
    duplicate = _first_duplicate(resolved)
    if duplicate:
        raise OtterError('%s: node %d is listed more than once (%s)'
                         % (option, duplicate[0], ', '.join("'%s'" % r for r in duplicate[1])))
    return [ident for _ref, ident in resolved]


# ---------------------------------------------------------------------------------------------
# Channels and pipelines

def read_selection(db, channel_refs, pipeline_refs):
    """Rows (channel id, channel name, pipeline id, pipeline name) for every channel the
    references may name, with all its pipelines, and every pipeline they may name: one query."""
    conditions = []
    args = []
    for table, refs in (('c', channel_refs or []), ('p', pipeline_refs or [])):
        ids = sorted(set(i for i in (ref_id(r) for r in refs) if i is not None))
        names = sorted(set(str(r) for r in refs))
        if ids:
            conditions.append('%s.ID IN (%s)' % (table, placeholders(ids)))
            args.extend(ids)
        if names:
            conditions.append('%s.NAME IN (%s)' % (table, placeholders(names)))
            args.extend(names)
    if not conditions:
        return []
    sql = ('SELECT c.ID, c.NAME, p.ID, p.NAME FROM CHANNEL c LEFT JOIN PIPELINE p ON p.CHANNEL_ID = c.ID '
           'WHERE %s ORDER BY c.ID, p.ID' % ' OR '.join(conditions))
    return db.fetch(sql, args)


def _resolve_channels(refs, channels):
    by_name = dict((name, cid) for cid, name in channels.items())
    resolved = []
    for ref in refs:
        ident = ref_id(ref)
        if ident in channels:
            resolved.append((ref, ident))
        elif str(ref) in by_name:
            resolved.append((ref, by_name[str(ref)]))
        else:
            raise OtterError("channel '%s' not found in CHANNEL (looked up as ID and as NAME)" % ref)
    duplicate = _first_duplicate(resolved)
    if duplicate:
        raise OtterError('channel: channel %d is listed more than once (%s)'
                         % (duplicate[0], ', '.join("'%s'" % r for r in duplicate[1])))
    return [ident for _ref, ident in resolved]


def _describe(pipeline):
    return "%d (%s/%s)" % (pipeline.id, pipeline.channel_name, pipeline.name)


def resolve_selection(channel_refs, pipeline_refs, rows):
    """The pipelines that the channel and pipeline references select, sorted by ID.

    - channels only: every pipeline of those channels;
    - pipelines only: those pipelines, names looked up across all channels;
    - both: those pipelines, each of which must belong to one of the channels, names looked
      up inside those channels only.
    """
    channels = {}
    pipelines = {}
    for cid, cname, pid, pname in rows:
        channels[int(cid)] = cname
        if pid is not None:
            pipelines[int(pid)] = Pipeline(int(pid), pname, int(cid), cname)

    channel_ids = _resolve_channels(channel_refs, channels) if channel_refs else None

    if not pipeline_refs:
        by_channel = {}
        for pipeline in pipelines.values():
            by_channel.setdefault(pipeline.channel_id, []).append(pipeline)
        selected = []
        for cid in channel_ids:
            members = by_channel.get(cid)
            if not members:
                raise OtterError("channel '%s' (id %d) has no pipelines" % (channels[cid], cid))
            selected.extend(members)
        return sorted(selected, key=lambda p: p.id)

    in_scope = [p for p in pipelines.values() if channel_ids is None or p.channel_id in channel_ids]
    resolved = []
    for ref in pipeline_refs:
        ident = ref_id(ref)
        if ident in pipelines:
            pipeline = pipelines[ident]
            if channel_ids is not None and pipeline.channel_id not in channel_ids:
                raise OtterError("pipeline '%s' is pipeline %s, which is not in the given channel(s) %s"
                                 % (ref, _describe(pipeline),
                                    _listing("%d (%s)" % (c, channels[c]) for c in channel_ids)))
            resolved.append((ref, pipeline.id))
            continue
        matches = [p for p in in_scope if p.name == str(ref)]
        if len(matches) == 1:
            resolved.append((ref, matches[0].id))
        elif matches:
            raise OtterError("pipeline name '%s' is ambiguous, it matches pipelines %s; "
                             "name the channel too or use the pipeline ID"
                             % (ref, _listing(_describe(p) for p in sorted(matches))))
        else:
            elsewhere = [p for p in pipelines.values() if p.name == str(ref)]
            where = ''
            if elsewhere:
                where = ' (a pipeline of that name exists outside the given channels: %s)' % _listing(
                    _describe(p) for p in sorted(elsewhere))
            raise OtterError("pipeline '%s' not found in PIPELINE%s" % (ref, where))
    duplicate = _first_duplicate(resolved)
    if duplicate:
        raise OtterError('pipeline: pipeline %d is listed more than once (%s)'
                         % (duplicate[0], ', '.join("'%s'" % r for r in duplicate[1])))
    return sorted((pipelines[ident] for _ref, ident in resolved), key=lambda p: p.id)


def lock_and_read_relations(db, pipelines, timestamps=False):
    """Lock the PIPELINE rows of these pipelines and read their relation rows, in one locking read.

    The write locks are what serialise concurrent runs: PIPELINE is the outer table of the join
    and its rows are taken in ID order, so two runs on overlapping pipelines queue instead of
    deadlocking, and the relation rows come locked too. A locking read also sees the latest
    committed rows, not the snapshot of the transaction's first plain read.
    Timestamps are read only when asked for (a backup needs them; a plan does not).
    """
    ids = [p.id for p in pipelines]
    columns = 'p.ID, r.ID, r.NODE_ID, r.LOCATION' + (', r.GMT_CREATE, r.GMT_MODIFIED' if timestamps else '')
    found = db.fetch(
        'SELECT %s FROM PIPELINE p LEFT JOIN PIPELINE_NODE_RELATION r ON r.PIPELINE_ID = p.ID '
        'WHERE p.ID IN (%s) ORDER BY p.ID, r.ID FOR UPDATE' % (columns, placeholders(ids)), ids)
    locked = set()
    rows = []
    for record in found:
        pipeline_id = int(record[0])
        locked.add(pipeline_id)
        if record[1] is not None:
            rows.append(Relation(int(record[1]), pipeline_id, int(record[2]), record[3],
                                 record[4] if timestamps else None, record[5] if timestamps else None))
    gone = sorted(set(ids) - locked)
    if gone:
        raise OtterError('pipeline(s) %s were deleted by another session during this run; nothing was written'
                         % ', '.join(str(i) for i in gone))
    rows.sort(key=lambda r: r.id)
    return rows


# ---------------------------------------------------------------------------------------------
# PIPELINE_NODE_RELATION

def read_relations(db, pipeline_ids, for_update=False):
    """The relation rows of these pipelines (without timestamps). A locking read sees the latest
    committed rows, not the snapshot the transaction's first plain read took."""
    ids = list(pipeline_ids)
    if not ids:
        return []
    sql = ('SELECT ID, PIPELINE_ID, NODE_ID, LOCATION FROM PIPELINE_NODE_RELATION '
           'WHERE PIPELINE_ID IN (%s) ORDER BY ID' % placeholders(ids))
    if for_update:
        sql += ' FOR UPDATE'
    return [Relation(int(r[0]), int(r[1]), int(r[2]), r[3], None, None) for r in db.fetch(sql, ids)]


def insert_relations(db, triples):
    """Insert (pipeline_id, node_id, location) rows with the manager's own column list."""
    for start in range(0, len(triples), WRITE_CHUNK):
        chunk = triples[start:start + WRITE_CHUNK]
        values = ', '.join(['(%s, %s, %s, NOW(), NOW())'] * len(chunk))
        args = []
        for pipeline_id, node_id, location in chunk:
            args.extend((node_id, pipeline_id, location))
        db.write('INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
                 'VALUES ' + values, args)


def delete_relations(db, row_ids):
    ids = sorted(row_ids)
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = ids[start:start + WRITE_CHUNK]
        db.write('DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (%s)' % placeholders(chunk), chunk)


def relations_restore_sql(db, pipeline_ids, rows):
    """SQL that puts these pipelines' relation rows back exactly as they are now (same IDs and
    timestamps), in one transaction: the content of a backup file."""
    ids = sorted(pipeline_ids)
    lines = [
        '-- PIPELINE_NODE_RELATION rows of pipelines %s, saved by otter.ha before a change.' % ', '.join(
            str(i) for i in ids),
        '-- Restore with: mysql <connection options> <database> < this-file',
        'START TRANSACTION;',
        db.render('DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID IN (%s);' % placeholders(ids), ids),
    ]
    for row in sorted(rows, key=lambda r: r.id):
        # A zero date comes back as a string; NO_ZERO_DATE servers refuse it, so it becomes NOW().
        stamps = [v if isinstance(v, datetime.datetime) else None for v in (row.gmt_create, row.gmt_modified)]
        lines.append(db.render(
            'INSERT INTO PIPELINE_NODE_RELATION (ID, NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
            'VALUES (%s, %s, %s, %s, ' + ', '.join('%s' if v else 'NOW()' for v in stamps) + ');',
            [row.id, row.node_id, row.pipeline_id, row.location] + [v for v in stamps if v]))
    lines.append('COMMIT;')
    return '\n'.join(lines) + '\n'
