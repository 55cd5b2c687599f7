# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layout planner: what a task asks for, the rows to insert and delete, and the reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.layout import (
    STATES, changed_pipelines, changes_report, declaration_of, naming, layout_of, layout_text, layouts_report, merge_wants,
    pipelines_report, plan_fleet, plan_layout, requested_nodes, rows_after)
from ansible_collections.otter.ha.plugins.module_utils.objects import Node, Pipeline, Relation
from ansible_collections.otter.ha.plugins.module_utils.references import resolve
from ansible_collections.otter.ha.tests.unit.plugins.layouts import (
    ALL, FULL, NAMES, NODES, PIPELINES, UI_STATE, everywhere, rows)

NO_OVERRIDES = dict(select_nodes=None, extract_nodes=None, load_nodes=None)


# ---------------------------------------------------------------------------------------------
# requested_nodes: the request, before any database

def test_nodes_apply_to_every_location_without_its_own_list():
    assert requested_nodes(list(ALL), ['a', 'b'], dict(NO_OVERRIDES, load_nodes=['c'])) == {
        'SELECT': ('nodes', ['a', 'b']),
        'EXTRACT': ('nodes', ['a', 'b']),
        'LOAD': ('load_nodes', ['c']),
    }


def test_only_the_managed_locations_are_requested():
    assert requested_nodes(['LOAD'], ['a'], NO_OVERRIDES) == {'LOAD': ('nodes', ['a'])}
    assert requested_nodes(['SELECT', 'EXTRACT', 'LOAD'], None,
                           dict(select_nodes=['1'], extract_nodes=['2'], load_nodes=['3'])) == {
        'SELECT': ('select_nodes', ['1']), 'EXTRACT': ('extract_nodes', ['2']), 'LOAD': ('load_nodes', ['3'])}


@pytest.mark.parametrize('locations, nodes, overrides, message', [
    ([], ['1'], {}, 'locations must list at least one of SELECT, EXTRACT, LOAD'),
    (['LOAD', 'LOAD'], ['1'], {}, 'locations lists LOAD more than once'),
    (['LOAD', 'SELECT', 'LOAD', 'SELECT'], ['1'], {}, 'locations lists SELECT, LOAD more than once'),
    (list(ALL), None, {}, 'no nodes for location SELECT: set nodes or select_nodes'),
    (['SELECT'], ['1'], dict(load_nodes=['2']), 'load_nodes is set but LOAD is not in locations (SELECT)'),
    (list(ALL), None, dict(select_nodes=['1'], extract_nodes=['1']), 'no nodes for location LOAD: set nodes or load_nodes'),
    (list(ALL), [], {}, 'nodes must list at least one node'),
    (list(ALL), ['1'], dict(extract_nodes=[]), 'extract_nodes must list at least one node'),
])
def test_requested_nodes_errors(locations, nodes, overrides, message):
    with pytest.raises(RequestError) as caught:
        requested_nodes(locations, nodes, dict(NO_OVERRIDES, **overrides))
    assert message in str(caught.value)


# ---------------------------------------------------------------------------------------------
# plan_layout

