# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit behind otter_info: findings, summary table and reports from rows already read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.otter_audit import (
    FINDING_KINDS, all_pipelines, audit_findings, begin_snapshot, channels_report, nodes_report,
    parse_parameters, read_all_channels, read_node_rows, relations_report, summary_table, valid_layout)
from ansible_collections.otter.ha.plugins.module_utils.otter_model import Pipeline
from ansible_collections.otter.ha.tests.unit.plugins.module_utils.layouts import ALL, FULL, UI_STATE, rows

NAMES = {1: 'node-a', 2: 'node-b', 3: 'node-c'}
PIPELINES = [Pipeline(1, 'a-to-b', 1, 'sync-ab'), Pipeline(2, 'b-to-a', 1, 'sync-ab')]


# Pipeline 1 only, both nodes everywhere, rows 10..15.
FULL_1 = FULL[:6]


def brief(findings):
    return [(f['kind'], f['pipeline_id'], f['location'], f['node_ids'], f['row_ids']) for f in findings]


AUDIT_CASES = [
    # id, pipelines, rows, min_nodes, expected (kind, pipeline, location, node_ids, row_ids)
    ('the UI layout is under-replicated everywhere', PIPELINES, UI_STATE, 2, [
        ('under_replicated', 1, 'SELECT', [1], [1]), ('under_replicated', 1, 'EXTRACT', [1], [2]),
        ('under_replicated', 1, 'LOAD', [2], [3]),
        ('under_replicated', 2, 'SELECT', [2], [4]), ('under_replicated', 2, 'EXTRACT', [2], [5]),
        ('under_replicated', 2, 'LOAD', [1], [6])]),
    ('min_nodes 1 accepts the UI layout', PIPELINES, UI_STATE, 1, []),
    ('the full HA layout has no finding', PIPELINES, FULL, 2, []),
    ('min_nodes 3 asks for more than two nodes', PIPELINES[:1], FULL_1, 3, [
        ('under_replicated', 1, loc, [1, 2], ids) for loc, ids in
        (('SELECT', [10, 11]), ('EXTRACT', [12, 13]), ('LOAD', [14, 15]))]),
    ('a pipeline without rows has no node anywhere (0 counts)', [Pipeline(7, 'lonely', 3, 'c3')], [], 1, [
        ('under_replicated', 7, loc, [], []) for loc in ALL]),
    ('duplicate rows: the extra rows are reported, the oldest kept', PIPELINES[:1],
     FULL_1 + rows((30, 1, 1, 'SELECT'), (31, 1, 1, 'SELECT'), (32, 1, 2, 'LOAD')), 2, [
         ('duplicate_rows', 1, 'SELECT', [1], [30, 31]), ('duplicate_rows', 1, 'LOAD', [2], [32])]),
    ('duplicates that keep a location at one node are also under-replicated', PIPELINES[:1],
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'EXTRACT'), (4, 1, 1, 'LOAD')), 1, [
         ('duplicate_rows', 1, 'SELECT', [1], [2])]),
    ('rows of a node missing from NODE are dangling, duplicates of them too', PIPELINES[:1],
     FULL_1 + rows((30, 1, 9, 'LOAD'), (31, 1, 9, 'LOAD'), (32, 1, 8, 'LOAD')), 2, [
         ('dangling_node', 1, 'LOAD', [8, 9], [30, 31, 32])]),
    ('a dangling node does not count towards min_nodes', PIPELINES[:1],
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 9, 'LOAD')), 1, [
         ('dangling_node', 1, 'LOAD', [9], [3]), ('under_replicated', 1, 'LOAD', [], [])]),
    ('EXTRACT narrower than SELECT', PIPELINES[:1],
     rows((1, 1, 1, 'SELECT'), (2, 1, 2, 'SELECT'), (3, 1, 1, 'EXTRACT'), (4, 1, 1, 'LOAD'), (5, 1, 2, 'LOAD')),
     2, [('under_replicated', 1, 'EXTRACT', [1], [3]), ('extract_differs', 1, None, [2], [2])]),
    ('EXTRACT on other nodes than SELECT', PIPELINES[:1],
     rows((1, 1, 1, 'SELECT'), (2, 1, 3, 'EXTRACT'), (3, 1, 1, 'LOAD')), 1, [
         ('extract_differs', 1, None, [1, 3], [1, 2])]),
    ('a dangling EXTRACT row is no EXTRACT difference', PIPELINES[:1], FULL_1 + rows((30, 1, 9, 'EXTRACT')), 2, [
        ('dangling_node', 1, 'EXTRACT', [9], [30])]),
    ('LOCATION not exactly one of the three', PIPELINES[:1],
     FULL_1 + rows((30, 1, 1, 'select'), (31, 1, 1, 'select'), (32, 1, 2, 'LOAD '), (33, 1, 9, 'TRANSFORM')), 2, [
         ('invalid_location', 1, 'LOAD ', [2], [32]), ('invalid_location', 1, 'TRANSFORM', [9], [33]),
         ('invalid_location', 1, 'select', [1], [30, 31])]),
    ('an invalid LOCATION does not fill a location', PIPELINES[:1],
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 1, 'load')), 1, [
         ('invalid_location', 1, 'load', [1], [3]), ('under_replicated', 1, 'LOAD', [], [])]),
    ('rows of pipelines not selected are ignored', PIPELINES[:1], FULL_1 + UI_STATE[3:], 2, []),
    ('findings come pipeline by pipeline, kinds in order', PIPELINES,
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 1, 'LOAD'), (4, 1, 1, 'LOAD'),
          (5, 2, 1, 'SELECT'), (6, 2, 2, 'EXTRACT'), (7, 2, 9, 'LOAD'), (8, 2, 1, 'LOAD'), (9, 2, 1, 'Select')), 1, [
         ('duplicate_rows', 1, 'LOAD', [1], [4]),
         ('invalid_location', 2, 'Select', [1], [9]), ('dangling_node', 2, 'LOAD', [9], [7]),
         ('extract_differs', 2, None, [1, 2], [5, 6])]),
]


