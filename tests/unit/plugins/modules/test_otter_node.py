# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_node end to end against the shared fake database: check mode sends no write and commits
nothing, a real run commits what check mode predicted and is then idempotent, removal refuses
before writing anything."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils.objects import Node, Relation
from ansible_collections.otter.ha.plugins.modules import otter_node as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import error
from ansible_collections.otter.ha.tests.unit.plugins.layouts import NODES, SEED_PARAMETERS
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

NEW_NODE = dict(name='node-d', ip='127.0.0.4', zk_cluster='default', description='site D')


def run_module(capsys, args, check_mode=False, diff=False):
    return run_main(capsys, module_under_test.main, args, check_mode=check_mode, diff=diff)


def test_check_mode_predicts_the_insert_and_a_real_run_commits_it(capsys, database):
    preview = run_module(capsys, NEW_NODE, check_mode=True, diff=True)
    assert preview['changed'] is True
    assert database.writes() == [] and database.commits == 0 and database.connections[-1].closed
    assert database.locking_reads() == []
    (insert,) = preview['executed_queries']
    assert insert.startswith("INSERT INTO NODE (NAME, IP, PORT, DESCRIPTION, PARAMETERS, GMT_CREATE, GMT_MODIFIED) "
                             "VALUES ('node-d', '127.0.0.4', 2088, 'site D', '{")
    assert preview['node']['id'] is None
    assert preview['diff'] == dict(before={}, after=preview['node'])

    real = run_module(capsys, NEW_NODE, diff=True)
    assert real['changed'] is True
    assert real['executed_queries'] == preview['executed_queries']
    assert database.writes() == preview['executed_queries'] and database.commits == 1
    assert real['node']['id'] == 4
    assert dict(real['node'], id=None) == preview['node']
    assert database.nodes[-1] == Node(4, 'node-d', '127.0.0.4', 2088, 'site D', SEED_PARAMETERS)

    again = run_module(capsys, NEW_NODE)
    assert again['changed'] is False and again['executed_queries'] == []
    assert again['node'] == real['node']
    assert 'diff' not in again


def test_a_node_as_the_ui_wrote_it_is_unchanged(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', zk_cluster='default', description='site A'),
                        diff=True)
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert database.commits == 0
    assert result['node']['id'] == 1
    assert result['diff']['before'] == result['diff']['after'] == result['node']


def test_update_in_check_mode_shows_the_diff_and_a_real_run_converges(capsys, database):
    args = dict(name='node-a', ip='127.0.0.1', port=3088)
    result = run_module(capsys, args, check_mode=True, diff=True)
    assert result['changed'] is True
    assert database.writes() == []
    assert result['executed_queries'][0].startswith("UPDATE NODE SET PORT = 3088, PARAMETERS = '{")
    assert result['executed_queries'][0].endswith(', GMT_MODIFIED = NOW() WHERE ID = 1')
    assert (result['diff']['before']['port'], result['diff']['after']['port']) == (2088, 3088)
    assert (result['diff']['before']['mbean_port'], result['diff']['after']['mbean_port']) == (2090, 3090)
    real = run_module(capsys, args)
    assert real['executed_queries'] == result['executed_queries']
    stored = json.loads(database.nodes[0].parameters)
    assert (database.nodes[0].port, stored['downloadPort'], stored['mbeanPort']) == (3088, 3089, 3090)
    assert stored['zkCluster']['serverList'] == ['127.0.0.1:2181']  # the UI's cluster object is kept
    assert run_module(capsys, args)['changed'] is False


def test_omitted_keys_keep_what_is_stored(capsys, database):
    database.tables['nodes'][1] = database.tables['nodes'][1]._replace(port=3000)
    result = run_module(capsys, dict(name='node-b', ip='127.0.0.2', zk_cluster='default'))
    assert result['changed'] is False
    assert (result['node']['port'], result['node']['download_port'], result['node']['description']) == (3000, 2089, 'site B')


def test_registration_locks_the_node_table_outside_check_mode(capsys, database):
    run_module(capsys, dict(name='node-a', ip='127.0.0.1'))
    assert database.locking_reads()[0].endswith('ORDER BY n.ID FOR UPDATE')
    database.statements[:] = []
    run_module(capsys, dict(name='node-a', ip='127.0.0.1'), check_mode=True)
    assert database.locking_reads() == []