CASES = [
    # id, current rows, desired, state, known nodes, inserts, deletes, duplicates
    ('present adds the missing half of the HA layout', UI_STATE, everywhere([1, 2]), 'present', {1, 2},
     [(1, 2, 'SELECT'), (1, 2, 'EXTRACT'), (1, 1, 'LOAD'), (2, 1, 'SELECT'), (2, 1, 'EXTRACT'), (2, 2, 'LOAD')],
     [], []),
    ('present on the full layout changes nothing', FULL, everywhere([1, 2]), 'present', {1, 2}, [], [], []),
    ('exact on the full layout changes nothing', FULL, everywhere([1, 2]), 'exact', {1, 2}, [], [], []),
    ('present keeps nodes it was not asked about', FULL, everywhere([1]), 'present', {1, 2}, [], [], []),
    ('exact shrinks to the given nodes', FULL, everywhere([1]), 'exact', {1, 2},
     [], [11, 13, 15, 17, 19, 21], []),
    ('exact swaps a node', UI_STATE, everywhere([3]), 'exact', {1, 2, 3},
     [(p, 3, loc) for p in (1, 2) for loc in ALL], [1, 2, 3, 4, 5, 6], []),
    ('absent removes the given node where others remain', FULL, everywhere([2]), 'absent', {1, 2},
     [], [11, 13, 15, 17, 19, 21], []),
    ('absent of a node that is not there changes nothing', UI_STATE, {'SELECT': [3]}, 'absent', {1, 2, 3}, [], [], []),
    ('present collapses duplicates of a wanted triple to the oldest row',
     rows((1, 1, 1, 'SELECT'), (7, 1, 1, 'SELECT'), (9, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 1, 'LOAD')),
     everywhere([1]), 'present', {1}, [], [7, 9], [7, 9]),
    ('present leaves duplicates of nodes it was not asked about',
     rows((1, 1, 1, 'SELECT'), (2, 1, 2, 'SELECT'), (8, 1, 2, 'SELECT'), (3, 1, 1, 'EXTRACT'), (4, 1, 1, 'LOAD')),
     everywhere([1]), 'present', {1, 2}, [], [], []),
    ('exact collapses duplicates and drops rows of nodes missing from NODE',
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 9, 'SELECT'), (4, 1, 1, 'EXTRACT'), (5, 1, 1, 'LOAD')),
     everywhere([1]), 'exact', {1}, [], [2, 3], [2]),
    ('exact drops every duplicate of an unwanted node, not only the extra ones',
     rows((1, 1, 1, 'SELECT'), (2, 1, 2, 'SELECT'), (3, 1, 2, 'SELECT'), (4, 1, 1, 'EXTRACT'), (5, 1, 1, 'LOAD')),
     everywhere([1]), 'exact', {1, 2}, [], [2, 3], []),
    ('present keeps rows of nodes missing from NODE',
     rows((1, 1, 9, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 1, 'LOAD')),
     everywhere([1]), 'present', {1}, [(1, 1, 'SELECT')], [], []),
    ('unmanaged locations are left alone',
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 5, 'LOAD'), (4, 1, 5, 'LOAD')),
     {'SELECT': [1, 2], 'EXTRACT': [1, 2]}, 'exact', {1, 2, 5},
     [(1, 2, 'SELECT'), (1, 2, 'EXTRACT')], [], []),
    ('per-location lists', UI_STATE[:3], {'SELECT': [1, 2], 'EXTRACT': [1, 2], 'LOAD': [3, 4]}, 'exact',
     {1, 2, 3, 4}, [(1, 2, 'SELECT'), (1, 2, 'EXTRACT'), (1, 3, 'LOAD'), (1, 4, 'LOAD')], [3], []),
    ('a pipeline with no rows gets them all', [], everywhere([1, 2]), 'present', {1, 2},
     [(7, n, loc) for loc in ALL for n in (1, 2)], [], []),
    ('rows with a location outside the three are not touched',
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 1, 'LOAD'), (4, 1, 1, 'select')),
     everywhere([1]), 'exact', {1}, [], [], []),
    ('rows of pipelines not selected are not touched', FULL, everywhere([1]), 'exact', {1, 2}, [], [11, 13, 15], []),
]


def _pipelines_of(case_id, current):
    if case_id == 'rows of pipelines not selected are not touched':
        return [1]
    return sorted(set(r.pipeline_id for r in current)) or [7]


@pytest.mark.parametrize('case_id, current, desired, state, known, inserts, deletes, duplicates', CASES,
                         ids=[c[0] for c in CASES])
def test_plan(case_id, current, desired, state, known, inserts, deletes, duplicates):
    plan = plan_layout(_pipelines_of(case_id, current), current, desired, state, known)
    assert plan.unserved == []
    assert plan.inserts == inserts
    assert plan.deletes == deletes
    assert plan.duplicates == duplicates


@pytest.mark.parametrize('state', ['present', 'exact'])
def test_plan_applied_reaches_the_desired_layout_and_is_then_stable(state):
    plan = plan_layout([1, 2], UI_STATE, everywhere([1, 2]), state, {1, 2})
    kept = [r for r in UI_STATE if r.id not in plan.deletes]
    applied = kept + rows(*[(100 + i, p, n, loc) for i, (p, n, loc) in enumerate(plan.inserts)])
    for pipeline in (1, 2):
        assert plan.after[pipeline] == dict((loc, [1, 2]) for loc in ALL)
    second = plan_layout([1, 2], applied, everywhere([1, 2]), state, {1, 2})
    assert (second.inserts, second.deletes, second.added, second.removed) == ([], [], [], [])
    assert second.before == plan.after
    assert changed_pipelines(second) == []


