# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_pipeline_nodes end to end against the shared fake database: a converge and its result
(grouped layouts and changes), idempotency, check mode, diff, the backup file, and refusals."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible_collections.otter.ha.plugins.module_utils.objects import Node, Relation
from ansible_collections.otter.ha.plugins.modules import otter_pipeline_nodes as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import error
from ansible_collections.otter.ha.tests.unit.plugins.layouts import ALL, UI_STATE
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

HA = dict(channel=['sync-ab'], nodes=['node-a', 'node-b'])
UI_ROWS = [r[:4] for r in UI_STATE]


def run_module(capsys, args, check_mode=False, diff=False):
    return run_main(capsys, module_under_test.main, args, check_mode=check_mode, diff=diff)


def test_converge_the_ui_layout_to_ha_then_nothing_changes(capsys, database):
    result = run_module(capsys, HA)
    assert result['changed'] is True
    assert result['layouts'] == [dict(pipelines=[1, 2], nodes=dict((loc, [1, 2]) for loc in ALL))]
    assert result['changes'] == [dict(location=loc, added=[n], removed=[], pipelines=[p])
                                 for p, nodes in ((1, (2, 2, 1)), (2, (1, 1, 2))) for loc, n in zip(ALL, nodes)]
    assert result['removed_duplicates'] == []
    assert result['changed_channels'] == [dict(id=1, name='sync-ab', removes=False)]
    assert result['executed_queries'] == [
        "INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) VALUES "
        "(2, 1, 'SELECT', NOW(), NOW()), (2, 1, 'EXTRACT', NOW(), NOW()), (1, 1, 'LOAD', NOW(), NOW()), "
        "(1, 2, 'SELECT', NOW(), NOW()), (1, 2, 'EXTRACT', NOW(), NOW()), (2, 2, 'LOAD', NOW(), NOW())",
        'UPDATE PIPELINE SET GMT_MODIFIED = NOW() WHERE ID IN (1, 2)']
    assert [p.modified for p in database.tables['pipelines']] == [database.now, database.now]
    assert 'diff' not in result and 'pipelines' not in result and 'backup_file' not in result
    assert database.commits == 1 and len(database.relations) == 12
    locked = database.locking_reads()
    assert locked[0].endswith('ORDER BY n.ID LOCK IN SHARE MODE')
    assert 'FROM PIPELINE p FORCE INDEX (PRIMARY) LEFT JOIN' in locked[1] and locked[1].endswith('p.ID IN (1, 2) FOR UPDATE')

    again = run_module(capsys, HA)
    assert again['changed'] is False
    assert (again['changes'], again['executed_queries'], again['changed_channels']) == ([], [], [])
    assert again['layouts'] == result['layouts']
    assert database.commits == 1


def test_check_mode_predicts_the_statements_and_sends_none(capsys, database):
    preview = run_module(capsys, HA, check_mode=True, diff=True)
    assert preview['changed'] is True
    assert database.writes() == [] and database.commits == 0 and database.locking_reads() == []
    assert 'START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT' in database.statements
    assert preview['diff'] == dict(
        before='sync-ab/a-to-b (pipeline 1)\n  SELECT  1 node-a\n  EXTRACT 1 node-a\n  LOAD    2 node-b\n'
               'sync-ab/b-to-a (pipeline 2)\n  SELECT  2 node-b\n  EXTRACT 2 node-b\n  LOAD    1 node-a\n',
        after=''.join('sync-ab/%s (pipeline %d)\n' % (name, p) + ''.join('  %-7s 1 node-a, 2 node-b\n' % loc for loc in ALL)
                      for p, name in ((1, 'a-to-b'), (2, 'b-to-a'))))
    real = run_module(capsys, HA)
    assert real['executed_queries'] == preview['executed_queries']
    assert (real['layouts'], real['changes']) == (preview['layouts'], preview['changes'])


def test_exact_drops_dangling_and_duplicate_rows(capsys, database):
    database.tables['relations'].extend([Relation(7, 1, 9, 'SELECT', 0, 0), Relation(8, 1, 1, 'SELECT', 0, 0)])
    result = run_module(capsys, dict(HA, state='exact', pipeline=['a-to-b']), diff=True)
    assert result['removed_duplicates'] == [8]
    assert result['executed_queries'][0] == 'DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (7, 8)'
    assert result['changes'][0] == dict(location='SELECT', added=[2], removed=[9], pipelines=[1])
    assert result['layouts'] == [dict(pipelines=[1], nodes=dict((loc, [1, 2]) for loc in ALL))]
    assert result['changed_channels'] == [dict(id=1, name='sync-ab', removes=True)]
    assert '  SELECT  1 node-a, 1 node-a, 2 node-b, 9\n' not in result['diff']['before']
    assert '  SELECT  1 node-a, 1 node-a, 9\n' in result['diff']['before']
    assert sorted(r[0] for r in database.relations if r[1] == 1 and r[3] == 'SELECT') == [1, 9]