@pytest.mark.parametrize('pipelines, current, min_nodes, expected', [c[1:] for c in AUDIT_CASES],
                         ids=[c[0] for c in AUDIT_CASES])
def test_audit_findings(pipelines, current, min_nodes, expected):
    assert brief(audit_findings(pipelines, current, NAMES, min_nodes)) == expected


@pytest.mark.parametrize('pipelines, current, min_nodes', [c[1:4] for c in AUDIT_CASES],
                         ids=[c[0] for c in AUDIT_CASES])
def test_every_row_to_delete_is_in_exactly_one_finding(pipelines, current, min_nodes):
    """The rows an operator should delete: invalid LOCATION, missing node, or a younger duplicate."""
    selected = set(p.id for p in pipelines)
    oldest = {}
    for row in sorted(current, key=lambda r: r.id):
        oldest.setdefault((row.pipeline_id, row.node_id, row.location), row.id)
    to_delete = sorted(r.id for r in current if r.pipeline_id in selected and (
        r.location not in ALL or r.node_id not in NAMES or oldest[(r.pipeline_id, r.node_id, r.location)] != r.id))
    findings = audit_findings(pipelines, current, NAMES, min_nodes)
    listed = [i for f in findings if f['kind'] in ('invalid_location', 'dangling_node', 'duplicate_rows')
              for i in f['row_ids']]
    assert sorted(listed) == to_delete


