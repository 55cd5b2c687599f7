# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_node end to end against a stand-in for the database: arguments fail before connecting,
check mode sends no write and commits nothing, removal refuses before writing anything."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest


from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.otter.ha.plugins.modules import otter_node as module_under_test
from ansible_collections.otter.ha.plugins.module_utils import otter_db

UI_PARAMETERS = ('{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,'
                 '"zkCluster":{"clusterName":"default","id":1,"serverList":["127.0.0.1:2181"]}}')
# The manager UI's bidirectional channel: node 1 runs SELECT/EXTRACT of pipeline 1 and LOAD of 2.
UI_RELATIONS = [(1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 2, 'LOAD'),
                (4, 2, 2, 'SELECT'), (5, 2, 2, 'EXTRACT'), (6, 2, 1, 'LOAD')]


class FakeDB(object):
    """Answers the module's reads from in-memory tables and records writes like OtterDB does:
    every write lands in executed_queries, only writes outside check mode are sent."""

    def __init__(self, check_mode, nodes, relations, fail_on_commit=False):
        self.check_mode = check_mode
        self.nodes = nodes            # {(name, ip): (id, name, ip, port, description, parameters)}
        self.relations = relations    # [(id, pipeline, node, location)]
        self.fail_on_commit = fail_on_commit
        self.executed_queries = []
        self.sent = []
        self.committed = False
        self.closed = False

    def fetch(self, sql, args=None):
        if sql.startswith('SELECT ID, NAME, IP, PORT, DESCRIPTION, PARAMETERS FROM NODE'):
            assert sql.endswith('FOR UPDATE'), 'the node row must be read with a lock'
            found = self.nodes.get(tuple(args))
            return [found] if found else []
        if sql.startswith('SELECT ID, CLUSTER_NAME FROM AUTOKEEPER_CLUSTER'):
            return [(1, 'default'), (2, 'zk-b')]
        if sql == 'SELECT ID FROM NODE':
            return [(n[0],) for n in self.nodes.values()]
        if 'FROM PIPELINE_NODE_RELATION WHERE NODE_ID' in sql:
            assert sql.endswith('FOR UPDATE')
            return [(i, p, n, loc, None, None) for i, p, n, loc in self.relations if n == args[0]]
        if 'FROM PIPELINE p LEFT JOIN CHANNEL' in sql:
            names = {1: 'a-to-b', 2: 'b-to-a'}
            return [(p, names[p], 1, 'sync-ab') for p in args if p in names]
        if 'FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID IN' in sql:
            return [(i, p, n, loc, None, None) for i, p, n, loc in self.relations if p in args]
        if sql == 'SELECT LAST_INSERT_ID()':
            assert not self.check_mode, 'check mode asked for the ID of a row it did not insert'
            return [(42,)]
        raise AssertionError('unexpected read: %s' % sql)

    def write(self, sql, args=None):
        self.executed_queries.append('%s %s' % (sql, list(args)))
        if not self.check_mode:
            self.sent.append(sql)
        return 1

    def commit(self):
        if self.fail_on_commit:
            raise otter_db.OtterError('commit failed, nothing was written: lost the connection')
        if not self.check_mode:
            self.committed = True

    def close(self):
        self.closed = True


@pytest.fixture
def database(monkeypatch):
    """Swap the connection for a FakeDB; the test reads it back from state['db']."""
    state = dict(nodes={
        ('node-a', '127.0.0.1'): (1, 'node-a', '127.0.0.1', 2088, 'site A', UI_PARAMETERS),
        ('node-b', '127.0.0.2'): (2, 'node-b', '127.0.0.2', 2088, 'site B', UI_PARAMETERS),
    }, relations=list(UI_RELATIONS), fail_on_commit=False, db=None)

    def connect(_cls, _params, check_mode=False):
        state['db'] = FakeDB(check_mode, state['nodes'], state['relations'], state['fail_on_commit'])
        return state['db']
    monkeypatch.setattr(otter_db.OtterDB, 'connect', classmethod(connect))
    return state


def run_module(capsys, args, check_mode=False, diff=False):
    return run_main(capsys, module_under_test.main, args, check_mode=check_mode, diff=diff)


BAD_ARGS = [
    ('no name', dict(ip='127.0.0.1'), 'missing required arguments: name'),
    ('empty name', dict(name='', ip='127.0.0.1'), "name must not be empty, got ''"),
    ('long ip', dict(name='n', ip='1' * 201), 'is 201 characters long; NODE stores at most 200'),
    ('port out of range', dict(name='n', ip='127.0.0.1', port=65536), 'port 65536 is not a TCP port'),
    ('derived port out of range', dict(name='n', ip='127.0.0.1', port=65535),
     'download_port 65536 (port + 1) is not a TCP port'),
    ('mbean port out of range', dict(name='n', ip='127.0.0.1', mbean_port=0), 'mbean_port 0 is not a TCP port'),
    ('external ip missing', dict(name='n', ip='127.0.0.1', use_external_ip=True),
     'use_external_ip is true but external_ip is not set'),
    ('bad state', dict(name='n', ip='127.0.0.1', state='gone'), 'gone'),
    ('long description', dict(name='n', ip='127.0.0.1', description='d' * 201), 'description'),
    ('wrong type for port', dict(name='n', ip='127.0.0.1', port='two'), 'port'),
]