def test_one_change_to_many_pipelines_is_one_entry(capsys, database):
    result = run_module(capsys, dict(channel=['sync-ab'], locations=['LOAD'], nodes=['node-c']))
    assert result['changes'] == [dict(location='LOAD', added=[3], removed=[], pipelines=[1, 2])]
    assert result['layouts'] == [dict(pipelines=[1], nodes=dict(SELECT=[1], EXTRACT=[1], LOAD=[2, 3])),
                                 dict(pipelines=[2], nodes=dict(SELECT=[2], EXTRACT=[2], LOAD=[1, 3]))]


def test_per_location_lists_and_the_warnings_of_the_result(capsys, database):
    result = run_module(capsys, dict(channel=['sync-ab'], select_nodes=['node-a', 'node-b'], extract_nodes=['node-a'],
                                     load_nodes=['2'], state='exact'))
    assert result['changed'] is True
    warnings = json.dumps(result.get('warnings'))
    assert 'EXTRACT nodes [1] differ from SELECT nodes [1, 2]' in warnings


def test_a_plan_that_leaves_a_location_without_a_node_is_refused(capsys, database):
    result = run_module(capsys, dict(HA, state='absent'))
    assert result['failed'] is True
    assert result['msg'].startswith('refusing to leave a pipeline location without a node, nothing was changed: '
                                    'sync-ab/a-to-b (pipeline 1) SELECT (has node 1 now); ')
    assert result['executed_queries'] == [] and database.writes() == []


def test_the_backup_restores_the_rows_a_converge_replaced(capsys, database, tmp_path):
    backup_dir = tmp_path / 'backups'
    result = run_module(capsys, dict(HA, state='exact', nodes=['node-c'], backup=True, backup_dir=str(backup_dir)))
    path = result['backup_file']
    assert os.path.dirname(path) == str(backup_dir) and os.path.basename(path).startswith('otter-relations-')
    with open(path) as handle:
        backup = handle.read()
    assert backup.startswith('-- PIPELINE_NODE_RELATION rows of pipelines 1, 2, saved by otter.ha before a change.\n')
    assert "SET SESSION time_zone = '+00:00';" in backup
    assert database.relations != UI_ROWS
    connection = database.connect()
    for line in backup.splitlines():
        if line == 'COMMIT;':
            connection.commit()
        elif not line.startswith('--'):
            connection.cursor().execute(line.rstrip(';'))
    assert database.relations == UI_ROWS


def test_no_backup_in_check_mode_or_without_a_change(capsys, database, tmp_path):
    backup_dir = tmp_path / 'backups'
    preview = run_module(capsys, dict(HA, backup=True, backup_dir=str(backup_dir)), check_mode=True)
    assert 'backup_file' not in preview
    assert not any('UNIX_TIMESTAMP(r.GMT_CREATE)' in s for s in database.statements)
    run_module(capsys, HA)
    unchanged = run_module(capsys, dict(HA, backup=True, backup_dir=str(backup_dir)))
    assert 'backup_file' not in unchanged
    assert not backup_dir.exists()


def test_an_id_that_is_also_a_node_name_is_ambiguous(capsys, database):
    database.tables['nodes'].append(Node(4, '1', '10.9.9.9', 2088, None, None))
    result = run_module(capsys, dict(channel=['sync-ab'], nodes=['1']))
    assert result['failed'] is True
    assert "nodes: node '1' is ambiguous: it is the ID of node 1 node-a@127.0.0.1 and the name of node 4 1@10.9.9.9" \
        in result['msg']
    assert database.writes() == []


def test_a_reference_no_utf8_column_can_hold_is_not_found_and_never_sent(capsys, database):
    result = run_module(capsys, dict(channel=[u'sync\U0001F600'], nodes=['node-a']))
    assert result['failed'] is True
    assert result['msg'] == u"channel 'sync\U0001F600' not found in CHANNEL"
    assert not any(u'\U0001F600' in s for s in database.statements)