def test_before_and_after_show_duplicates_and_their_collapse():
    current = rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'EXTRACT'), (4, 1, 1, 'LOAD'))
    plan = plan_layout([1], current, everywhere([1]), 'present', {1})
    assert plan.before[1] == {'SELECT': [1, 1], 'EXTRACT': [1], 'LOAD': [1]}
    assert plan.after[1] == {'SELECT': [1], 'EXTRACT': [1], 'LOAD': [1]}
    assert plan.added == [] and plan.removed == []
    assert changed_pipelines(plan) == [1]


def test_added_and_removed_are_triples():
    plan = plan_layout([1, 2], UI_STATE, everywhere([2]), 'exact', {1, 2})
    assert plan.added == [(1, 2, 'SELECT'), (1, 2, 'EXTRACT'), (2, 2, 'LOAD')]
    assert plan.removed == [(1, 1, 'SELECT'), (1, 1, 'EXTRACT'), (2, 1, 'LOAD')]
    assert changed_pipelines(plan) == [1, 2]


def test_the_plan_does_not_depend_on_the_order_of_its_inputs():
    plan = plan_layout([2, 1, 2], list(reversed(FULL)), everywhere([1]), 'exact', [2, 1])
    assert plan == plan_layout([1, 2], FULL, everywhere([1]), 'exact', {1, 2})


UNSERVED_CASES = [
    ('absent of the only node', UI_STATE, {'LOAD': [2]}, 'absent', {1, 2}, [(1, 'LOAD', [2])]),
    ('absent of every node of a location', FULL, {'SELECT': [1, 2]}, 'absent', {1, 2},
     [(1, 'SELECT', [1, 2]), (2, 'SELECT', [1, 2])]),
    ('exact with a node missing from NODE only', UI_STATE, everywhere([9]), 'exact', {1, 2},
     [(p, loc, [n]) for p, locs in ((1, ((1,), (1,), (2,))), (2, ((2,), (2,), (1,)))) for loc, (n,) in zip(ALL, locs)]),
    ('a location whose only row names a missing node counts as empty',
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 9, 'LOAD')), {'SELECT': [1]}, 'present', {1},
     [(1, 'LOAD', [])]),
    ('an unmanaged location that is already empty', rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT')),
     {'SELECT': [1, 2]}, 'present', {1, 2}, [(1, 'LOAD', [])]),
]


@pytest.mark.parametrize('current, desired, state, known, unserved', [c[1:] for c in UNSERVED_CASES],
                         ids=[c[0] for c in UNSERVED_CASES])
def test_plan_lists_locations_left_without_a_node(current, desired, state, known, unserved):
    plan = plan_layout(sorted(set(r.pipeline_id for r in current)), current, desired, state, known)
    assert plan.unserved == unserved


def test_unknown_state_is_a_programming_error():
    assert STATES == ('present', 'exact', 'absent')
    with pytest.raises(ValueError, match='sideways'):
        plan_layout([1], [], everywhere([1]), 'sideways', {1})


@pytest.mark.parametrize('min_nodes, under', [
    (1, []),
    (2, [(1, 'SELECT', [1]), (1, 'EXTRACT', [1]), (1, 'LOAD', [1]), (2, 'SELECT', [1]), (2, 'EXTRACT', [1]),
         (2, 'LOAD', [1])]),
])
def test_min_nodes_lists_the_locations_left_with_too_few_nodes(min_nodes, under):
    plan = plan_layout([1, 2], FULL, everywhere([1]), 'exact', {1, 2}, min_nodes)
    assert plan.under == under
    assert plan.unserved == []


