# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit: every finding of otter_info (layout) and otter_zk_info (live), one shape, and the
summaries, from rows and state already read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import audit
from ansible_collections.otter.ha.plugins.module_utils.audit import (
    FINDING_KINDS, LAYOUT_KINDS, LIVE_KINDS, audit_findings, clean_layout, finding, live_findings, live_summary,
    not_as_declared, sort_findings, summary_table, unreferable, verdict)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.layout import layout_of, plan_layout
from ansible_collections.otter.ha.plugins.module_utils.objects import Node, Pipeline
from ansible_collections.otter.ha.tests.unit.plugins import layouts
from ansible_collections.otter.ha.tests.unit.plugins.layouts import ALL, FULL, FULL_1, NAMES, PIPELINES, UI_STATE, rows

KEYS = set(['kind', 'channel_id', 'pipeline_id', 'location', 'node_ids', 'row_ids', 'message'])


def brief(findings):
    return [(f['kind'], f['pipeline_id'], f['location'], f['node_ids'], f['row_ids']) for f in findings]


def test_finding_kinds_are_the_documented_ones():
    assert LAYOUT_KINDS == ('invalid_location', 'dangling_node', 'duplicate_rows', 'under_replicated',
                            'extract_differs', 'not_as_declared', 'unreferable_node', 'unreferable_pipeline')
    assert LIVE_KINDS == ('unreadable_znode', 'node_down', 'channel_not_started', 'push_pending', 'no_mainstem',
                          'mainstem_not_select', 'mainstem_stale_session', 'mainstem_stuck', 'no_standby',
                          'orphan_process')
    # every kind once; layout kinds, then live ones, in the order findings are sorted (more may follow)
    assert FINDING_KINDS[:len(LAYOUT_KINDS + LIVE_KINDS)] == LAYOUT_KINDS + LIVE_KINDS
    assert len(set(FINDING_KINDS)) == len(FINDING_KINDS)


def test_every_finding_has_one_shape():
    found = finding('node_down', 'text', node_ids=[3, 1, 3], row_ids=[None, 5, 2, 5])
    assert found == dict(kind='node_down', channel_id=None, pipeline_id=None, location=None, node_ids=[1, 3],
                         row_ids=[2, 5], message='text')


# ---------------------------------------------------------------------------------------------
# Layout findings

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
    found = audit_findings(pipelines, current, NAMES, min_nodes)
    assert brief(found) == expected
    assert brief(audit_findings(list(reversed(pipelines)), list(reversed(current)), NAMES, min_nodes)) == expected


@pytest.mark.parametrize('pipelines, current, min_nodes, expected', [c[1:] for c in AUDIT_CASES],
                         ids=[c[0] for c in AUDIT_CASES])
def test_clean_layout_is_true_exactly_where_the_audit_finds_nothing(pipelines, current, min_nodes, expected):
    layout = layout_of([p.id for p in pipelines], current)
    for pipeline in pipelines:
        found = [f for f in expected if f[1] == pipeline.id]
        assert clean_layout(layout[pipeline.id], NAMES, min_nodes) is (not found)


@pytest.mark.parametrize('locations, min_nodes, clean', [
    (dict(SELECT=[1, 2], EXTRACT=[1, 2], LOAD=[3]), 1, True),
    (dict(SELECT=[1, 2], EXTRACT=[1, 2], LOAD=[3]), 2, False),
    (dict(SELECT=[1, 2], EXTRACT=[2, 1], LOAD=[1, 2, 3]), 2, True),
    (dict(SELECT=[1, 2], EXTRACT=[1], LOAD=[1, 2]), 1, False),
    (dict(SELECT=[1, 1], EXTRACT=[1], LOAD=[1]), 1, False),
    (dict(SELECT=[1], EXTRACT=[1], LOAD=[9]), 1, False),
    (dict(SELECT=[1], EXTRACT=[1], LOAD=[]), 1, False),
    (dict(SELECT=[1], EXTRACT=[1]), 1, False),
    (dict(SELECT=[1], EXTRACT=[1], LOAD=[1], load=[1]), 1, False),
    (dict(SELECT=[1], EXTRACT=[1], load=[1]), 1, False),
])
def test_clean_layout(locations, min_nodes, clean):
    assert clean_layout(locations, NAMES, min_nodes) is clean