def test_finding_shape_and_messages_name_the_pipeline_and_the_remedy():
    findings = audit_findings(PIPELINES[:1], rows(
        (1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 2, 'EXTRACT'), (4, 1, 9, 'LOAD'), (5, 1, 1, 'select')),
        NAMES, 2)
    assert [f['kind'] for f in findings] == [
        'invalid_location', 'dangling_node', 'duplicate_rows',
        'under_replicated', 'under_replicated', 'under_replicated', 'extract_differs']
    for finding in findings:
        assert set(finding) == set(['kind', 'pipeline_id', 'pipeline', 'channel', 'location', 'node_ids',
                                    'row_ids', 'message'])
        assert (finding['pipeline_id'], finding['pipeline'], finding['channel']) == (1, 'a-to-b', 'sync-ab')
        assert finding['message'].startswith('sync-ab/a-to-b (pipeline 1): ')
    messages = dict((f['kind'] + ':' + str(f['location']), f['message']) for f in findings)
    assert "row(s) 5 have LOCATION 'select', which is not exactly one of SELECT, EXTRACT, LOAD" in messages[
        'invalid_location:select']
    assert 'delete them' in messages['invalid_location:select']
    assert 'LOAD row(s) 4 name node ID(s) 9, which do not exist in NODE; delete them' in messages[
        'dangling_node:LOAD']
    assert ('2 rows for node 1 node-a at SELECT (rows 1, 2)' in messages['duplicate_rows:SELECT']
            and 'delete the extra row(s) 2 and keep row 1' in messages['duplicate_rows:SELECT'])
    assert ('SELECT runs on 1 node(s) (1 node-a), fewer than min_nodes=2, so losing that node stops the stage'
            in messages['under_replicated:SELECT'])
    assert 'add nodes to it' in messages['under_replicated:SELECT']
    assert ('LOAD has no node that exists in NODE, so the manager cannot start this pipeline'
            in messages['under_replicated:LOAD'])
    assert ('EXTRACT nodes [2] differ from SELECT nodes [1]; the manager UI sets EXTRACT from the SELECT picker, '
            'so the next edit of this pipeline in the UI rewrites EXTRACT to [1]') in messages['extract_differs:None']
    assert all('otter.ha.otter_pipeline_nodes' in m for k, m in messages.items() if k.split(':')[0] in (
        'dangling_node', 'duplicate_rows', 'under_replicated'))


def test_under_replicated_with_several_nodes_names_them_all():
    (finding,) = [f for f in audit_findings(PIPELINES[:1], FULL_1, NAMES, 3) if f['location'] == 'SELECT']
    assert finding['message'] == (
        'sync-ab/a-to-b (pipeline 1): SELECT runs on 2 node(s) (1 node-a, 2 node-b), fewer than min_nodes=3; '
        'add nodes to it (stop the channel first), for example with otter.ha.otter_pipeline_nodes')


def test_finding_kinds_are_the_documented_ones():
    assert FINDING_KINDS == ('invalid_location', 'dangling_node', 'duplicate_rows', 'under_replicated',
                             'extract_differs', 'not_as_declared')


@pytest.mark.parametrize('min_nodes', [0, -1])
def test_min_nodes_below_one_is_a_programming_error(min_nodes):
    with pytest.raises(ValueError, match='min_nodes must be at least 1'):
        audit_findings(PIPELINES, UI_STATE, NAMES, min_nodes)


# ---------------------------------------------------------------------------------------------
# Summary table

def test_summary_of_the_ui_layout():
    assert summary_table(PIPELINES, UI_STATE, NAMES) == [
        'pipeline                    | location | nodes',
        '----------------------------+----------+---------',
        'sync-ab/a-to-b (pipeline 1) | SELECT   | 1 node-a',
        'sync-ab/a-to-b (pipeline 1) | EXTRACT  | 1 node-a',
        'sync-ab/a-to-b (pipeline 1) | LOAD     | 2 node-b',
        'sync-ab/b-to-a (pipeline 2) | SELECT   | 2 node-b',
        'sync-ab/b-to-a (pipeline 2) | EXTRACT  | 2 node-b',
        'sync-ab/b-to-a (pipeline 2) | LOAD     | 1 node-a',
    ]


