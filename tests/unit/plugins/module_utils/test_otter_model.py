# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resolution of the references an inventory writes (IDs or names) to Otter objects."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError
from ansible_collections.otter.ha.plugins.module_utils.otter_model import (
    Node, ref_id, resolve_nodes, resolve_selection)

NODES = [Node(1, 'node-a', '10.0.0.1'), Node(2, 'node-b', '10.0.0.2'), Node(3, 'twin', '10.0.0.3'),
         Node(4, 'twin', '10.0.0.4'), Node(5, '7', '10.0.0.5')]

# (channel id, channel name, pipeline id, pipeline name), as read_selection returns them.
SELECTION_ROWS = [
    (1, 'sync-ab', 1, 'a-to-b'), (1, 'sync-ab', 2, 'b-to-a'),
    (2, 'sync-cd', 3, 'a-to-b'), (2, 'sync-cd', 4, 'd-to-c'),
    (3, 'empty', None, None),
]


@pytest.mark.parametrize('ref, expected', [
    ('12', 12), (12, 12), (' 3 ', 3), ('0', None), ('-1', None), ('1.5', None), ('node-a', None),
    ('99999999999999999999', None), (u'\u0663', None),
])
def test_ref_id(ref, expected):
    assert ref_id(ref) == expected


@pytest.mark.parametrize('refs, expected', [
    (['node-a', 'node-b'], [1, 2]),
    (['2', 1], [2, 1]),
    (['7'], [5]),  # no node has ID 7, so '7' is the name of node 5
    (['4'], [4]),
])
def test_resolve_nodes(refs, expected):
    assert resolve_nodes(refs, NODES) == expected


@pytest.mark.parametrize('refs, message', [
    (['node-x'], "node 'node-x' not found in NODE (known: 1 node-a, 2 node-b"),
    (['twin'], "node name 'twin' is ambiguous, it matches 3 (twin@10.0.0.3), 4 (twin@10.0.0.4)"),
    (['node-a', '1'], "node 1 is listed more than once ('node-a', '1')"),
    ([], 'must list at least one node'),
    (["x'; DROP TABLE NODE; --"], "node 'x'; DROP TABLE NODE; --' not found"),
    ([u'n\u00f6de'], u"node 'n\u00f6de' not found"),
])
def test_resolve_nodes_errors_name_the_value(refs, message):
    with pytest.raises(OtterError) as caught:
        resolve_nodes(refs, NODES, option='select_nodes')
    assert message in str(caught.value)
    assert str(caught.value).startswith('select_nodes')


@pytest.mark.parametrize('channels, pipelines, expected', [
    (['sync-ab'], None, [1, 2]),
    (['2'], None, [3, 4]),
    (['sync-ab', 'sync-cd'], None, [1, 2, 3, 4]),
    (None, ['b-to-a'], [2]),
    (None, ['4', 'b-to-a'], [2, 4]),
    (['sync-cd'], ['a-to-b'], [3]),
    (['sync-ab'], ['a-to-b', '2'], [1, 2]),
])
def test_resolve_selection(channels, pipelines, expected):
    assert [p.id for p in resolve_selection(channels, pipelines, SELECTION_ROWS)] == expected


def test_resolve_selection_keeps_channel_names():
    (pipeline,) = resolve_selection(None, ['d-to-c'], SELECTION_ROWS)
    assert (pipeline.name, pipeline.channel_id, pipeline.channel_name) == ('d-to-c', 2, 'sync-cd')


@pytest.mark.parametrize('channels, pipelines, message', [
    (['nope'], None, "channel 'nope' not found in CHANNEL"),
    (['empty'], None, "channel 'empty' (id 3) has no pipelines"),
    (['sync-ab', '1'], None, "channel 1 is listed more than once ('sync-ab', '1')"),
    (None, ['a-to-b'], "pipeline name 'a-to-b' is ambiguous, it matches pipelines 1 (sync-ab/a-to-b), "
                       "3 (sync-cd/a-to-b)"),
    (None, ['zz'], "pipeline 'zz' not found in PIPELINE"),
    (['sync-ab'], ['d-to-c'], "pipeline 'd-to-c' not found in PIPELINE (a pipeline of that name exists outside "
                              "the given channels: 4 (sync-cd/d-to-c))"),
    (['sync-ab'], ['4'], "pipeline '4' is pipeline 4 (sync-cd/d-to-c), which is not in the given channel(s) "
                         "1 (sync-ab)"),
    (None, ['1', 'sync-ab/a-to-b'], "pipeline 'sync-ab/a-to-b' not found in PIPELINE"),
    (['sync-ab'], ['1', 'a-to-b'], "pipeline 1 is listed more than once ('1', 'a-to-b')"),
])
def test_resolve_selection_errors_name_the_value(channels, pipelines, message):
    with pytest.raises(OtterError) as caught:
        resolve_selection(channels, pipelines, SELECTION_ROWS)
    assert message in str(caught.value)