def test_verdict_is_ok_only_without_findings():
    found = [finding('node_down', 'node 1 (node-a) is down')]
    assert verdict(found) == dict(findings=found, ok=False)
    assert verdict([]) == dict(findings=[], ok=True)


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
    for found in findings:
        assert set(found) == KEYS
        assert (found['channel_id'], found['pipeline_id']) == (1, 1)
        assert found['message'].startswith('sync-ab/a-to-b (pipeline 1): ')
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
    (found,) = [f for f in audit_findings(PIPELINES[:1], FULL_1, NAMES, 3) if f['location'] == 'SELECT']
    assert found['message'] == (
        'sync-ab/a-to-b (pipeline 1): SELECT runs on 2 node(s) (1 node-a, 2 node-b), fewer than min_nodes=3; '
        'add nodes to it (stop the channel first), for example with otter.ha.otter_pipeline_nodes')


def test_rows_still_to_be_inserted_count_and_have_no_row_id():
    """otter_pipeline_nodes audits the rows as they will be, inserted ones without an ID yet."""
    after = UI_STATE[:3] + [r._replace(id=None) for r in rows((0, 1, 2, 'SELECT'), (0, 1, 2, 'EXTRACT'))]
    found = audit_findings(PIPELINES[:1], after, NAMES, 2)
    assert brief(found) == [('under_replicated', 1, 'LOAD', [2], [3])]
    found = audit_findings(PIPELINES[:1], after, NAMES, 3)
    assert brief(found)[0] == ('under_replicated', 1, 'SELECT', [1, 2], [1])


@pytest.mark.parametrize('min_nodes', [0, -1])
def test_min_nodes_below_one_is_a_programming_error(min_nodes):
    with pytest.raises(ValueError, match='min_nodes must be at least 1'):
        audit_findings(PIPELINES, UI_STATE, NAMES, min_nodes)


# ---------------------------------------------------------------------------------------------
# not_as_declared: the layout against the one otter_info's expect declares

def _declared(current, desired, state):
    plan = plan_layout([p.id for p in PIPELINES], current, desired, state, set(NAMES))
    return not_as_declared(PIPELINES, plan, current, NAMES)


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
def test_not_as_declared(current, desired, state, expected):
    findings = _declared(current, desired, state)
    assert brief(findings) == expected
    for found in findings:
        assert set(found) == KEYS and found['channel_id'] == 1
        assert found['message'].startswith('sync-ab/')
        assert 'run otter.ha.otter_pipeline_nodes' in found['message']


def test_not_as_declared_names_the_nodes():
    (found,) = _declared(FULL_1 + rows((30, 1, 3, 'LOAD')), {'LOAD': [1, 2]}, 'exact')[:1]
    assert found['message'] == ('sync-ab/a-to-b (pipeline 1): LOAD has undeclared node(s) 3 node-c; '
                                'run otter.ha.otter_pipeline_nodes with the declared layout to converge it')
    (found,) = _declared(UI_STATE, {'SELECT': [1, 2]}, 'exact')[:1]
    assert 'SELECT lacks declared node(s) 2 node-b;' in found['message']
    (found,) = _declared(UI_STATE, {'SELECT': [2]}, 'exact')[:1]
    assert 'SELECT lacks declared node(s) 2 node-b and has undeclared node(s) 1 node-a;' in found['message']


def test_sort_findings_orders_pipeline_then_kind_then_location():
    plan = plan_layout([1, 2], UI_STATE, dict((loc, [1, 2]) for loc in ALL), 'exact', set(NAMES))
    mixed = not_as_declared(PIPELINES, plan, UI_STATE, NAMES) + audit_findings(PIPELINES, UI_STATE, NAMES, 2)
    ordered = sort_findings(list(reversed(mixed)))
    assert [(f['pipeline_id'], f['kind'], f['location']) for f in ordered][:6] == [
        (1, 'under_replicated', 'SELECT'), (1, 'under_replicated', 'EXTRACT'), (1, 'under_replicated', 'LOAD'),
        (1, 'not_as_declared', 'SELECT'), (1, 'not_as_declared', 'EXTRACT'), (1, 'not_as_declared', 'LOAD')]
    assert [f['pipeline_id'] for f in ordered] == [1] * 6 + [2] * 6


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
# Live findings: ZooKeeper's state against the declared layout

