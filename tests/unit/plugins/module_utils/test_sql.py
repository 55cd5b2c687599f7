# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every SQL statement of the collection, run through the real mysql.Database against the shared
fake database: what is sent, what is locked, what is refused, and the backup file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.otter.ha.plugins.module_utils import sql
from ansible_collections.otter.ha.plugins.module_utils.errors import DatabaseError, LockTimeout
from ansible_collections.otter.ha.plugins.module_utils.objects import Channel, Node, Pipeline, Relation
from ansible_collections.otter.ha.tests.unit.plugins.fakes import NOW, FakeServer, error
from ansible_collections.otter.ha.tests.unit.plugins.layouts import CLUSTERS, FULL, NODES, PIPELINES, UI_STATE

EMOJI = u'sync\U0001F600'


@pytest.fixture
def server():
    return FakeServer.bidirectional(channels=[(1, 'sync-ab'), (2, 'sync-cd'), (3, 'empty')],
                                    pipelines=[(1, 'a-to-b', 1), (2, 'b-to-a', 1), (3, 'a-to-b', 2), (4, 'd-to-c', 2)])


# ---------------------------------------------------------------------------------------------
# Transactions and NODE

def test_read_only_snapshot(server):
    sql.begin_read_only(server.open())
    assert server.statements == ['START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT']


def test_read_nodes_is_one_plain_read_of_the_whole_table(server):
    assert sql.read_nodes(server.open()) == NODES
    assert server.statements == ['SELECT n.ID, n.NAME, n.IP, n.PORT, n.DESCRIPTION, n.PARAMETERS FROM NODE n ORDER BY n.ID']
    assert server.locking_reads() == []


@pytest.mark.parametrize('lock, suffix', [('share', ' ORDER BY n.ID LOCK IN SHARE MODE'),
                                          ('update', ' ORDER BY n.ID FOR UPDATE')])
def test_read_nodes_locks_the_rows_but_never_in_check_mode(server, lock, suffix):
    sql.read_nodes(server.open(), lock=lock)
    assert server.statements[-1].endswith(suffix)
    sql.read_nodes(server.open(check_mode=True), lock=lock)
    assert server.statements[-1].endswith(' ORDER BY n.ID')


@pytest.mark.parametrize('lock', ['share', 'update'])
def test_a_lock_timeout_on_the_node_rows_says_whose_lock_it_can_be(server, lock):
    # A removal waiting for a converge in flight (which share-locks the nodes it uses) must say so.
    server.fail_on('FROM NODE n ORDER BY n.ID', error(1205, 'Lock wait timeout exceeded; try restarting transaction'))
    with pytest.raises(LockTimeout) as raised:
        sql.read_nodes(server.open(), lock=lock)
    text = str(raised.value)
    assert text.startswith('timed out after lock_timeout waiting for a lock held by another session')
    assert 'it waited to lock the NODE rows, which a converge holds for the nodes it uses' in text
    assert text.endswith('nothing was written')


def test_a_lock_timeout_of_a_read_that_locks_nothing_is_left_as_it_is(server):
    # A metadata lock (LOCK TABLES NODE WRITE) stops a plain read too: no row lock to name then.
    server.fail_on('FROM NODE n ORDER BY n.ID', error(1205, 'Lock wait timeout exceeded; try restarting transaction'))
    with pytest.raises(LockTimeout) as raised:
        sql.read_nodes(server.open(check_mode=True), lock='share')
    assert 'NODE rows' not in str(raised.value)


def test_read_nodes_for_a_writer_reads_the_engines_in_the_same_statement(server):
    assert sql.read_nodes(server.open(), writes=('NODE', 'PIPELINE_NODE_RELATION')) == NODES
    (statement,) = server.statements
    assert "information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('NODE', " \
           "'PIPELINE_NODE_RELATION')" in statement


@pytest.mark.parametrize('nodes', [NODES, []])
def test_a_table_that_cannot_roll_back_is_refused_naming_table_and_engine(nodes):
    server = FakeServer(nodes=nodes, engines={'PIPELINE_NODE_RELATION': 'MyISAM'})
    with pytest.raises(DatabaseError) as caught:
        sql.read_nodes(server.open(), writes=('NODE', 'PIPELINE', 'PIPELINE_NODE_RELATION'))
    message = str(caught.value)
    assert message.startswith('refusing to write: PIPELINE_NODE_RELATION is MyISAM, not InnoDB')
    assert 'ALTER TABLE ... ENGINE=InnoDB' in message and '(nothing was written)' in message
    assert server.writes() == []