def test_several_nodes_in_one_transaction(capsys, database):
    args = dict(nodes=[dict(name='node-d', ip='127.0.0.4', zk_cluster='default'),
                       dict(name='node-b', ip='127.0.0.2', port=3088)])
    preview = run_module(capsys, args, check_mode=True, diff=True)
    assert [n['id'] for n in preview['nodes']] == [None, 2]
    assert database.writes() == []
    result = run_module(capsys, args, diff=True)
    assert result['changed'] is True
    assert [q.split(' ')[0] for q in result['executed_queries']] == ['INSERT', 'UPDATE']
    assert result['executed_queries'] == preview['executed_queries']
    assert database.commits == 1
    assert [(n['id'], n['name'], n['port']) for n in result['nodes']] == [(4, 'node-d', 2088), (2, 'node-b', 3088)]
    # One diff per changed node, as Ansible shows a list of diffs.
    assert [d['before'].get('port') for d in result['diff']] == [None, 2088]
    assert [d['after']['port'] for d in result['diff']] == [2088, 3088]
    assert [d['before_header'] for d in result['diff']] == ["node 'node-d'", "node 'node-b'"]
    assert 'node' not in result
    again = run_module(capsys, args)
    assert again['changed'] is False and again['executed_queries'] == []


@pytest.mark.parametrize('nodes, message', [
    ([dict(name='node-d', ip='127.0.0.4'), dict(name='node-d', ip='127.0.0.5')],
     "node name 'node-d' is declared twice"),
    ([dict(name='node-d', ip='127.0.0.4', zk_cluster='default'), dict(name='node-e', ip='127.0.0.2')],
     "node 'node-e' at 127.0.0.2:2088: that address belongs to node 2 'node-b'"),
])
def test_one_bad_node_writes_none_of_them(capsys, database, nodes, message):
    result = run_module(capsys, dict(nodes=nodes))
    assert result['failed'] is True and message in result['msg']
    assert result['executed_queries'] == [] and database.writes() == []


