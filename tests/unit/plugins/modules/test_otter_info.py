# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_info end to end against a stand-in database: arguments, the reads it sends, the
result it returns, and that it never writes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest


from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.otter.ha.plugins.modules import otter_info as module_under_test
from ansible_collections.otter.ha.plugins.module_utils import otter_db

NODE_PARAMETERS = '{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"clusterName":"default","id":1}}'
NODE_ROWS = [(1, 'node-a', '127.0.0.1', 2088, NODE_PARAMETERS), (2, 'node-b', '127.0.0.2', 2088, '')]
CHANNEL_ROWS = [(1, 'sync-ab', 1, 'a-to-b'), (1, 'sync-ab', 2, 'b-to-a'), (2, 'idle', None, None)]
# The manager UI's bidirectional channel: one node per location.
UI_ROWS = [(1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 2, 'LOAD'),
           (4, 2, 2, 'SELECT'), (5, 2, 2, 'EXTRACT'), (6, 2, 1, 'LOAD')]


class FakeDB(object):
    """Answers the audit's reads from fixed rows and refuses every write."""

    def __init__(self, nodes=None, channels=None, relations=None, check_mode=False):
        self.nodes = NODE_ROWS if nodes is None else nodes
        self.channels = CHANNEL_ROWS if channels is None else channels
        self.relations = UI_ROWS if relations is None else relations
        self.check_mode = check_mode
        self.executed_queries = []
        self.statements = []
        self.closed = False

    def fetch(self, sql, args=None):
        self.statements.append(sql)
        if sql.startswith(('SET SESSION TRANSACTION', 'START TRANSACTION')):
            return ()
        if 'FROM NODE' in sql:
            return list(self.nodes)
        if 'FROM CHANNEL' in sql:
            # A superset of what the WHERE clause would return is enough: selection resolves in Python.
            return list(self.channels)
        if 'FROM PIPELINE_NODE_RELATION' in sql:
            wanted = set(args)
            return [(i, p, n, loc, None, None) for i, p, n, loc in self.relations if p in wanted]
        raise AssertionError('unexpected statement: %s' % sql)

    def write(self, sql, args=None):
        raise AssertionError('otter_info wrote: %s' % sql)

    def commit(self):
        raise AssertionError('otter_info committed')

    def close(self):
        self.closed = True


@pytest.fixture
def fake_db(monkeypatch):
    """Makes OtterDB.connect hand out FakeDB objects: returns the list that collects them and the
    keyword arguments (rows) the next ones are made with."""
    made = []
    template = {}

    def connect(cls, params, check_mode=False):
        db = FakeDB(check_mode=check_mode, **template)
        made.append(db)
        return db
    monkeypatch.setattr(otter_db.OtterDB, 'connect', classmethod(connect))
    return made, template


def run_module(capsys, args):
    return run_main(capsys, module_under_test.main, args)


BAD_ARGS = [
    ('min_nodes zero', dict(min_nodes=0), 'min_nodes must be at least 1, got 0'),
    ('min_nodes negative', dict(min_nodes=-2), 'min_nodes must be at least 1, got -2'),
    ('min_nodes not a number', dict(min_nodes='two'), 'min_nodes'),
    ('empty channel list', dict(channel=[]), 'channel must not be an empty list'),
    ('empty pipeline list', dict(pipeline=[]), 'pipeline must not be an empty list'),
    ('unknown option', dict(nodes=['1']), 'nodes'),
    ('wrong type for port', dict(login_port='three'), 'login_port'),
]