@pytest.mark.parametrize('engines, tables, wrong', [
    ('NODE=InnoDB,PIPELINE_NODE_RELATION=MyISAM', ('NODE', 'PIPELINE_NODE_RELATION'), 'PIPELINE_NODE_RELATION is MyISAM'),
    ('NODE=Aria,PIPELINE=InnoDB', ('NODE', 'PIPELINE'), 'NODE is Aria'),
    ('NODE=MyISAM,PIPELINE=MEMORY', ('NODE', 'PIPELINE'), 'NODE is MyISAM; PIPELINE is MEMORY'),
    ('NODE=?', ('NODE',), 'NODE is ?'),
])
def test_require_transactional(engines, tables, wrong):
    with pytest.raises(DatabaseError, match='refusing to write: %s, not InnoDB' % wrong.replace('?', r'\?')):
        sql.require_transactional(engines, tables)


@pytest.mark.parametrize('engines', ['NODE=InnoDB,PIPELINE=InnoDB', 'NODE=InnoDB', '', None])
def test_require_transactional_accepts_innodb_and_tables_it_was_not_told_about(engines):
    sql.require_transactional(engines, ('NODE', 'PIPELINE'))


def test_insert_node_returns_the_new_id(server):
    db = server.open()
    columns = [('NAME', 'node-d'), ('IP', '127.0.0.4'), ('PORT', 2088), ('DESCRIPTION', None), ('PARAMETERS', '{"a":1}')]
    assert sql.insert_node(db, columns) == 4
    assert db.executed_queries == ["INSERT INTO NODE (NAME, IP, PORT, DESCRIPTION, PARAMETERS, GMT_CREATE, GMT_MODIFIED) "
                                   "VALUES ('node-d', '127.0.0.4', 2088, NULL, '{\\\"a\\\":1}', NOW(), NOW())"]
    db.commit()
    assert server.nodes[-1] == Node(4, 'node-d', '127.0.0.4', 2088, None, '{"a":1}')


def test_insert_node_in_check_mode_sends_nothing_and_has_no_id(server):
    db = server.open(check_mode=True)
    assert sql.insert_node(db, [('NAME', 'node-d'), ('IP', '127.0.0.4'), ('PORT', 2088)]) is None
    assert len(db.executed_queries) == 1
    assert server.statements == []


def test_update_and_delete_node(server):
    db = server.open()
    sql.update_node(db, 2, [('PORT', 3088), ('DESCRIPTION', u"it's b\u00e4")])
    sql.delete_node(db, 3)
    assert db.executed_queries == [
        u"UPDATE NODE SET PORT = 3088, DESCRIPTION = 'it\\'s b\u00e4', GMT_MODIFIED = NOW() WHERE ID = 2",
        'DELETE FROM NODE WHERE ID = 3']
    db.commit()
    assert server.nodes == [NODES[0], NODES[1]._replace(port=3088, description=u"it's b\u00e4")]


def test_read_clusters(server):
    assert sql.read_clusters(server.open()) == CLUSTERS
    assert server.statements == ['SELECT ID, CLUSTER_NAME FROM AUTOKEEPER_CLUSTER ORDER BY ID']


# ---------------------------------------------------------------------------------------------
# CHANNEL and PIPELINE

def test_read_selection_of_everything_includes_channels_without_pipelines(server):
    channels, pipelines = sql.read_selection(server.open(), None, None)
    assert channels == [Channel(1, 'sync-ab'), Channel(2, 'sync-cd'), Channel(3, 'empty')]
    assert [p.id for p in pipelines] == [1, 2, 3, 4]
    assert pipelines[2] == Pipeline(3, 'a-to-b', 2, 'sync-cd', float(NOW))
    assert ' WHERE ' not in server.statements[-1]
    assert 'UNIX_TIMESTAMP(p.GMT_MODIFIED)' in server.statements[-1]


def test_read_selection_of_a_pipeline_never_modified():
    server = FakeServer(channels=[(1, 'c')], pipelines=[(1, 'p', 1, None, 0)])
    assert sql.read_selection(server.open(), None, None)[1] == [Pipeline(1, 'p', 1, 'c', None)]


