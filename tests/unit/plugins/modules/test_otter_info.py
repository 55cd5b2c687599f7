# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_info end to end against the shared fake database: the reads it sends, the result it
returns, and that it never writes or locks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.otter.ha.plugins.module_utils.audit import LAYOUT_KINDS
from ansible_collections.otter.ha.plugins.module_utils.objects import Channel, Pipeline, Relation
from ansible_collections.otter.ha.plugins.modules import otter_info as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import NOW, error
from ansible_collections.otter.ha.tests.unit.plugins.layouts import ALL, FULL, UI_STATE
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

FINDING_KEYS = set(['kind', 'channel_id', 'pipeline_id', 'location', 'node_ids', 'row_ids', 'message'])


@pytest.fixture
def server(database):
    database.tables['channels'].append(Channel(2, 'idle'))
    return database


def run_module(capsys, args, check_mode=False):
    return run_main(capsys, module_under_test.main, args, check_mode=check_mode)


def test_audit_of_the_ui_layout(capsys, server):
    result = run_module(capsys, dict(login_password='s3cret-Pw'))
    assert 'failed' not in result, result.get('msg')
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert result['ok'] is False
    assert result['nodes'] == [
        dict(id=1, name='node-a', ip='127.0.0.1', port=2088, parameters=dict(
            downloadPort=2089, mbeanPort=2090, useExternalIp=False, zkCluster=dict(
                clusterName='default', gmtCreate=1717000000000, gmtModified=1717000000000, id=1,
                serverList=['127.0.0.1:2181']))),
        dict(id=2, name='node-b', ip='127.0.0.2', port=2088, parameters=dict(
            downloadPort=2089, mbeanPort=2090, useExternalIp=False, zkCluster=dict(clusterName='default', id=1))),
        dict(id=3, name='node-c', ip='127.0.0.3', port=2088, parameters=None),
    ]
    assert result['channels'] == [dict(id=1, name='sync-ab', pipelines=[1, 2], modified=float(NOW)),
                                  dict(id=2, name='idle', pipelines=[], modified=None)]
    assert result['layouts'] == [
        dict(pipelines=['a-to-b'], state='exact', select_nodes=['node-a'], extract_nodes=['node-a'], load_nodes=['node-b']),
        dict(pipelines=['b-to-a'], state='exact', select_nodes=['node-b'], extract_nodes=['node-b'], load_nodes=['node-a'])]
    assert result['pipelines'] == [
        dict(id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'), nodes=dict(SELECT=[1], EXTRACT=[1], LOAD=[2])),
        dict(id=2, name='b-to-a', channel=dict(id=1, name='sync-ab'), nodes=dict(SELECT=[2], EXTRACT=[2], LOAD=[1])),
    ]
    assert result['relations'] == [dict(id=r.id, pipeline_id=r.pipeline_id, node_id=r.node_id, location=r.location)
                                   for r in UI_STATE]
    assert [(f['kind'], f['channel_id'], f['pipeline_id'], f['location']) for f in result['findings']] == [
        ('under_replicated', 1, p, loc) for p in (1, 2) for loc in ALL]
    assert all(set(f) == FINDING_KEYS for f in result['findings'])
    assert result['summary'][2] == 'sync-ab/a-to-b (pipeline 1) | SELECT   | 1 node-a'
    assert len(result['summary']) == 2 + 6
    assert 's3cret-Pw' not in json.dumps(result)
    (connection,) = server.connections
    assert connection.closed and not connection.committed
    assert server.writes() == [] and server.locking_reads() == []


def test_reads_one_snapshot_with_plain_selects_whatever_the_number_of_pipelines(capsys, server):
    run_module(capsys, {})
    few = list(server.statements)
    server.statements[:] = []
    server.tables['channels'] = [Channel(c, 'channel-%d' % c) for c in range(1, 51)]
    server.tables['pipelines'] = [Pipeline(c * 10 + k, 'p-%d' % k, c, None) for c in range(1, 51) for k in range(4)]
    server.tables['relations'] = [Relation(i + 1, p.id, 1, 'SELECT', 0, 0) for i, p in enumerate(server.tables['pipelines'])]
    result = run_module(capsys, {})
    many = server.statements
    assert len(result['pipelines']) == 200
    assert len(many) == len(few) == 5
    assert many[0].startswith('SET SESSION autocommit = 0')
    assert many[1] == 'START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT'
    for sql in many[2:]:
        assert sql.startswith('SELECT ')
        assert 'FOR UPDATE' not in sql and 'LOCK IN SHARE MODE' not in sql


def test_a_read_only_audit_works_on_tables_that_cannot_roll_back(capsys, server):
    server.engines.update(NODE='MyISAM', PIPELINE_NODE_RELATION='MyISAM')
    result = run_module(capsys, dict(min_nodes=1))
    assert result['ok'] is True


def test_check_mode_returns_the_same_data(capsys, server):
    normal = run_module(capsys, dict(channel=['sync-ab']))
    checked = run_module(capsys, dict(channel=['sync-ab']), check_mode=True)
    assert checked == normal
    assert checked['changed'] is False


@pytest.mark.parametrize('args, pipelines', [
    (dict(channel=['sync-ab']), [1, 2]),
    (dict(channel=['1']), [1, 2]),
    (dict(pipeline=['b-to-a']), [2]),
    (dict(pipeline=['1']), [1]),
    (dict(channel=['sync-ab'], pipeline=['a-to-b']), [1]),
])
def test_selection(capsys, server, args, pipelines):
    result = run_module(capsys, args)
    assert [p['id'] for p in result['pipelines']] == pipelines
    assert result['channels'] == [dict(id=1, name='sync-ab', pipelines=pipelines, modified=float(NOW))]
    assert [entry['pipelines'] for entry in result['layouts']] == [[{1: 'a-to-b', 2: 'b-to-a'}[p]] for p in pipelines]
    assert sorted(set(r['pipeline_id'] for r in result['relations'])) == pipelines
    assert sorted(set(f['pipeline_id'] for f in result['findings'])) == pipelines
    assert any(' WHERE ' in sql for sql in server.statements if 'FROM CHANNEL' in sql)


def test_channels_report_the_newest_change_of_their_pipelines(capsys, server):
    server.tables['pipelines'][1] = server.tables['pipelines'][1]._replace(modified=NOW + 60)
    result = run_module(capsys, dict(pipeline=['a-to-b']))
    assert result['channels'] == [dict(id=1, name='sync-ab', pipelines=[1], modified=float(NOW))]
    assert run_module(capsys, {})['channels'][0]['modified'] == float(NOW + 60)


def test_layouts_of_the_ha_layout_is_one_entry_by_name(capsys, server):
    server.tables['relations'] = [r._replace(gmt_create=0, gmt_modified=0) for r in FULL]
    assert run_module(capsys, {})['layouts'] == [
        dict(pipelines=['a-to-b', 'b-to-a'], state='exact', nodes=['node-a', 'node-b'])]


def test_layouts_name_a_pipeline_by_id_where_its_name_is_not_unique_in_the_manager(capsys, server):
    server.tables['pipelines'].append(Pipeline(3, 'a-to-b', 2, None, NOW))
    result = run_module(capsys, dict(channel=['sync-ab']))
    assert [entry['pipelines'] for entry in result['layouts']] == [['1'], ['b-to-a']]


def test_a_pipeline_that_no_reference_names_is_a_finding_and_has_no_entry(capsys, server):
    # pipeline 1's name is shared with pipeline 3, and its ID '1' is pipeline 4's name
    server.tables['pipelines'].extend([Pipeline(3, 'a-to-b', 2, None, NOW), Pipeline(4, '1', 2, None, NOW)])
    result = run_module(capsys, dict(channel=['sync-ab'], min_nodes=1))
    assert [entry['pipelines'] for entry in result['layouts']] == [['b-to-a']]
    assert [(f['kind'], f['pipeline_id']) for f in result['findings']] == [('unreferable_pipeline', 1)]
    assert result['ok'] is False


def test_min_nodes_one_accepts_the_ui_layout(capsys, server):
    result = run_module(capsys, dict(min_nodes=1))
    assert result['findings'] == []
    assert result['ok'] is True


def test_expect_adds_the_differences_from_the_declared_layout(capsys, server):
    result = run_module(capsys, dict(expect=dict(nodes=['node-a', '2'])))
    assert [(f['pipeline_id'], f['kind'], f['location'], f['node_ids']) for f in result['findings']] == [
        (1, 'under_replicated', 'SELECT', [1]), (1, 'under_replicated', 'EXTRACT', [1]),
        (1, 'under_replicated', 'LOAD', [2]),
        (1, 'not_as_declared', 'SELECT', [2]), (1, 'not_as_declared', 'EXTRACT', [2]), (1, 'not_as_declared', 'LOAD', [1]),
        (2, 'under_replicated', 'SELECT', [2]), (2, 'under_replicated', 'EXTRACT', [2]),
        (2, 'under_replicated', 'LOAD', [1]),
        (2, 'not_as_declared', 'SELECT', [1]), (2, 'not_as_declared', 'EXTRACT', [1]), (2, 'not_as_declared', 'LOAD', [2])]
    assert server.writes() == []
    as_declared = run_module(capsys, dict(min_nodes=1, expect=dict(select_nodes=['node-a'], extract_nodes=['node-a'],
                                                                   load_nodes=['node-b'], locations=['SELECT', 'EXTRACT', 'LOAD'],
                                                                   state='present'),
                                          pipeline=['a-to-b']))
    assert as_declared['ok'] is True


def test_expect_errors_name_the_option(capsys, server):
    result = run_module(capsys, dict(expect=dict(nodes=['node-a'], load_nodes=['ghost'])))
    assert result['failed'] is True
    assert result['msg'].startswith("expect.load_nodes: node 'ghost' not found in NODE (known: 1 node-a@127.0.0.1")


@pytest.mark.parametrize('args, message', [
    (dict(channel=['nope']), "channel 'nope' not found in CHANNEL"),
    (dict(pipeline=['zz']), "pipeline 'zz' not found in PIPELINE"),
    (dict(channel=['idle']), "channel 'idle' (id 2) has no pipelines"),
    (dict(channel=['01']), "channel '01' not found in CHANNEL"),
])
def test_unknown_selection_fails_naming_the_value(capsys, server, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True
    assert message in result['msg']
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert 'Traceback' not in json.dumps(result)
    assert server.connections[-1].closed


def test_connection_errors_are_reported_as_worded(capsys, server):
    server.fail_on('CONNECT', error(2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"))
    result = run_module(capsys, dict(login_host='127.0.0.1', login_port=1, login_user='u', login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert result['msg'].startswith('cannot connect to the Otter manager database at 127.0.0.1:1 as u: cannot reach the '
                                    'database server (MySQL error 2003: ')
    assert result['executed_queries'] == []
    assert 's3cret-Pw' not in json.dumps(result)


def test_invalid_arguments_fail_before_connecting(capsys, no_database):
    assert module_under_test.argument_spec()['login_password']['no_log'] is True
    result = run_module(capsys, dict(min_nodes=0, login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert result['msg'] == 'min_nodes must be at least 1, got 0'
    assert 's3cret-Pw' not in json.dumps(result)


def test_the_documented_finding_kinds_are_the_audited_ones():
    returned = yaml.safe_load(module_under_test.RETURN)
    assert returned['findings']['contains']['kind']['choices'] == list(LAYOUT_KINDS)
    assert sorted(returned['findings']['contains']) == sorted(FINDING_KEYS)