def test_min_nodes_counts_distinct_existing_nodes_only():
    current = rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 9, 'SELECT'), (4, 1, 1, 'EXTRACT'),
                   (5, 1, 2, 'EXTRACT'), (6, 1, 1, 'LOAD'), (7, 1, 2, 'LOAD'))
    plan = plan_layout([1], current, {'LOAD': [1, 2]}, 'present', {1, 2}, 2)
    assert plan.under == [(1, 'SELECT', [1])]
    assert plan_layout([1], current, {'LOAD': [1]}, 'absent', {1, 2}, 2).unserved == []
    assert plan_layout([1], current, {'LOAD': [1]}, 'absent', {1, 2}, 1).under == []


def test_plan_fleet_gives_each_pipeline_its_own_layout():
    wants = {1: {'SELECT': ('exact', [2]), 'EXTRACT': ('exact', [2])}, 2: {'LOAD': ('present', [2])}}
    plan = plan_fleet([1, 2], UI_STATE, wants, {1, 2})
    assert plan.inserts == [(1, 2, 'SELECT'), (1, 2, 'EXTRACT'), (2, 2, 'LOAD')]
    assert plan.deletes == [1, 2]
    assert plan.after == {1: {'SELECT': [2], 'EXTRACT': [2], 'LOAD': [2]},
                          2: {'SELECT': [2], 'EXTRACT': [2], 'LOAD': [1, 2]}}
    assert plan == plan_fleet([2, 1], list(reversed(UI_STATE)), wants, [2, 1])
    one = plan_layout([1, 2], UI_STATE, everywhere([1, 2]), 'present', {1, 2})
    assert one == plan_fleet([1, 2], UI_STATE, dict((p, dict((loc, ('present', [1, 2])) for loc in ALL)) for p in (1, 2)),
                             {1, 2})


def test_plan_fleet_leaves_pipelines_without_wants_alone():
    plan = plan_fleet([1, 2], UI_STATE, {1: {'LOAD': ('exact', [1])}}, {1, 2})
    assert (plan.inserts, plan.deletes) == ([(1, 1, 'LOAD')], [3])
    assert plan.after[2] == plan.before[2]


def test_merge_wants_joins_entries_and_accepts_repeats_of_the_same_want():
    entries = [(PIPELINES, {'SELECT': [2, 1], 'EXTRACT': [1, 2]}, 'exact'),
               (PIPELINES[:1], {'LOAD': [3]}, 'present'),
               (PIPELINES[:1], {'SELECT': [1, 2]}, 'exact')]
    assert merge_wants(entries, lambda i: 'layouts[%d]' % i) == {
        1: {'SELECT': ('exact', [1, 2]), 'EXTRACT': ('exact', [1, 2]), 'LOAD': ('present', [3])},
        2: {'SELECT': ('exact', [1, 2]), 'EXTRACT': ('exact', [1, 2])}}


@pytest.mark.parametrize('second', [({'SELECT': [1]}, 'exact'), ({'SELECT': [1, 2]}, 'present')])
def test_merge_wants_refuses_two_declarations_of_one_location(second):
    entries = [(PIPELINES, {'SELECT': [1, 2]}, 'exact'), (PIPELINES[1:], second[0], second[1])]
    with pytest.raises(RequestError) as caught:
        merge_wants(entries, lambda i: "layouts[%d] ('e%d')" % (i, i))
    assert str(caught.value) == (
        "layouts[0] ('e0') and layouts[1] ('e1') both manage sync-ab/b-to-a (pipeline 2) SELECT, with different nodes: "
        "layouts[0] ('e0') has exact [1, 2], layouts[1] ('e1') has %s %s; give one pipeline location one declaration "
        "(nothing was changed)" % (second[1], sorted(second[0]['SELECT'])))


# ---------------------------------------------------------------------------------------------
# declaration_of: the current layout as entries to give back

def test_declaration_of_the_ha_layout_is_one_entry():
    layout = layout_of([1, 2], FULL, valid_only=True)
    assert declaration_of(PIPELINES, layout, NODES, PIPELINES) == [
        dict(pipelines=['a-to-b', 'b-to-a'], state='exact', nodes=['node-a', 'node-b'])]


def test_declaration_of_the_ui_layout_names_each_location():
    layout = layout_of([1, 2], UI_STATE, valid_only=True)
    assert declaration_of(PIPELINES, layout, NODES, PIPELINES) == [
        dict(pipelines=['a-to-b'], state='exact', select_nodes=['node-a'], extract_nodes=['node-a'], load_nodes=['node-b']),
        dict(pipelines=['b-to-a'], state='exact', select_nodes=['node-b'], extract_nodes=['node-b'], load_nodes=['node-a'])]


