# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every SQL statement the collection sends to the Otter manager database, table by table.

Each function takes ``db``, the database adapter (``mysql.Database``: fetch, write, render and
check_mode), and returns the collection's objects. Values are always bound as parameters and
statements are written as the manager writes them (explicit column lists, NOW() timestamps), so
they work under strict and non-strict sql_mode. No driver is imported here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.otter.ha.plugins.module_utils.errors import DatabaseError, LockTimeout
from ansible_collections.otter.ha.plugins.module_utils.objects import Channel, Cluster, Node, Pipeline, Relation
from ansible_collections.otter.ha.plugins.module_utils.references import lookup_keys

# Rows per INSERT or DELETE statement: big enough that a 1,000-pipeline fleet is one statement,
# small enough to stay far below the smallest max_allowed_packet (4 MiB on MySQL 5.7).
WRITE_CHUNK = 10000

NODE_COLUMNS = 'n.ID, n.NAME, n.IP, n.PORT, n.DESCRIPTION, n.PARAMETERS'


def placeholders(values):
    """'%s, %s, ...' for an IN list of these values (never empty: callers check)."""
    return ', '.join(['%s'] * len(values))


def _node(record):
    return Node(int(record[0]), record[1], record[2], int(record[3]), record[4], record[5])


# ---------------------------------------------------------------------------------------------
# Transactions

def begin_read_only(db):
    """A read-only transaction whose reads all see one snapshot and take no lock: what otter_info
    and every check mode run in. It works on a read_only server and with a SELECT-only account."""
    db.fetch('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT')


def _engines_column(tables):
    """A derived table with one row: the storage engine of each of these tables, as 'NAME=ENGINE,...'.
    Joined into a read the module makes anyway, it costs no statement of its own."""
    names = ', '.join("'%s'" % t for t in tables)
    return ("(SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, '=', IFNULL(ENGINE, '?')) ORDER BY TABLE_NAME) AS ENGINES "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (%s)) e" % names)


def require_transactional(engines_text, tables):
    """Refuse to write to a table that cannot roll back: on MyISAM or Aria a failed run would keep
    its deletes, and no row lock would hold a concurrent run off."""
    engines = dict(item.split('=', 1) for item in (engines_text or '').split(',') if '=' in item)
    wrong = ['%s is %s' % (table, engines[table]) for table in tables if engines.get(table, 'InnoDB') != 'InnoDB']
    if wrong:
        raise DatabaseError('refusing to write: %s, not InnoDB, so a failed run could not be rolled back and '
                            'concurrent runs could not be kept apart; convert it (ALTER TABLE ... ENGINE=InnoDB) '
                            'first (nothing was written)' % '; '.join(wrong))


# ---------------------------------------------------------------------------------------------
# NODE

def read_nodes(db, lock=None, writes=()):
    """Every NODE row, by ID. The table holds one row per machine, so reading it whole is one cheap
    query that serves resolution, the dangling-row check and the identity rule at once.

    lock: 'share' locks the rows until the transaction ends, so that no node a layout uses can be
    removed under it (a removal waits, or times out after lock_timeout); 'update' locks them (and the
    gaps between them) for a registration, so that concurrent registrations queue. Never in check mode.
    writes: tables this transaction will write; their engines are read in the same statement and
    a table that is not transactional is refused.
    """
    if writes:
        sql = ('SELECT %s, e.ENGINES FROM %s LEFT JOIN NODE n ON TRUE ORDER BY n.ID'
               % (NODE_COLUMNS, _engines_column(writes)))
    else:
        sql = 'SELECT %s FROM NODE n ORDER BY n.ID' % NODE_COLUMNS
    locking = lock and not db.check_mode
    if locking:
        sql += ' LOCK IN SHARE MODE' if lock == 'share' else ' FOR UPDATE'
    try:
        rows = db.fetch(sql)
    except LockTimeout as exc:
        if not locking:
            raise
        # Say whose lock it can be: a removal that waits for a converge in flight should say so.
        raise LockTimeout('%s; it waited to lock the NODE rows, which a converge holds for the nodes it uses and a '
                          'node registration or removal holds for all nodes, each until it commits; nothing was '
                          'written' % exc)
    if writes:
        require_transactional(rows[0][6] if rows else None, writes)
    return [_node(r) for r in rows if r[0] is not None]


def insert_node(db, columns):
    """INSERT the node with the manager's column list; returns its ID (None in check mode)."""
    names = [c for c, _v in columns]
    db.write('INSERT INTO NODE (%s, GMT_CREATE, GMT_MODIFIED) VALUES (%s, NOW(), NOW())'
             % (', '.join(names), placeholders(names)), [v for _c, v in columns])
    if db.check_mode:
        return None
    return int(db.fetch('SELECT LAST_INSERT_ID()')[0][0])


