# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.otter_layout import (
    changed_pipelines, layout_report, layout_text, plan_layout)
from ansible_collections.otter.ha.plugins.module_utils.otter_model import Pipeline
from ansible_collections.otter.ha.tests.unit.plugins.module_utils.layouts import ALL, FULL, UI_STATE, rows


def everywhere(nodes):
    return dict((loc, list(nodes)) for loc in ALL)


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
]


@pytest.mark.parametrize('current, desired, state, known, inserts, deletes, duplicates',
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_plan(current, desired, state, known, inserts, deletes, duplicates):
    pipelines = sorted(set(r.pipeline_id for r in current)) or [7]
    plan = plan_layout(pipelines, current, desired, state, known)
    assert plan.empty == []
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
    assert (second.inserts, second.deletes) == ([], [])
    assert second.before == plan.after


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


EMPTY_CASES = [
    ('absent of the only node', UI_STATE, {'LOAD': [2]}, 'absent', {1, 2}, [(1, 'LOAD', [2])]),
    ('absent of every node of a location', FULL, {'SELECT': [1, 2]}, 'absent', {1, 2},
     [(1, 'SELECT', [1, 2]), (2, 'SELECT', [1, 2])]),
    ('a location whose only row names a missing node counts as empty',
     rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 9, 'LOAD')), {'SELECT': [1]}, 'present', {1},
     [(1, 'LOAD', [])]),
    ('an unmanaged location that is already empty', rows((1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT')),
     {'SELECT': [1, 2]}, 'present', {1, 2}, [(1, 'LOAD', [])]),
]


@pytest.mark.parametrize('current, desired, state, known, empty', [c[1:] for c in EMPTY_CASES],
                         ids=[c[0] for c in EMPTY_CASES])
def test_plan_refuses_to_leave_a_location_without_a_node(current, desired, state, known, empty):
    plan = plan_layout(sorted(set(r.pipeline_id for r in current)), current, desired, state, known)
    assert plan.empty == empty


def test_unknown_state_is_a_programming_error():
    with pytest.raises(ValueError, match='sideways'):
        plan_layout([1], [], everywhere([1]), 'sideways', {1})


def test_reports():
    plan = plan_layout([1], UI_STATE[:3], everywhere([1, 2]), 'present', {1, 2})
    pipeline = Pipeline(1, 'a-to-b', 1, 'sync-ab')
    assert layout_report([pipeline], plan.after) == [dict(
        id=1, name='a-to-b', channel=dict(id=1, name='sync-ab'),
        nodes={'SELECT': [1, 2], 'EXTRACT': [1, 2], 'LOAD': [1, 2]})]
    assert layout_text([pipeline], plan.before) == (
        'sync-ab/a-to-b (pipeline 1)\n  SELECT  1\n  EXTRACT 1\n  LOAD    2\n')