@pytest.mark.parametrize('args, message', [
    (dict(nodes=[dict(name='node-d', ip='127.0.0.4'), dict(name='', ip='127.0.0.5')]), "nodes[1]: name must not be empty"),
    (dict(nodes=[dict(name='node-d', ip='127.0.0.4')], state='absent'),
     'state=absent removes one node: give name and ip instead of nodes'),
    (dict(nodes=[]), 'nodes must list at least one node'),
])
def test_node_lists_are_checked_before_connecting(capsys, no_database, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True and message in result['msg']


def test_a_node_at_another_address_moves_only_with_readdress(capsys, database):
    args = dict(name='node-a', ip='127.0.0.9')
    refused = run_module(capsys, args)
    assert refused['failed'] is True
    assert ("node 'node-a' at 127.0.0.9:2088: node 1 'node-a' is registered at 127.0.0.1:2088, not at 127.0.0.9:2088; "
            "fix the inventory, or set readdress") in refused['msg']
    moved = run_module(capsys, dict(args, readdress=True))
    assert moved['changed'] is True
    assert moved['executed_queries'] == ["UPDATE NODE SET IP = '127.0.0.9', GMT_MODIFIED = NOW() WHERE ID = 1"]
    assert (moved['node']['id'], moved['node']['ip']) == (1, '127.0.0.9')
    assert 'restart it on its new host (conf/nid keeps 1)' in json.dumps(moved['warnings'])
    assert database.nodes[0].ip == '127.0.0.9'


def test_removal_names_the_node_as_registered(capsys, database):
    result = run_module(capsys, dict(name='node-c', ip='127.0.0.9', state='absent'))
    assert result['failed'] is True
    assert result['msg'] == ("node 'node-c' is registered at 127.0.0.3 (id 3), not at 127.0.0.9; declare the node as "
                             "it is registered to remove it (nothing was changed)")
    result = run_module(capsys, dict(name='NODE-C', ip='127.0.0.3', state='absent'))
    assert result['failed'] is True and "NODE has node 3 named 'node-c'" in result['msg']
    assert database.writes() == []


def test_a_row_spelt_differently_is_not_adopted(capsys, database):
    result = run_module(capsys, dict(name='NODE-A', ip='127.0.0.1', port=3088))
    assert result['failed'] is True
    assert result['msg'] == ("node 'NODE-A' at 127.0.0.1:3088: NODE already has node 1 named 'node-a', and the manager "
                             "compares names case-insensitively; declare the node as it is registered, nothing was "
                             "changed")
    assert result['executed_queries'] == [] and database.writes() == []


def test_removal_of_a_used_node_is_refused_without_force(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent'))
    assert result['failed'] is True
    assert ("node 'node-a'@127.0.0.1 (id 1) is used by pipelines: sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; "
            "sync-ab/b-to-a (pipeline 2) LOAD") in result['msg']
    assert result['executed_queries'] == [] and database.writes() == []


def test_forced_removal_that_empties_a_location_is_refused(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent', force=True))
    assert result['failed'] is True
    assert 'would be left without a node: sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; sync-ab/b-to-a (pipeline 2) LOAD' \
        in result['msg']
    assert result['executed_queries'] == [] and database.writes() == []


def test_forced_removal_deletes_the_relations_and_the_node_in_one_commit(capsys, database):
    database.tables['relations'].extend([Relation(7, 1, 2, 'SELECT', 0, 0), Relation(8, 1, 2, 'EXTRACT', 0, 0),
                                         Relation(9, 2, 2, 'LOAD', 0, 0)])
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent', force=True), diff=True)
    assert result['changed'] is True
    assert result['executed_queries'] == ['DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (1, 2, 6)',
                                          'DELETE FROM NODE WHERE ID = 1']
    assert database.commits == 1
    assert [n.id for n in database.nodes] == [2, 3]
    assert [r[0] for r in database.relations] == [3, 4, 5, 7, 8, 9]
    assert result['removed_relations'] == [dict(pipeline_id=1, node_id=1, location='SELECT'),
                                           dict(pipeline_id=1, node_id=1, location='EXTRACT'),
                                           dict(pipeline_id=2, node_id=1, location='LOAD')]
    assert result['node']['id'] == 1 and result['node']['name'] == 'node-a'
    assert result['diff'] == dict(before=result['node'], after={})
    # ansible-core 2.19 returns warnings as structured events: look for the sentence in their text
    assert 'stop and start those channels' in json.dumps(result['warnings'])
    locked = database.locking_reads()
    assert any('JOIN NODE n' in s for s in locked) and any('PIPELINE_NODE_RELATION r' in s for s in locked)


def test_removal_of_an_unused_node_in_check_mode(capsys, database):
    result = run_module(capsys, dict(name='node-c', ip='127.0.0.3', state='absent'), check_mode=True)
    assert result['changed'] is True
    assert result['executed_queries'] == ['DELETE FROM NODE WHERE ID = 3']
    assert database.writes() == [] and database.commits == 0 and database.locking_reads() == []
    assert result['removed_relations'] == []
    assert database.nodes == NODES


def test_removal_of_a_missing_node_changes_nothing(capsys, database):
    result = run_module(capsys, dict(name='node-x', ip='127.0.0.9', state='absent'), diff=True)
    assert result['changed'] is False
    assert result['node'] is None
    assert result['executed_queries'] == []
    assert result['diff'] == dict(before={}, after={})


def test_a_failed_commit_fails_the_task_and_keeps_the_statements(capsys, database):
    database.fail_on('COMMIT', error(1180, 'Got error 1 during COMMIT'))
    result = run_module(capsys, NEW_NODE)
    assert result['failed'] is True
    assert 'commit failed, nothing was written' in result['msg']
    assert result['changed'] is False
    assert len(result['executed_queries']) == 1
    assert database.connections[-1].closed is True
    assert database.nodes == NODES


def test_a_lock_held_elsewhere_times_out_with_a_message(capsys, database):
    database.fail_on('FOR UPDATE', error(1205, 'Lock wait timeout exceeded; try restarting transaction'))
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', port=3088, lock_timeout=3))
    assert result['failed'] is True
    assert result['msg'].startswith('timed out after lock_timeout waiting for a lock held by another session')
    assert 'it waited to lock the NODE rows, which a converge holds for the nodes it uses' in result['msg']
    assert result['executed_queries'] == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_tables_that_cannot_roll_back_are_refused(capsys, database, check_mode):
    database.engines['PIPELINE_NODE_RELATION'] = 'MyISAM'
    result = run_module(capsys, NEW_NODE, check_mode=check_mode)
    assert result['failed'] is True
    assert result['msg'].startswith('refusing to write: PIPELINE_NODE_RELATION is MyISAM, not InnoDB')
    assert result['executed_queries'] == [] and database.writes() == []


def test_unknown_cluster_fails_listing_the_known_ones(capsys, database):
    result = run_module(capsys, dict(NEW_NODE, zk_cluster='zz'))
    assert result['failed'] is True
    assert "zk_cluster 'zz' not found in AUTOKEEPER_CLUSTER (known: 1 default, 2 zk-b)" in result['msg']
    assert database.writes() == []


def test_invalid_arguments_fail_before_connecting(capsys, no_database):
    assert module_under_test.argument_spec()['login_password']['no_log'] is True
    result = run_module(capsys, dict(name='', ip='127.0.0.1', login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert result['msg'] == "name must not be empty, got ''"
    assert result['executed_queries'] == []
    assert 's3cret-Pw' not in json.dumps(result)