@pytest.mark.parametrize('check_mode', [False, True])
def test_tables_that_cannot_roll_back_are_refused(capsys, database, check_mode):
    database.engines['PIPELINE'] = 'MyISAM'
    result = run_module(capsys, HA, check_mode=check_mode)
    assert result['failed'] is True
    assert result['msg'].startswith('refusing to write: PIPELINE is MyISAM, not InnoDB')
    assert database.writes() == []


def test_a_lost_commit_keeps_the_statements_and_says_the_outcome_is_unknown(capsys, database):
    database.fail_on('COMMIT', error(2013, 'Lost connection to server during query'))
    result = run_module(capsys, HA)
    assert result['failed'] is True and result['changed'] is False
    assert 'whether the change was written is unknown' in result['msg']
    assert len(result['executed_queries']) == 2
    assert database.relations == UI_ROWS


def test_a_lock_held_elsewhere_times_out_before_anything_is_written(capsys, database):
    database.fail_on('FOR UPDATE', error(1205, 'Lock wait timeout exceeded; try restarting transaction'))
    result = run_module(capsys, HA)
    assert result['failed'] is True
    assert result['msg'].startswith('timed out after lock_timeout')
    assert result['executed_queries'] == [] and database.writes() == []


AB = dict(name='a to b', pipelines=['a-to-b'], select_nodes=['node-a', 'node-b'], extract_nodes=['node-a', 'node-b'],
          load_nodes=['node-c'], state='exact')
BA = dict(name='b to a', pipelines=['2'], nodes=['node-b', 'node-c'], state='exact')


def test_several_layouts_converge_in_one_transaction(capsys, database):
    result = run_module(capsys, dict(layouts=[AB, BA], min_nodes=1))
    assert result['changed'] is True
    assert [q.split(' ')[0] for q in result['executed_queries']] == ['DELETE', 'INSERT', 'UPDATE']
    assert database.commits == 1
    assert result['layouts'] == [dict(pipelines=[1], nodes=dict(SELECT=[1, 2], EXTRACT=[1, 2], LOAD=[3])),
                                 dict(pipelines=[2], nodes=dict(SELECT=[2, 3], EXTRACT=[2, 3], LOAD=[2, 3]))]
    assert result['changed_channels'] == [dict(id=1, name='sync-ab', removes=True)]
    assert run_module(capsys, dict(layouts=[AB, BA]))['changed'] is False


def test_two_layouts_that_manage_one_location_differently_are_refused(capsys, database):
    result = run_module(capsys, dict(layouts=[dict(channels=['sync-ab'], nodes=['node-a']),
                                              dict(name='second', pipelines=['a-to-b'], nodes=['node-b'])]))
    assert result['failed'] is True
    assert result['msg'].startswith("layouts[0] and layouts[1] ('second') both manage sync-ab/a-to-b (pipeline 1) SELECT, "
                                    "with different nodes: layouts[0] has present [1], layouts[1] ('second') has "
                                    "present [2]")
    assert database.writes() == []


def test_an_error_in_one_layout_names_it(capsys, database):
    result = run_module(capsys, dict(layouts=[AB, dict(name='typo', pipelines=['zz'], nodes=['node-a'])]))
    assert result['failed'] is True
    assert result['msg'] == "layouts[1] ('typo'): pipeline 'zz' not found in PIPELINE"


def test_min_nodes_refuses_a_layout_with_too_few_nodes(capsys, database):
    result = run_module(capsys, dict(HA, nodes=['node-a'], state='exact', min_nodes=2))
    assert result['failed'] is True
    assert result['msg'].startswith('refusing to leave a pipeline location with fewer than min_nodes=2 nodes, nothing was '
                                    'changed: sync-ab/a-to-b (pipeline 1) SELECT (node 1 (node-a)); ')
    assert database.writes() == []
    assert run_module(capsys, dict(HA, min_nodes=2))['changed'] is True


def test_planned_nodes_resolve_in_check_mode_only(capsys, database):
    args = dict(channel=['sync-ab'], nodes=['node-a', 'node-new'], planned_nodes=['node-new', 'node-a'])
    preview = run_module(capsys, args, check_mode=True)
    assert preview['changed'] is True
    assert preview['layouts'] == [dict(pipelines=[1], nodes=dict(SELECT=[-1, 1], EXTRACT=[-1, 1], LOAD=[-1, 1, 2])),
                                  dict(pipelines=[2], nodes=dict(SELECT=[-1, 1, 2], EXTRACT=[-1, 1, 2], LOAD=[-1, 1]))]
    real = run_module(capsys, args)
    assert real['failed'] is True
    assert real['msg'].startswith("nodes: node 'node-new' not found in NODE")
    assert database.writes() == []