def test_declaration_of_leaves_out_missing_nodes_and_empty_locations():
    layout = layout_of([1, 2], rows((1, 1, 1, 'SELECT'), (2, 1, 9, 'SELECT'), (3, 1, 1, 'SELECT'), (4, 1, 2, 'LOAD'),
                                    (5, 2, 9, 'LOAD')), valid_only=True)
    assert declaration_of(PIPELINES, layout, NODES, PIPELINES) == [
        dict(pipelines=['a-to-b'], state='exact', select_nodes=['node-a'], load_nodes=['node-b'],
             locations=['SELECT', 'LOAD'])]


def test_declaration_of_refers_by_id_where_a_name_would_not_resolve():
    nodes = NODES + [Node(4, '2', '10.0.0.4', 2088, None, None), Node(5, 'twin', 'a', 1, None, None),
                     Node(6, 'twin', 'b', 1, None, None), Node(7, '7', 'c', 1, None, None)]
    pipelines = PIPELINES + [Pipeline(3, 'a-to-b', 2, 'other')]
    layout = dict((p, dict((loc, [2, 4, 5, 6, 7]) for loc in ALL)) for p in (1, 2))
    (entry,) = declaration_of(PIPELINES, layout, nodes, pipelines)
    # node 4 is named '2', which is node 2's ID; the twins share a name; node 7 is named by its own ID
    assert entry == dict(pipelines=['1', 'b-to-a'], state='exact', nodes=['node-b', '4', '5', '6', '7'])
    assert [n.id for n in resolve(entry['nodes'], nodes, 'node')] == [2, 4, 5, 6, 7]
    assert [p.id for p in resolve(entry['pipelines'], pipelines, 'pipeline')] == [1, 2]


def test_declaration_of_leaves_out_the_pipelines_of_a_node_no_reference_names():
    # node 4 shares its name with node 5, and its ID '4' is node 9's name: neither names node 4
    nodes = NODES + [Node(4, 'twin', 'a', 1, None, None), Node(5, 'twin', 'b', 1, None, None),
                     Node(9, '4', 'c', 1, None, None)]
    layout = {1: dict((loc, [4, 9]) for loc in ALL), 2: dict((loc, [5, 9]) for loc in ALL)}
    (entry,) = declaration_of(PIPELINES, layout, nodes, PIPELINES)
    assert entry == dict(pipelines=['b-to-a'], state='exact', nodes=['5', '9'])
    assert [n.id for n in resolve(entry['nodes'], nodes, 'node')] == [5, 9]


def test_declaration_of_leaves_out_a_pipeline_no_reference_names():
    # pipeline 2's name is shared with pipeline 3, and its ID '2' is pipeline 7's name
    pipelines = PIPELINES + [Pipeline(3, 'b-to-a', 2, 'other'), Pipeline(7, '2', 2, 'other')]
    layout = layout_of([1, 2], FULL, valid_only=True)
    assert declaration_of(PIPELINES, layout, NODES, pipelines) == [
        dict(pipelines=['a-to-b'], state='exact', nodes=['node-a', 'node-b'])]


def test_declaration_of_leaves_out_exactly_what_naming_cannot_name():
    nodes = NODES + [Node(4, 'twin', 'a', 1, None, None), Node(5, 'twin', 'b', 1, None, None),
                     Node(9, '4', 'c', 1, None, None)]
    pipelines = PIPELINES + [Pipeline(3, 'b-to-a', 2, 'other'), Pipeline(7, '2', 2, 'other')]
    layout = {1: dict((loc, [1, 2]) for loc in ALL), 2: dict((loc, [1, 2]) for loc in ALL),
              3: dict((loc, [4, 2, 77]) for loc in ALL)}
    names = naming(pipelines[:3], layout, nodes, pipelines)
    # node 4 (used by pipeline 3) and pipeline 2 cannot be named; 77 is not in NODE (left out, not unnamed)
    assert [(n, [p.id for p in users]) for n, users in names.unnamed_nodes.items()] == [(4, [3])]
    assert [p.id for p in names.unnamed_pipelines] == [2]
    assert declaration_of(pipelines[:3], layout, nodes, pipelines) == [
        dict(pipelines=['a-to-b'], state='exact', nodes=['node-a', 'node-b'])]