NODES = [{'id': 1, 'name': 'node-a'}, {'id': 2, 'name': 'node-b'}]
CHANNELS = [{'id': 1, 'name': 'sync-ab'}]
EXPECTED_PIPELINES = [{'id': 1, 'name': 'a-to-b', 'channel': {'id': 1, 'name': 'sync-ab'}, 'nodes': {'SELECT': [1, 2]}}]
EXPECT = {'nodes': NODES, 'channels': CHANNELS, 'pipelines': EXPECTED_PIPELINES}


NOW = 1764547200.0


def _state(alive, holder=1, status='START', active=True, mainstem_status='OVERTAKE', since=NOW - 10, processes=(),
           status_since=NOW - 100):
    return {'alive_nodes': alive,
            'channels': [{'id': 1, 'status': status, 'status_since': status_since, 'pipelines': [1]}],
            'pipelines': [{'id': 1, 'channel_id': 1, 'mainstem_nid': holder,
                           'mainstem_status': mainstem_status if holder else None, 'active': active and bool(holder),
                           'mainstem_since': since if holder else None, 'processes': list(processes)}],
            'cursors': []}


def test_healthy_layout_has_no_findings():
    assert live_findings(_state([1, 2]), [], EXPECT) == []
    assert live_findings(_state([1, 2]), [], {}) == []


def test_standby_that_took_over_leaves_the_pipeline_without_standby():
    findings = live_findings(_state([2], holder=2), [], EXPECT)
    assert [f['kind'] for f in findings] == ['node_down', 'no_standby']
    assert findings[0]['node_ids'] == [1]
    assert 'node 1 (node-a) is not alive: /otter/node/1 does not exist' in findings[0]['message']
    assert findings[1]['message'] == ('sync-ab/a-to-b (pipeline 1) has no standby: SELECT runs on node 2 (node-b) '
                                      'and no other SELECT node is alive (down: node 1 (node-a))')
    assert (findings[1]['pipeline_id'], findings[1]['channel_id'], findings[1]['node_ids']) == (1, 1, [1])
    for found in findings:
        assert set(found) == KEYS
        assert found['location'] is None and found['row_ids'] == []


def test_no_holder_is_no_active_select():
    findings = live_findings(_state([2], holder=None), [], EXPECT)
    assert [f['kind'] for f in findings] == ['node_down', 'no_mainstem']
    assert findings[1]['message'] == ('sync-ab/a-to-b (pipeline 1) has no active SELECT: nobody holds its mainstem '
                                      'lock (alive SELECT nodes: node 2 (node-b))')
    assert findings[1]['node_ids'] == [2]


def test_holder_outside_the_select_nodes_and_inactive_holder():
    foreign = live_findings(_state([1, 2, 3], holder=3), [], EXPECT)
    assert [f['kind'] for f in foreign] == ['mainstem_not_select']
    assert 'held by node 3, which is not one of its SELECT nodes (node 1 (node-a), node 2 (node-b))' in \
        foreign[0]['message']
    assert foreign[0]['node_ids'] == [3]
    inactive = live_findings(_state([1, 2], active=False), [], EXPECT)
    assert [f['kind'] for f in inactive] == ['no_mainstem']
    assert 'its mainstem holder node 1 (node-a) is marked inactive' in inactive[0]['message']


@pytest.mark.parametrize('status, text', [
    ('PAUSE', 'is PAUSE, not START'), ('STOP', 'is STOP, not START'),
    (None, 'has no readable znode /otter/channel/1 (never initialised in this ZooKeeper, or see the unreadable_znode '
           'findings)')])
def test_channel_not_started_is_named(status, text):
    findings = live_findings(_state([1, 2], status=status), [], EXPECT)
    assert [f['kind'] for f in findings] == ['channel_not_started']
    assert findings[0]['message'] == 'channel 1 (sync-ab) %s' % text
    assert findings[0]['channel_id'] == 1


def test_an_expected_channel_zookeeper_does_not_hold():
    findings = live_findings(_state([1, 2]), [], {'channels': [{'id': 5}]})
    assert [(f['kind'], f['channel_id']) for f in findings] == [('channel_not_started', 5)]
    assert findings[0]['message'].startswith('channel 5 has no readable znode /otter/channel/5')


def test_single_select_node_is_no_standby():
    expect = dict(EXPECT, pipelines=[dict(EXPECTED_PIPELINES[0], nodes={'SELECT': [1]})], nodes=NODES[:1])
    findings = live_findings(_state([1]), [], expect)
    assert [f['kind'] for f in findings] == ['no_standby']
    assert 'it is the only SELECT node' in findings[0]['message']