def test_the_layouts_otter_info_returns_change_nothing_given_back(capsys, database):
    from ansible_collections.otter.ha.plugins.modules import otter_info
    declared = run_main(capsys, otter_info.main, {})['layouts']
    result = run_module(capsys, dict(layouts=declared))
    assert result['changed'] is False and result['executed_queries'] == []
    # rows of nodes missing from NODE and duplicates are what such a run removes
    database.tables['relations'].extend([Relation(7, 1, 9, 'SELECT', 0, 0), Relation(8, 2, 2, 'SELECT', 0, 0)])
    declared = run_main(capsys, otter_info.main, {})['layouts']
    result = run_module(capsys, dict(layouts=declared))
    assert result['executed_queries'][0] == 'DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (7, 8)'
    assert [q.split(' ')[0] for q in result['executed_queries']] == ['DELETE', 'UPDATE']
    assert database.relations == UI_ROWS


def test_only_channels_converges_the_pipelines_of_those_channels_alone(capsys, database):
    elsewhere = run_module(capsys, dict(HA, only_channels=[2]))
    assert elsewhere['changed'] is False
    assert (elsewhere['layouts'], elsewhere['changed_channels'], elsewhere['executed_queries']) == ([], [], [])
    assert database.writes() == [] and database.relations == UI_ROWS
    result = run_module(capsys, dict(HA, only_channels=[1]))
    assert result['changed_channels'] == [dict(id=1, name='sync-ab', removes=False)]
    assert result['layouts'] == [dict(pipelines=[1, 2], nodes=dict((loc, [1, 2]) for loc in ALL))]


def test_only_channels_cuts_every_entry_down_and_keeps_its_nodes_and_state():
    from ansible_collections.otter.ha.plugins.module_utils.objects import Pipeline
    first, second, third = Pipeline(1, 'a', 1, 'one'), Pipeline(2, 'b', 2, 'two'), Pipeline(3, 'c', 3, 'three')
    resolved = [([first, second], dict(SELECT=[1]), 'exact'), ([third], dict(SELECT=[2]), 'present')]
    assert module_under_test.only_channels(resolved, None) is resolved
    assert module_under_test.only_channels(resolved, [2, 3]) == [
        ([second], dict(SELECT=[1]), 'exact'), ([third], dict(SELECT=[2]), 'present')]
    assert module_under_test.only_channels(resolved, [1]) == [
        ([first], dict(SELECT=[1]), 'exact'), ([], dict(SELECT=[2]), 'present')]


@pytest.mark.parametrize('args, message', [
    (dict(channel=['sync-ab'], nodes=['node-a'], only_channels=[]), 'only_channels must not be an empty list'),
    (dict(channel=['sync-ab'], nodes=['node-a'], locations=[]), 'locations must list at least one of SELECT'),
    (dict(channel=['sync-ab'], nodes=['node-a'], backup_dir='/tmp/a\x00b'), 'contains a NUL character'),
    (dict(channel=['sync-ab'], nodes=['node-a'], min_nodes=0), 'min_nodes must be at least 1, got 0'),
    (dict(layouts=[]), 'layouts must list at least one layout'),
    (dict(layouts=[dict(name='x', nodes=['node-a'])]), "layouts[0] ('x') selects no pipeline: set channels or pipelines"),
    (dict(layouts=[dict(pipelines=[], nodes=['node-a'])]), 'layouts[0]: pipelines must not be an empty list'),
    (dict(layouts=[dict(pipelines=['p'])]), 'layouts[0]: no nodes for location SELECT'),
    (dict(layouts=[dict(pipelines=['p'], nodes=['n'])], channel=['c']), 'mutually exclusive'),
])
def test_invalid_arguments_fail_before_connecting(capsys, no_database, args, message):
    result = run_module(capsys, dict(args, login_password='s3cret-Pw'))
    assert result['failed'] is True
    if message == 'contains a NUL character' and 'embedded null character' in result['msg']:
        # ansible-core 2.20 and later refuse a NUL in any option before the module runs.
        return
    assert message in result['msg']
    assert result.get('executed_queries', []) == []   # Ansible's own checks fail before the frame
    assert 's3cret-Pw' not in json.dumps(result)


def test_password_is_no_log():
    assert module_under_test.argument_spec()['login_password']['no_log'] is True


def test_the_documented_result_is_the_returned_one():
    returned = yaml.safe_load(module_under_test.RETURN)
    assert sorted(returned['layouts']['contains']) == ['nodes', 'pipelines']
    assert sorted(returned['changes']['contains']) == ['added', 'location', 'pipelines', 'removed']