def test_summary_marks_duplicates_missing_nodes_empty_and_invalid_locations():
    current = rows((1, 1, 2, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'SELECT'), (4, 1, 9, 'LOAD'),
                   (5, 1, 1, 'select'))
    assert summary_table(PIPELINES[:1], current, NAMES) == [
        'pipeline                    | location | nodes',
        '----------------------------+----------+----------------------------',
        'sync-ab/a-to-b (pipeline 1) | SELECT   | 1 node-a (2 rows), 2 node-b',
        'sync-ab/a-to-b (pipeline 1) | EXTRACT  | -',
        'sync-ab/a-to-b (pipeline 1) | LOAD     | 9 (not in NODE)',
        "sync-ab/a-to-b (pipeline 1) | 'select' | 1 node-a",
    ]


def test_summary_without_pipelines_is_just_the_header():
    assert summary_table([], [], NAMES) == ['pipeline | location | nodes', '---------+----------+------']


# ---------------------------------------------------------------------------------------------
# Reports

@pytest.mark.parametrize('text, expected', [
    ('{"downloadPort":2089,"mbeanPort":2090,"zkCluster":{"id":1}}',
     {'downloadPort': 2089, 'mbeanPort': 2090, 'zkCluster': {'id': 1}}),
    (b'{"useExternalIp":true}', {'useExternalIp': True}),
    (None, None),
    ('', None),
    ('   ', None),
    ('{"downloadPort":', None),
    ('[1, 2]', None),
    ('"text"', None),
    (b'\xff\xfe', None),
])
def test_parse_parameters(text, expected):
    assert parse_parameters(text) == expected


def test_nodes_report():
    node_rows = [(1, 'node-a', '10.0.0.1', 2088, '{"mbeanPort":2090}'), (2, 'node-b', '10.0.0.2', 3088, None)]
    assert nodes_report(node_rows) == [
        dict(id=1, name='node-a', ip='10.0.0.1', port=2088, parameters={'mbeanPort': 2090}),
        dict(id=2, name='node-b', ip='10.0.0.2', port=3088, parameters=None),
    ]


def test_relations_report_is_by_row_id_without_timestamps():
    assert relations_report(rows((5, 2, 1, 'LOAD'), (1, 1, 9, 'select'))) == [
        dict(id=1, pipeline_id=1, node_id=9, location='select'),
        dict(id=5, pipeline_id=2, node_id=1, location='LOAD'),
    ]


def test_valid_layout_keeps_the_three_locations_only():
    current = rows((1, 1, 2, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'SELECT'), (4, 1, 1, 'select'))
    assert valid_layout([1, 2], current) == {
        1: {'SELECT': [1, 1, 2], 'EXTRACT': [], 'LOAD': []},
        2: {'SELECT': [], 'EXTRACT': [], 'LOAD': []},
    }


CHANNEL_ROWS = [(1, 'sync-ab', 2, 'b-to-a'), (1, 'sync-ab', 1, 'a-to-b'), (2, 'empty', None, None),
                (3, 'sync-cd', 3, 'c-to-d')]


def test_all_pipelines_are_every_pipeline_by_id():
    assert all_pipelines(CHANNEL_ROWS) == [
        Pipeline(1, 'a-to-b', 1, 'sync-ab'), Pipeline(2, 'b-to-a', 1, 'sync-ab'), Pipeline(3, 'c-to-d', 3, 'sync-cd')]


def test_channels_report_of_a_selection_lists_the_selected_pipelines():
    assert channels_report([Pipeline(3, 'c-to-d', 3, 'sync-cd'), Pipeline(2, 'b-to-a', 1, 'sync-ab')]) == [
        dict(id=1, name='sync-ab', pipelines=[2]), dict(id=3, name='sync-cd', pipelines=[3])]


def test_channels_report_of_everything_includes_channels_without_pipelines():
    assert channels_report(all_pipelines(CHANNEL_ROWS), CHANNEL_ROWS) == [
        dict(id=1, name='sync-ab', pipelines=[1, 2]), dict(id=2, name='empty', pipelines=[]),
        dict(id=3, name='sync-cd', pipelines=[3])]


# ---------------------------------------------------------------------------------------------
# Queries