def test_every_reference_declaration_of_emits_names_what_it_declares():
    """Whatever the names, each entry resolves back to its own pipelines and nodes under the reference rule."""
    names = ['1', '2', '3', 'x', 'x', 'y']
    emitted = 0
    for shift in range(len(names)):
        nodes = [Node(i, names[(i + shift) % len(names)], 'h', 1, None, None) for i in range(1, 7)]
        layout = dict((p, dict((loc, [p, p + 1, 6]) for loc in ALL)) for p in (1, 2, 3))
        pipelines = [Pipeline(p, names[(p + shift) % len(names)], 1, 'c') for p in (1, 2, 3)]
        for entry in declaration_of(pipelines, layout, nodes, pipelines):
            (pid,) = [p.id for p in resolve(entry['pipelines'], pipelines, 'pipeline')]
            assert [n.id for n in resolve(entry['nodes'], nodes, 'node')] == layout[pid]['SELECT']
            emitted += 1
    assert emitted == 4   # of 18 pipelines: the others, or one of their nodes, no reference names


# ---------------------------------------------------------------------------------------------
# layout_of and rows_after

def test_layout_of_keeps_every_row_and_odd_locations_unless_valid_only():
    current = rows((1, 1, 2, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'SELECT'), (4, 1, 1, 'select'))
    assert layout_of([1, 2], current) == {
        1: {'SELECT': [1, 1, 2], 'EXTRACT': [], 'LOAD': [], 'select': [1]},
        2: {'SELECT': [], 'EXTRACT': [], 'LOAD': []},
    }
    assert layout_of([1, 2], current, valid_only=True) == {
        1: {'SELECT': [1, 1, 2], 'EXTRACT': [], 'LOAD': []},
        2: {'SELECT': [], 'EXTRACT': [], 'LOAD': []},
    }


def test_rows_after_drops_the_deleted_rows_and_adds_rows_without_ids():
    plan = plan_layout([1], UI_STATE[:3], everywhere([2]), 'exact', {1, 2})
    after = rows_after(UI_STATE[:3], plan)
    assert after == [UI_STATE[2], Relation(None, 1, 2, 'SELECT', None, None), Relation(None, 1, 2, 'EXTRACT', None, None)]
    both = plan_layout([1, 2], UI_STATE, everywhere([1, 2]), 'exact', {1, 2})
    assert rows_after(UI_STATE, both, frozenset([2])) == [r for r in rows_after(UI_STATE, both) if r.pipeline_id == 2]
    assert rows_after(UI_STATE, both, frozenset()) == []
    assert layout_of([1], after) == plan.after


# ---------------------------------------------------------------------------------------------
# Reports