def test_a_pipeline_zookeeper_does_not_hold_has_no_mainstem():
    expect = {'pipelines': [{'id': 9, 'nodes': {'SELECT': [1, 2]}}]}
    findings = live_findings(_state([1, 2]), [], expect)
    assert [f['kind'] for f in findings] == ['no_mainstem']
    assert findings[0]['message'].startswith('pipeline 9 has no active SELECT')


def test_unreadable_znodes_come_first():
    problems = [('/otter/node/007', 'is not named by an ID'), ('/otter/channel/1', "holds b'x', which is not JSON")]
    findings = live_findings(_state([2], holder=2), problems, EXPECT)
    assert [f['kind'] for f in findings] == ['unreadable_znode', 'unreadable_znode', 'node_down', 'no_standby']
    assert findings[0]['message'] == '/otter/node/007 is not named by an ID'
    assert audit.unreadable_znode(problems) == findings[:2]


def test_expect_entries_need_ids():
    with pytest.raises(RequestError, match='expect.nodes: every entry needs a numeric id'):
        live_findings(_state([1]), [], {'nodes': [{'name': 'node-a'}]})
    with pytest.raises(RequestError, match='expect.pipelines: every entry needs a numeric id'):
        live_findings(_state([1]), [], {'pipelines': ['a-to-b']})


def test_expect_select_nodes_need_ids():
    with pytest.raises(RequestError, match='node-a'):
        live_findings(_state([1]), [], {'pipelines': [{'id': 1, 'nodes': {'SELECT': ['node-a']}}]})


def test_live_summary_names_nodes():
    assert live_summary(_state([1, 2]), {1: 'node-a'}) == [
        'alive nodes: node 1 (node-a), node 2', 'channel 1: START',
        'pipeline 1 (channel 1): mainstem on node 1 (node-a) (OVERTAKE)']
    assert live_summary(_state([], holder=None, status=None)) == [
        'alive nodes: none', 'channel 1: no readable status', 'pipeline 1 (channel 1): no mainstem']
    inactive = _state([1], active=False)
    assert live_summary(inactive)[-1] == 'pipeline 1 (channel 1): mainstem on node 1 (OVERTAKE, inactive)'


# ---------------------------------------------------------------------------------------------
# The operational live kinds

SESSIONS = {'nodes': {1: 0x11, 2: 0x12}, 'mainstems': {1: 0x11}}


@pytest.mark.parametrize('status, modified, since, pending', [
    ('START', NOW, NOW - 30, True), ('PAUSE', NOW, NOW - 30, True),
    ('START', NOW - 30, NOW, False), ('START', NOW, NOW, False),
    ('STOP', NOW, NOW - 30, False), (None, NOW, NOW - 30, False),
    ('START', None, NOW - 30, False), ('START', NOW, None, False),
])
def test_push_pending(status, modified, since, pending):
    found = audit.push_pending([(1, 'sync-ab', modified)], {1: status}, {1: since})
    assert [f['kind'] for f in found] == (['push_pending'] if pending else [])
    if pending:
        assert found[0]['message'] == ('channel 1 (sync-ab): its layout changed in the manager database 30s after it '
                                       'was last started, so its running nodes do not use it yet; stop and start the '
                                       'channel')
        assert found[0]['channel_id'] == 1


def test_push_pending_from_the_state_and_otter_infos_channels():
    expect = dict(EXPECT, channels=[dict(CHANNELS[0], modified=NOW)])
    findings = live_findings(_state([1, 2], status_since=NOW - 5), [], expect, SESSIONS, NOW)
    assert [f['kind'] for f in findings] == ['push_pending']
    assert '5s after it was last started' in findings[0]['message']
    assert live_findings(_state([1, 2], status_since=NOW + 5), [], expect, SESSIONS, NOW) == []


def test_a_lock_held_by_another_session_of_the_holder_is_stale():
    stale = dict(SESSIONS, mainstems={1: 0x99})
    findings = live_findings(_state([1, 2]), [], EXPECT, stale, NOW)
    assert [(f['kind'], f['node_ids']) for f in findings] == [('mainstem_stale_session', [1])]
    assert findings[0]['message'] == ("sync-ab/a-to-b (pipeline 1): its mainstem names node 1 (node-a) but is held by "
                                      "ZooKeeper session 0x99, not by that node's live session 0x11; it goes when the "
                                      "old session expires")
    assert live_findings(_state([1, 2]), [], EXPECT, SESSIONS, NOW) == []
    assert live_findings(_state([1, 2]), [], EXPECT, {}, NOW) == []
    assert live_findings(_state([1, 2]), [], EXPECT, None, NOW) == []