def update_node(db, node_id, columns):
    db.write('UPDATE NODE SET %s, GMT_MODIFIED = NOW() WHERE ID = %%s' % ', '.join('%s = %%s' % c for c, _v in columns),
             [v for _c, v in columns] + [node_id])


def delete_node(db, node_id):
    db.write('DELETE FROM NODE WHERE ID = %s', (node_id,))


# ---------------------------------------------------------------------------------------------
# AUTOKEEPER_CLUSTER

def read_clusters(db):
    return [Cluster(int(r[0]), r[1]) for r in db.fetch('SELECT ID, CLUSTER_NAME FROM AUTOKEEPER_CLUSTER ORDER BY ID')]


def read_cluster_servers(db):
    """[(Cluster, SERVER_LIST text)] of every ZooKeeper cluster, by ID: the ensembles the nodes use
    (NODE.PARAMETERS names its cluster by ID; ensemble.parse_server_list reads the JSON)."""
    return [(Cluster(int(r[0]), r[1]), r[2])
            for r in db.fetch('SELECT ID, CLUSTER_NAME, SERVER_LIST FROM AUTOKEEPER_CLUSTER ORDER BY ID')]


# ---------------------------------------------------------------------------------------------
# CHANNEL and PIPELINE

def read_selection(db, channel_refs, pipeline_refs):
    """(channels, pipelines) that the references may name, in one query: every channel a channel
    reference may name with all its pipelines, and every pipeline a pipeline reference may name.
    None for both references reads every channel and pipeline."""
    conditions = []
    args = []
    for table, refs in (('c', channel_refs), ('p', pipeline_refs)):
        ids, names = lookup_keys(refs)
        if ids:
            conditions.append('%s.ID IN (%s)' % (table, placeholders(ids)))
            args.extend(ids)
        if names:
            conditions.append('%s.NAME IN (%s)' % (table, placeholders(names)))
            args.extend(names)
    sql = ('SELECT c.ID, c.NAME, p.ID, p.NAME, UNIX_TIMESTAMP(p.GMT_MODIFIED) FROM CHANNEL c '
           'LEFT JOIN PIPELINE p ON p.CHANNEL_ID = c.ID')
    if channel_refs is not None or pipeline_refs is not None:
        if not conditions:
            return [], []
        sql += ' WHERE %s' % ' OR '.join(conditions)
    channels = {}
    pipelines = []
    # Sorted here rather than by the server, which would sort a temporary table.
    for cid, cname, pid, pname, modified in db.fetch(sql, args):
        channels.setdefault(int(cid), Channel(int(cid), cname))
        if pid is not None:
            pipelines.append(Pipeline(int(pid), pname, int(cid), cname, float(modified) if modified else None))
    return [channels[c] for c in sorted(channels)], sorted(pipelines, key=lambda p: p.id)


def read_pipelines(db, pipeline_ids):
    """{id: Pipeline} of the pipelines among these IDs that exist."""
    ids = sorted(set(pipeline_ids))
    if not ids:
        return {}
    rows = db.fetch('SELECT p.ID, p.NAME, p.CHANNEL_ID, c.NAME FROM PIPELINE p LEFT JOIN CHANNEL c ON c.ID = '
                    'p.CHANNEL_ID WHERE p.ID IN (%s) ORDER BY p.ID' % placeholders(ids), ids)
    return dict((int(r[0]), Pipeline(int(r[0]), r[1], int(r[2]), r[3])) for r in rows)


# ---------------------------------------------------------------------------------------------
# PIPELINE_NODE_RELATION

def _seconds(text):
    """A UNIX_TIMESTAMP read as text: whole seconds for a column without fractions, as the server sends it."""
    return int(text) if text.isdigit() else float(text)