def test_read_selection_looks_refs_up_as_ids_and_as_names_in_one_query(server):
    channels, pipelines = sql.read_selection(server.open(), ['2', 'sync-ab'], ['d-to-c'])
    assert [c.id for c in channels] == [1, 2]
    assert [p.id for p in pipelines] == [1, 2, 3, 4]
    (statement,) = server.statements
    assert statement.endswith("WHERE c.ID IN (2) OR c.NAME IN ('2', 'sync-ab') OR p.NAME IN ('d-to-c')")


def test_read_selection_of_pipelines_only(server):
    channels, pipelines = sql.read_selection(server.open(), None, ['3'])
    assert channels == [Channel(2, 'sync-cd')]
    assert pipelines == [Pipeline(3, 'a-to-b', 2, 'sync-cd', float(NOW))]


@pytest.mark.parametrize('refs', [[EMOJI], [u'sync\x00ab'], [EMOJI, u'\x00']])
def test_references_no_utf8_column_can_hold_are_never_sent(server, refs):
    assert sql.read_selection(server.open(), refs, None) == ([], [])
    assert server.statements == []


def test_only_the_storable_names_are_sent(server):
    """The fake answers an unstorable name as MySQL does (Illegal mix of collations)."""
    channels, _pipelines = sql.read_selection(server.open(), [EMOJI, 'sync-cd', u'a\x00'], [u'\U0001F600'])
    assert channels == [Channel(2, 'sync-cd')]
    assert server.statements[-1].endswith("WHERE c.NAME IN ('sync-cd')")


def test_read_pipelines(server):
    assert sql.read_pipelines(server.open(), []) == {}
    assert server.statements == []
    assert sql.read_pipelines(server.open(), [4, 9, 1, 4]) == {1: PIPELINES[0], 4: Pipeline(4, 'd-to-c', 2, 'sync-cd')}


# ---------------------------------------------------------------------------------------------
# PIPELINE_NODE_RELATION

def test_read_relations_reads_the_rows_of_the_pipelines_by_row_id(server):
    assert sql.read_relations(server.open(), PIPELINES) == UI_STATE
    assert sql.read_relations(server.open(), [Pipeline(4, 'd-to-c', 2, 'sync-cd')]) == []
    assert sql.read_relations(server.open(), []) == []
    assert server.locking_reads() == []


def test_read_relations_with_lock_locks_pipelines_and_rows(server):
    sql.read_relations(server.open(), PIPELINES, lock=True)
    assert server.statements[-1] == ("SELECT CONCAT_WS(' ', p.ID, r.ID, r.NODE_ID, r.LOCATION) FROM PIPELINE p "
                                     'FORCE INDEX (PRIMARY) LEFT JOIN PIPELINE_NODE_RELATION r ON r.PIPELINE_ID = p.ID '
                                     'WHERE p.ID IN (1, 2) FOR UPDATE')


def test_read_relations_with_timestamps(server):
    (first,) = sql.read_relations(server.open(), PIPELINES[:1], timestamps=True)[:1]
    assert first == Relation(1, 1, 1, 'SELECT', NOW, NOW)
    assert 'UNIX_TIMESTAMP(r.GMT_CREATE), 0), IFNULL(UNIX_TIMESTAMP(r.GMT_MODIFIED)' in server.statements[-1]


def test_a_pipeline_deleted_under_the_run_fails_it(server):
    with pytest.raises(DatabaseError, match='pipeline.s. 9 were deleted by another session during this run; nothing '
                                            'was written'):
        sql.read_relations(server.open(), PIPELINES + [Pipeline(9, 'gone', 1, 'sync-ab')], lock=True)


def test_read_node_relations_locks_outside_check_mode(server):
    assert sql.read_node_relations(server.open(), 1) == [UI_STATE[0], UI_STATE[1], UI_STATE[5]]
    assert server.statements[-1].endswith('WHERE r.NODE_ID = 1 ORDER BY r.ID FOR UPDATE')
    sql.read_node_relations(server.open(check_mode=True), 1)
    assert server.statements[-1].endswith('WHERE r.NODE_ID = 1 ORDER BY r.ID')