@pytest.mark.parametrize('args, message', [c[1:] for c in BAD_ARGS], ids=[c[0] for c in BAD_ARGS])
def test_invalid_arguments_fail_before_connecting(capsys, no_database, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True
    assert message in result['msg']
    assert 'Traceback' not in json.dumps(result)


def test_password_is_no_log_and_never_echoed(capsys, no_database):
    assert module_under_test.argument_spec()['login_password']['no_log'] is True
    result = run_module(capsys, dict(min_nodes=0, login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert 's3cret-Pw' not in json.dumps(result)


def test_audit_of_the_ui_layout(capsys, fake_db):
    made, _template = fake_db
    result = run_module(capsys, dict(login_password='s3cret-Pw'))
    assert 'failed' not in result, result.get('msg')
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert result['ok'] is False
    assert result['nodes'] == [
        dict(id=1, name='node-a', ip='127.0.0.1', port=2088, parameters=dict(
            downloadPort=2089, mbeanPort=2090, useExternalIp=False, zkCluster=dict(clusterName='default', id=1))),
        dict(id=2, name='node-b', ip='127.0.0.2', port=2088, parameters=None),
    ]
    assert result['channels'] == [dict(id=1, name='sync-ab', pipelines=[1, 2]), dict(id=2, name='idle', pipelines=[])]
    assert result['pipelines'] == [
        dict(id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'), nodes=dict(SELECT=[1], EXTRACT=[1], LOAD=[2])),
        dict(id=2, name='b-to-a', channel=dict(id=1, name='sync-ab'), nodes=dict(SELECT=[2], EXTRACT=[2], LOAD=[1])),
    ]
    assert result['relations'] == [dict(id=i, pipeline_id=p, node_id=n, location=loc) for i, p, n, loc in UI_ROWS]
    assert [(f['kind'], f['pipeline_id'], f['location']) for f in result['findings']] == [
        ('under_replicated', p, loc) for p in (1, 2) for loc in ('SELECT', 'EXTRACT', 'LOAD')]
    assert result['summary'][2] == 'sync-ab/a-to-b (pipeline 1) | SELECT   | 1 node-a'
    assert len(result['summary']) == 2 + 6
    assert 's3cret-Pw' not in json.dumps(result)
    (db,) = made
    assert db.closed


def test_reads_one_snapshot_with_plain_selects_whatever_the_number_of_pipelines(capsys, fake_db):
    made, template = fake_db
    run_module(capsys, {})
    few = made[-1].statements
    template.update(
        channels=[(c, 'channel-%d' % c, c * 10 + k, 'p-%d' % k) for c in range(1, 51) for k in range(4)],
        relations=[(i + 1, c * 10 + k, 1, 'SELECT') for i, (c, k) in enumerate(
            (c, k) for c in range(1, 51) for k in range(4))])
    result = run_module(capsys, {})
    many = made[-1].statements
    assert len(result['pipelines']) == 200
    assert len(many) == len(few) == 5
    assert many[:2] == ['SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
                        'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY']
    for sql in many[2:]:
        assert sql.startswith('SELECT ')
        assert 'FOR UPDATE' not in sql and 'LOCK IN SHARE MODE' not in sql


def test_check_mode_returns_the_same_data(capsys, fake_db):
    made, _template = fake_db
    normal = run_module(capsys, dict(channel=['sync-ab']))
    checked = run_module(capsys, dict(channel=['sync-ab'], _ansible_check_mode=True))
    assert made[-1].check_mode is True
    assert checked == normal
    assert checked['changed'] is False


@pytest.mark.parametrize('args, pipelines, channels', [
    (dict(channel=['sync-ab']), [1, 2], [dict(id=1, name='sync-ab', pipelines=[1, 2])]),
    (dict(channel=['1']), [1, 2], [dict(id=1, name='sync-ab', pipelines=[1, 2])]),
    (dict(pipeline=['b-to-a']), [2], [dict(id=1, name='sync-ab', pipelines=[2])]),
    (dict(pipeline=['1']), [1], [dict(id=1, name='sync-ab', pipelines=[1])]),
    (dict(channel=['sync-ab'], pipeline=['a-to-b']), [1], [dict(id=1, name='sync-ab', pipelines=[1])]),
])
def test_selection(capsys, fake_db, args, pipelines, channels):
    made, _template = fake_db
    result = run_module(capsys, args)
    assert [p['id'] for p in result['pipelines']] == pipelines
    assert result['channels'] == channels
    assert sorted(set(r['pipeline_id'] for r in result['relations'])) == pipelines
    assert sorted(set(f['pipeline_id'] for f in result['findings'])) == pipelines
    assert any(' WHERE ' in sql for sql in made[-1].statements if 'FROM CHANNEL' in sql)


def test_min_nodes_one_accepts_the_ui_layout(capsys, fake_db):
    result = run_module(capsys, dict(min_nodes=1))
    assert result['findings'] == []
    assert result['ok'] is True


@pytest.mark.parametrize('args, message', [
    (dict(channel=['nope']), "channel 'nope' not found in CHANNEL"),
    (dict(pipeline=['zz']), "pipeline 'zz' not found in PIPELINE"),
    (dict(channel=['idle']), "channel 'idle' (id 2) has no pipelines"),
])
def test_unknown_selection_fails_naming_the_value(capsys, fake_db, args, message):
    made, _template = fake_db
    result = run_module(capsys, args)
    assert result['failed'] is True
    assert message in result['msg']
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert 'Traceback' not in json.dumps(result)
    assert made[-1].closed


def test_connection_errors_are_reported_as_worded(capsys, monkeypatch):
    def unreachable(cls, params, check_mode=False):
        raise otter_db.OtterError('cannot connect to the Otter manager database at 127.0.0.1:1 as u: '
                                  'cannot reach the database server (MySQL error 2003: ...)')
    monkeypatch.setattr(otter_db.OtterDB, 'connect', classmethod(unreachable))
    result = run_module(capsys, dict(login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert result['msg'].startswith('cannot connect to the Otter manager database at 127.0.0.1:1')
    assert result['executed_queries'] == []
    assert 's3cret-Pw' not in json.dumps(result)