def read_relations(db, pipelines, lock=False, timestamps=False):
    """The relation rows of these pipelines, by row ID.

    lock: lock the PIPELINE rows and their relation rows in one locking read. The write locks are
    what serialise concurrent runs: PIPELINE is the outer table of the join, read through its
    primary key whatever the size of the list (a long IN list makes the optimizer prefer the
    CHANNEL_ID index), so every run takes its pipelines in ID order and two runs on overlapping
    pipelines queue instead of deadlocking; a locking read also sees the latest committed rows.
    Without lock (check mode, audits) nothing is locked and the transaction's snapshot is read.
    Timestamps are read only when asked for (a backup), as seconds since the epoch: exact whatever
    the session's time zone (no DST fold), and 0 only for a zero date, which no TIMESTAMP can
    otherwise hold.

    Each row comes as one text column (IDs, timestamps, then LOCATION, the only column that may
    hold a space, so splitting at the first spaces keeps it whole): the driver decodes columns one
    by one in Python, and a fleet reads thousands of rows. Sorting is left to the client.
    """
    ids = [p.id for p in pipelines]
    if not ids:
        return []
    fields = 'p.ID, r.ID, r.NODE_ID, ' + ('IFNULL(UNIX_TIMESTAMP(r.GMT_CREATE), 0), IFNULL(UNIX_TIMESTAMP(r.GMT_MODIFIED), 0), '
                                          if timestamps else '') + 'r.LOCATION'
    found = db.fetch("SELECT CONCAT_WS(' ', %s) FROM PIPELINE p FORCE INDEX (PRIMARY) LEFT JOIN PIPELINE_NODE_RELATION r "
                     'ON r.PIPELINE_ID = p.ID WHERE p.ID IN (%s)%s'
                     % (fields, placeholders(ids), ' FOR UPDATE' if lock else ''), ids)
    width = 6 if timestamps else 4
    present = set()
    rows = []
    for (packed,) in found:
        values = packed.split(' ', width - 1)
        present.add(int(values[0]))
        if len(values) == width:      # a pipeline without rows is its ID alone (CONCAT_WS skips NULLs)
            rows.append(Relation(int(values[1]), int(values[0]), int(values[2]), values[-1],
                                 _seconds(values[3]) if timestamps else None,
                                 _seconds(values[4]) if timestamps else None))
    gone = sorted(set(ids) - present)
    if gone:
        raise DatabaseError('pipeline(s) %s were deleted by another session during this run; nothing was written'
                            % ', '.join(str(i) for i in gone))
    rows.sort(key=lambda r: r.id)
    return rows


def read_node_relations(db, node_id):
    """The relation rows that reference a node. Outside check mode a locking read: NODE_ID has no
    index, so the server locks the whole table until the transaction ends, and no relation row for
    the node can appear between this read and the delete."""
    rows = db.fetch('SELECT r.ID, r.PIPELINE_ID, r.NODE_ID, r.LOCATION FROM PIPELINE_NODE_RELATION r '
                    'WHERE r.NODE_ID = %%s ORDER BY r.ID%s' % ('' if db.check_mode else ' FOR UPDATE'), (node_id,))
    return [Relation(int(r[0]), int(r[1]), int(r[2]), r[3], None, None) for r in rows]


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


def touch_pipelines(db, pipeline_ids):
    """Stamp PIPELINE.GMT_MODIFIED of the pipelines whose layout changed, as the manager's own edit does:
    a channel whose pipelines changed after its last start has a push pending (audit.push_pending)."""
    ids = sorted(pipeline_ids)
    if ids:
        db.write('UPDATE PIPELINE SET GMT_MODIFIED = NOW() WHERE ID IN (%s)' % placeholders(ids), ids)


def delete_relations(db, row_ids):
    ids = sorted(row_ids)
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = ids[start:start + WRITE_CHUNK]
        db.write('DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (%s)' % placeholders(chunk), chunk)


def _stamp(seconds):
    """A timestamp read by read_relations as it is written back in UTC; 0 is the zero date."""
    if not seconds:
        return '0000-00-00 00:00:00'
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(seconds))


def relations_restore_sql(db, pipeline_ids, rows):
    """SQL that puts these pipelines' relation rows back exactly as they are now (same IDs and
    timestamps, zero dates included), in one transaction: the content of a backup file. The file
    sets its own session time zone (UTC) and a sql_mode that admits zero dates, so it restores the
    same values whatever the server's and the restoring client's settings."""
    ids = sorted(pipeline_ids)
    lines = [
        '-- PIPELINE_NODE_RELATION rows of pipelines %s, saved by otter.ha before a change.' % ', '.join(
            str(i) for i in ids),
        '-- Restore with: mysql <connection options> <database> < this-file',
        "SET SESSION time_zone = '+00:00';",
        "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';",
        'START TRANSACTION;',
        db.render('DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID IN (%s);' % placeholders(ids), ids),
    ]
    for row in sorted(rows, key=lambda r: r.id):
        lines.append(db.render(
            'INSERT INTO PIPELINE_NODE_RELATION (ID, NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
            'VALUES (%s, %s, %s, %s, %s, %s);',
            [row.id, row.node_id, row.pipeline_id, row.location, _stamp(row.gmt_create), _stamp(row.gmt_modified)]))
    lines.append('COMMIT;')
    return '\n'.join(lines) + '\n'