@pytest.mark.parametrize('args, message', [c[1:] for c in BAD_ARGS], ids=[c[0] for c in BAD_ARGS])
def test_invalid_arguments_fail_before_connecting(capsys, no_database, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True
    assert message in result['msg']
    assert result.get('changed', False) is False
    assert 'Traceback' not in json.dumps(result)


def test_password_is_no_log_and_never_echoed(capsys, no_database):
    assert module_under_test.argument_spec()['login_password']['no_log'] is True
    result = run_module(capsys, dict(name='', ip='127.0.0.1', login_password='s3cret-Pw'))
    assert result['failed'] is True
    assert 's3cret-Pw' not in json.dumps(result)


NEW_NODE = dict(name='node-c', ip='127.0.0.3', zk_cluster='default', description='site C')


def test_check_mode_predicts_the_insert_and_sends_nothing(capsys, database):
    preview = run_module(capsys, NEW_NODE, check_mode=True, diff=True)
    db = database['db']
    assert preview['changed'] is True
    assert db.sent == [] and db.committed is False and db.closed is True
    assert len(preview['executed_queries']) == 1
    assert preview['executed_queries'][0].startswith(
        'INSERT INTO NODE (NAME, IP, PORT, DESCRIPTION, PARAMETERS, GMT_CREATE, GMT_MODIFIED) VALUES')
    assert preview['node']['id'] is None
    assert preview['diff'] == dict(before={}, after=preview['node'])

    real = run_module(capsys, NEW_NODE, diff=True)
    db = database['db']
    assert real['changed'] is True
    assert real['executed_queries'] == preview['executed_queries']
    assert db.committed is True and len(db.sent) == 1
    assert real['node']['id'] == 42
    assert dict(real['node'], id=None) == preview['node']


def test_a_node_as_the_ui_wrote_it_is_unchanged(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', zk_cluster='default', description='site A'),
                        diff=True)
    assert result['changed'] is False
    assert result['executed_queries'] == []
    assert database['db'].committed is False
    assert result['node']['id'] == 1
    assert result['diff']['before'] == result['diff']['after'] == result['node']


def test_update_in_check_mode_shows_the_diff_and_sends_nothing(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', port=3088), check_mode=True, diff=True)
    assert result['changed'] is True
    assert database['db'].sent == []
    assert result['executed_queries'][0].startswith('UPDATE NODE SET PORT = %s, PARAMETERS = %s, GMT_MODIFIED = NOW()')
    assert (result['diff']['before']['port'], result['diff']['after']['port']) == (2088, 3088)
    assert (result['diff']['before']['mbean_port'], result['diff']['after']['mbean_port']) == (2090, 3090)


def test_removal_of_a_used_node_is_refused_without_force(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent'))
    assert result['failed'] is True
    assert ("node 'node-a'@127.0.0.1 (id 1) is used by pipelines: sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; "
            "sync-ab/b-to-a (pipeline 2) LOAD") in result['msg']
    assert result['executed_queries'] == [] and database['db'].sent == []


def test_forced_removal_that_empties_a_location_is_refused(capsys, database):
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent', force=True))
    assert result['failed'] is True
    assert 'would be left without a node: sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; sync-ab/b-to-a (pipeline 2) LOAD' \
        in result['msg']
    assert result['executed_queries'] == [] and database['db'].sent == []


def test_forced_removal_deletes_the_relations_and_the_node_in_one_commit(capsys, database):
    database['relations'].extend([(7, 1, 2, 'SELECT'), (8, 1, 2, 'EXTRACT'), (9, 2, 2, 'LOAD')])
    result = run_module(capsys, dict(name='node-a', ip='127.0.0.1', state='absent', force=True), diff=True)
    db = database['db']
    assert result['changed'] is True
    assert result['executed_queries'] == ['DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (%s, %s, %s) [1, 2, 6]',
                                          'DELETE FROM NODE WHERE ID = %s [1]']
    assert db.committed is True
    assert result['removed_relations'] == [dict(pipeline_id=1, node_id=1, location='SELECT'),
                                           dict(pipeline_id=1, node_id=1, location='EXTRACT'),
                                           dict(pipeline_id=2, node_id=1, location='LOAD')]
    assert result['node']['id'] == 1 and result['node']['name'] == 'node-a'
    assert result['diff'] == dict(before=result['node'], after={})
    # ansible-core 2.19 returns warnings as structured events: look for the sentence in their text
    assert 'push or restart those channels' in json.dumps(result['warnings'])


def test_removal_of_an_unused_node_in_check_mode(capsys, database):
    database['nodes'][('node-c', '127.0.0.3')] = (3, 'node-c', '127.0.0.3', 2088, None, None)
    result = run_module(capsys, dict(name='node-c', ip='127.0.0.3', state='absent'), check_mode=True)
    assert result['changed'] is True
    assert result['executed_queries'] == ['DELETE FROM NODE WHERE ID = %s [3]']
    assert database['db'].sent == [] and database['db'].committed is False
    assert result['removed_relations'] == []


def test_removal_of_a_missing_node_changes_nothing(capsys, database):
    result = run_module(capsys, dict(name='node-x', ip='127.0.0.9', state='absent'), diff=True)
    assert result['changed'] is False
    assert result['node'] is None
    assert result['executed_queries'] == []
    assert result['diff'] == dict(before={}, after={})


def test_a_failed_commit_fails_the_task_and_closes_the_connection(capsys, database):
    database['fail_on_commit'] = True
    result = run_module(capsys, NEW_NODE)
    assert result['failed'] is True
    assert 'commit failed, nothing was written' in result['msg']
    assert result['changed'] is False
    assert len(result['executed_queries']) == 1
    assert database['db'].closed is True


def test_unknown_cluster_fails_listing_the_known_ones(capsys, database):
    result = run_module(capsys, dict(NEW_NODE, zk_cluster='zz'))
    assert result['failed'] is True
    assert "zk_cluster 'zz' not found in AUTOKEEPER_CLUSTER (known: 1 default, 2 zk-b)" in result['msg']
    assert database['db'].sent == []