def test_insert_and_delete_relations_in_chunks(server, monkeypatch):
    monkeypatch.setattr(sql, 'WRITE_CHUNK', 2)
    db = server.open()
    sql.insert_relations(db, [(1, 2, 'SELECT'), (1, 2, 'EXTRACT'), (2, 1, 'LOAD')])
    sql.delete_relations(db, [6, 1, 3])
    sql.delete_relations(db, [])
    sql.insert_relations(db, [])
    assert db.executed_queries == [
        "INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) VALUES "
        "(2, 1, 'SELECT', NOW(), NOW()), (2, 1, 'EXTRACT', NOW(), NOW())",
        "INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) VALUES "
        "(1, 2, 'LOAD', NOW(), NOW())",
        'DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (1, 3)',
        'DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (6)',
    ]
    assert server.relations == [r[:4] for r in UI_STATE]  # nothing before the commit
    db.commit()
    assert server.relations == [(2, 1, 1, 'EXTRACT'), (4, 2, 2, 'SELECT'), (5, 2, 2, 'EXTRACT'),
                                (7, 1, 2, 'SELECT'), (8, 1, 2, 'EXTRACT'), (9, 2, 1, 'LOAD')]


def test_touch_pipelines_stamps_gmt_modified_as_the_manager_does(server):
    db = server.open()
    sql.touch_pipelines(db, [])
    sql.touch_pipelines(db, {2, 1})
    assert db.executed_queries == ['UPDATE PIPELINE SET GMT_MODIFIED = NOW() WHERE ID IN (1, 2)']
    db.commit()
    assert [p.modified for p in server.tables['pipelines']] == [server.now, server.now, NOW, NOW]


def test_writes_in_check_mode_are_recorded_and_not_sent(server):
    db = server.open(check_mode=True)
    sql.begin_read_only(db)
    sql.insert_relations(db, [(1, 2, 'SELECT')])
    sql.delete_relations(db, [1])
    db.commit()
    assert len(db.executed_queries) == 2
    assert server.statements == ['START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT']
    assert server.commits == 0


# ---------------------------------------------------------------------------------------------
# The backup file

def test_restore_sql_puts_the_rows_back_exactly_in_utc():
    server = FakeServer.bidirectional(relations=[(7, 1, 2, 'LOAD', 0, 1700000000), (3, 1, 1, 'SELECT', 1, 86399)])
    db = server.open()
    text = sql.relations_restore_sql(db, [2, 1], sql.read_relations(db, PIPELINES, timestamps=True))
    assert text == (
        '-- PIPELINE_NODE_RELATION rows of pipelines 1, 2, saved by otter.ha before a change.\n'
        '-- Restore with: mysql <connection options> <database> < this-file\n'
        "SET SESSION time_zone = '+00:00';\n"
        "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';\n"
        'START TRANSACTION;\n'
        'DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID IN (1, 2);\n'
        'INSERT INTO PIPELINE_NODE_RELATION (ID, NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
        "VALUES (3, 1, 1, 'SELECT', '1970-01-01 00:00:01', '1970-01-01 23:59:59');\n"
        'INSERT INTO PIPELINE_NODE_RELATION (ID, NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
        "VALUES (7, 2, 1, 'LOAD', '0000-00-00 00:00:00', '2023-11-14 22:13:20');\n"
        'COMMIT;\n')
    assert db.executed_queries == [] and server.writes() == []  # rendered, never sent


def test_restore_sql_restores_what_a_change_replaced():
    server = FakeServer.bidirectional(relations=FULL)
    db = server.open()
    saved = sql.read_relations(db, PIPELINES, timestamps=True)
    backup = sql.relations_restore_sql(db, [1, 2], saved)
    sql.delete_relations(db, [r.id for r in saved if r.node_id == 2])
    sql.insert_relations(db, [(1, 3, 'LOAD')])
    db.commit()
    assert len(server.relations) == 7
    connection = server.connect()
    for line in backup.splitlines():
        if line.startswith('--'):
            continue
        if line == 'COMMIT;':
            connection.commit()
        else:
            connection.cursor().execute(line.rstrip(';'))
    assert server.relations == [r[:4] for r in FULL]
    stamp = (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=NOW)).strftime('%Y-%m-%d %H:%M:%S')
    assert set(r.gmt_create for r in server.tables['relations']) == set([stamp])