def test_pipelines_report_lists_each_node_once():
    current = UI_STATE[:3] + rows((9, 1, 1, 'SELECT'))
    plan = plan_layout([1], current, everywhere([1, 2]), 'present', {1, 2})
    assert pipelines_report(PIPELINES[:1], plan.before) == [dict(
        id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'), nodes={'SELECT': [1], 'EXTRACT': [1], 'LOAD': [2]})]
    assert pipelines_report(PIPELINES[:1], plan.after) == [dict(
        id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'),
        nodes={'SELECT': [1, 2], 'EXTRACT': [1, 2], 'LOAD': [1, 2]})]


def test_layouts_report_groups_pipelines_with_the_same_node_sets():
    before = layout_of([1, 2], UI_STATE + rows((9, 1, 1, 'SELECT')))
    assert layouts_report([2, 1], before) == [
        dict(pipelines=[1], nodes={'SELECT': [1], 'EXTRACT': [1], 'LOAD': [2]}),
        dict(pipelines=[2], nodes={'SELECT': [2], 'EXTRACT': [2], 'LOAD': [1]}),
    ]
    plan = plan_layout([1, 2], UI_STATE, everywhere([1, 2]), 'present', {1, 2})
    assert layouts_report([1, 2], plan.after) == [
        dict(pipelines=[1, 2], nodes={'SELECT': [1, 2], 'EXTRACT': [1, 2], 'LOAD': [1, 2]})]
    assert layouts_report([], {}) == []


def test_layouts_report_orders_groups_by_their_first_pipeline():
    layout = {5: {'SELECT': [1], 'EXTRACT': [1], 'LOAD': [1]}, 3: {'SELECT': [2], 'EXTRACT': [2], 'LOAD': [2]},
              9: {'SELECT': [1], 'EXTRACT': [1], 'LOAD': [1]}}
    assert [g['pipelines'] for g in layouts_report([9, 5, 3], layout)] == [[3], [5, 9]]


def test_changes_report_is_one_entry_per_location_and_change():
    plan = plan_layout([1, 2], UI_STATE, everywhere([2]), 'exact', {1, 2})
    assert changes_report(plan.added, plan.removed) == [
        dict(location='SELECT', added=[2], removed=[1], pipelines=[1]),
        dict(location='EXTRACT', added=[2], removed=[1], pipelines=[1]),
        dict(location='LOAD', added=[2], removed=[1], pipelines=[2]),
    ]


def test_changes_report_groups_the_pipelines_with_the_same_change():
    plan = plan_layout([1, 2], FULL, everywhere([1]), 'exact', {1, 2})
    assert changes_report(plan.added, plan.removed) == [
        dict(location=loc, added=[], removed=[2], pipelines=[1, 2]) for loc in ALL]


def test_a_fleet_with_one_change_is_a_compact_result():
    fleet = rows(*[(p * 3 + i, p, 1, loc) for p in range(1, 1001) for i, loc in enumerate(ALL)])
    plan = plan_layout(range(1, 1001), fleet, everywhere([1, 2]), 'present', {1, 2})
    assert len(plan.inserts) == 3000
    assert changes_report(plan.added, plan.removed) == [
        dict(location=loc, added=[2], removed=[], pipelines=list(range(1, 1001))) for loc in ALL]
    assert layouts_report(range(1, 1001), plan.after) == [
        dict(pipelines=list(range(1, 1001)), nodes=dict((loc, [1, 2]) for loc in ALL))]


def test_changes_report_sorts_and_omits_what_does_not_change():
    added = [(2, 3, 'LOAD'), (1, 4, 'SELECT'), (1, 3, 'SELECT')]
    removed = [(2, 9, 'SELECT')]
    assert changes_report(added, removed) == [
        dict(location='SELECT', added=[3, 4], removed=[], pipelines=[1]),
        dict(location='SELECT', added=[], removed=[9], pipelines=[2]),
        dict(location='LOAD', added=[3], removed=[], pipelines=[2]),
    ]
    assert changes_report([], []) == []
    # duplicates collapsed: rows change, the layout does not
    plan = plan_layout([1], rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 1, 'EXTRACT'), (4, 1, 1, 'LOAD')),
                       everywhere([1]), 'present', {1})
    assert plan.deletes == [2] and changes_report(plan.added, plan.removed) == []


def test_layout_text_names_nodes_and_shows_duplicates_and_empty_locations():
    plan = plan_layout([1], UI_STATE[:3], everywhere([1, 2]), 'present', {1, 2})
    assert layout_text(PIPELINES[:1], plan.before) == (
        'sync-ab/a-to-b (pipeline 1)\n  SELECT  1\n  EXTRACT 1\n  LOAD    2\n')
    assert layout_text(PIPELINES[:1], plan.after, NAMES) == (
        'sync-ab/a-to-b (pipeline 1)\n  SELECT  1 node-a, 2 node-b\n  EXTRACT 1 node-a, 2 node-b\n'
        '  LOAD    1 node-a, 2 node-b\n')
    odd = layout_of([1, 3], rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 9, 'LOAD')))
    assert layout_text(PIPELINES[:1] + [Pipeline(3, 'c', 2, 'other')], odd, NAMES) == (
        'sync-ab/a-to-b (pipeline 1)\n  SELECT  1 node-a, 1 node-a\n  EXTRACT -\n  LOAD    9\n'
        'other/c (pipeline 3)\n  SELECT  -\n  EXTRACT -\n  LOAD    -\n')