@pytest.mark.parametrize('status, since, now, stuck', [
    ('TAKEING', NOW - 61, NOW, True), ('TAKEING', NOW - 60, NOW, False), ('OVERTAKE', NOW - 600, NOW, False),
    ('TAKEING', None, NOW, False), ('TAKEING', NOW - 600, None, False),
])
def test_a_holder_that_does_not_catch_up_is_stuck(status, since, now, stuck):
    findings = live_findings(_state([1, 2], mainstem_status=status, since=since), [], EXPECT, SESSIONS, now, 60)
    assert [f['kind'] for f in findings] == (['mainstem_stuck'] if stuck else [])
    if stuck:
        assert findings[0]['message'] == ('sync-ab/a-to-b (pipeline 1): node 1 (node-a) has been TAKEING its mainstem '
                                          'for 61s, longer than 60s, without catching up (OVERTAKE)')


def test_process_znodes_of_a_dead_node_are_orphans():
    processes = [dict(id='0000000001', nid=1, status='USED'), dict(id='0000000002', nid=3, status='USED'),
                 dict(id='0000000003', nid=3, status='UNUSED')]
    findings = live_findings(_state([1, 2], processes=processes), [], EXPECT, SESSIONS, NOW)
    assert [(f['kind'], f['node_ids']) for f in findings] == [('orphan_process', [3])]
    assert findings[0]['message'] == ('sync-ab/a-to-b (pipeline 1): process znode(s) 0000000002, 0000000003 belong to '
                                      'node 3, which is not alive')


def test_live_findings_come_in_kind_order():
    processes = [dict(id='0000000002', nid=3, status='USED')]
    state = _state([2], holder=2, mainstem_status='TAKEING', since=NOW - 999, processes=processes, status_since=NOW - 9)
    expect = dict(EXPECT, channels=[dict(CHANNELS[0], modified=NOW)])
    findings = live_findings(state, [('/otter/node/x', 'is odd')], expect, dict(SESSIONS, mainstems={1: 0x55}), NOW)
    assert [f['kind'] for f in findings] == ['unreadable_znode', 'node_down', 'push_pending', 'mainstem_stale_session',
                                             'mainstem_stuck', 'no_standby', 'orphan_process']


# ---------------------------------------------------------------------------------------------
# unreferable: what no declaration can name (otter_info's layouts leaves it out)

def test_unreferable_names_the_node_why_and_the_pipelines_left_out():
    nodes = layouts.NODES + [Node(4, 'twin', 'a', 1, None, None), Node(5, 'twin', 'b', 1, None, None),
                             Node(9, '4', 'c', 1, None, None)]
    layout = {1: dict((loc, [4, 9]) for loc in ALL), 2: dict((loc, [5, 9, 77]) for loc in ALL)}
    (found,) = unreferable(PIPELINES, layout, nodes, PIPELINES)
    assert set(found) == KEYS
    assert brief([found]) == [('unreferable_node', None, None, [4], [])]
    assert found['message'] == (
        'node 4 (twin) cannot be named in a declaration: its name is also the name of node 5; its ID is the name '
        'of node 9; rename one of these nodes. layouts leaves out the pipelines that use it: '
        'sync-ab/a-to-b (pipeline 1)')


def test_unreferable_pipeline_and_a_clean_manager():
    pipelines = PIPELINES + [Pipeline(3, '2', 2, 'other'), Pipeline(7, '1', 2, 'other')]
    layout = layout_of([1, 2], FULL, valid_only=True)
    # other pipelines named like the audited ones' IDs do not matter while the audited ones' names are unique
    assert unreferable(PIPELINES, layout, layouts.NODES, PIPELINES) == []
    clash = PIPELINES + [Pipeline(3, 'b-to-a', 2, 'other'), Pipeline(7, '2', 2, 'other')]
    (found,) = unreferable(PIPELINES, layout, layouts.NODES, clash)
    assert brief([found]) == [('unreferable_pipeline', 2, None, [], [])]
    assert found['message'] == (
        'sync-ab/b-to-a (pipeline 2): cannot be named in a declaration: its name is also the name of pipeline 3; '
        'its ID is the name of pipeline 7; rename one of these pipelines. layouts leaves it out')
    assert unreferable(PIPELINES, layout, layouts.NODES, pipelines) == []