class RecordingDB(object):
    def __init__(self, answers=()):
        self.statements = []
        self._answers = list(answers)

    def fetch(self, sql, args=None):
        self.statements.append(sql)
        return self._answers.pop(0) if self._answers else ()

    def write(self, sql, args=None):
        raise AssertionError('the audit wrote: %s' % sql)


def test_snapshot_is_read_only_and_consistent():
    db = RecordingDB()
    begin_snapshot(db)
    assert db.statements == ['SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
                             'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY']


def test_reads_are_plain_selects():
    db = RecordingDB([[(1, 'node-a', '10.0.0.1', 2088, None)], [(1, 'sync-ab', None, None)]])
    assert read_node_rows(db) == [(1, 'node-a', '10.0.0.1', 2088, None)]
    assert read_all_channels(db) == [(1, 'sync-ab', None, None)]
    for sql in db.statements:
        assert sql.startswith('SELECT ')
        assert 'FOR UPDATE' not in sql and 'LOCK IN SHARE MODE' not in sql and 'WHERE' not in sql


def _declared(current, desired, state):
    from ansible_collections.otter.ha.plugins.module_utils.otter_layout import plan_layout
    from ansible_collections.otter.ha.plugins.module_utils.otter_audit import declaration_findings
    pipeline_ids = [p.id for p in PIPELINES]
    plan = plan_layout(pipeline_ids, current, desired, state, set(NAMES))
    return declaration_findings(PIPELINES, plan, current, NAMES)


DECLARATION_CASES = [
    ('the full layout is as declared', FULL, dict((loc, [1, 2]) for loc in ALL), 'exact', []),
    ('the UI layout lacks the second node everywhere', UI_STATE, dict((loc, [1, 2]) for loc in ALL), 'exact', [
        ('not_as_declared', 1, 'SELECT', [2], []), ('not_as_declared', 1, 'EXTRACT', [2], []),
        ('not_as_declared', 1, 'LOAD', [1], []), ('not_as_declared', 2, 'SELECT', [1], []),
        ('not_as_declared', 2, 'EXTRACT', [1], []), ('not_as_declared', 2, 'LOAD', [2], [])]),
    ('an undeclared node, with its rows; a pipeline without rows lacks everything',
     FULL_1 + rows((30, 1, 3, 'LOAD')), {'LOAD': [1, 2]}, 'exact',
     [('not_as_declared', 1, 'LOAD', [3], [30]), ('not_as_declared', 2, 'LOAD', [1, 2], [])]),
    ('present accepts extra nodes', FULL, {'SELECT': [1]}, 'present', []),
    ('absent names the nodes still there', FULL, {'LOAD': [2]}, 'absent', [
        ('not_as_declared', 1, 'LOAD', [2], [15]), ('not_as_declared', 2, 'LOAD', [2], [21])]),
    ('a duplicate row alone is not a declaration mismatch', FULL + rows((40, 1, 1, 'SELECT')),
     dict((loc, [1, 2]) for loc in ALL), 'exact', []),
]


@pytest.mark.parametrize('current, desired, state, expected', [c[1:] for c in DECLARATION_CASES],
                         ids=[c[0] for c in DECLARATION_CASES])
def test_declaration_findings(current, desired, state, expected):
    findings = _declared(current, desired, state)
    assert brief(findings) == expected
    for finding in findings:
        assert finding['message'].startswith('sync-ab/')
        assert 'run otter.ha.otter_pipeline_nodes' in finding['message']


def test_declaration_findings_name_the_nodes():
    (finding,) = _declared(FULL_1 + rows((30, 1, 3, 'LOAD')), {'LOAD': [1, 2]}, 'exact')[:1]
    assert finding['message'] == ('sync-ab/a-to-b (pipeline 1): LOAD has undeclared node(s) 3 node-c; '
                                  'run otter.ha.otter_pipeline_nodes with the declared layout to converge it')
    assert 'not_as_declared' in FINDING_KINDS
