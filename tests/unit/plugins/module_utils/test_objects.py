# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Otter's objects as the collection sees them: locations, labels, PARAMETERS, channel commands."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils import objects
from ansible_collections.otter.ha.plugins.module_utils.objects import Pipeline
from ansible_collections.otter.ha.tests.unit.plugins.layouts import SEED_PARAMETERS


def test_the_manager_enums():
    assert objects.LOCATIONS == ('SELECT', 'EXTRACT', 'LOAD')
    assert objects.CHANNEL_STATUSES == ('START', 'PAUSE', 'STOP')
    assert objects.MAINSTEM_STATUSES == ('TAKEING', 'OVERTAKE')


def test_locations_sort_in_stage_order_then_other_values_by_text():
    found = ['LOAD', 'select', 'SELECT', 'TRANSFORM', 'EXTRACT', 'LOAD ']
    assert sorted(found, key=objects.location_order) == ['SELECT', 'EXTRACT', 'LOAD', 'LOAD ', 'TRANSFORM', 'select']


def test_labels():
    assert objects.pipeline_label(Pipeline(7, 'a-to-b', 1, 'sync-ab')) == 'sync-ab/a-to-b (pipeline 7)'
    assert objects.pipeline_label(Pipeline(7, 'a-to-b', 1, None)) == '?/a-to-b (pipeline 7)'
    names = {1: 'node-a'}
    assert objects.node_label(1, names) == 'node 1 (node-a)'
    assert objects.node_label(2, names) == 'node 2'
    assert objects.nodes_label({2, 1}, names) == 'node 1 (node-a), node 2'
    assert objects.nodes_label([], names) == 'none'


def test_listing_stays_short():
    assert objects.listing([]) == 'none'
    assert objects.listing(['a', 'b']) == 'a, b'
    many = objects.listing(str(i) for i in range(25))
    assert many == ', '.join(str(i) for i in range(20)) + ', ... (5 more)'


def test_short_shows_json_values_as_json_and_text_quoted():
    assert objects.short('START') == "'START'"
    assert objects.short(b'\xff') == "b'\\xff'"
    assert [objects.short(v) for v in (None, True, False, 1.9, 0, [1, 'a'], {'b': 1, 'a': None})] == [
        'null', 'true', 'false', '1.9', '0', '[1, "a"]', '{"a": null, "b": 1}']
    assert objects.short({'x': float('nan')}) == '{"x": NaN}'
    assert objects.short({1: object}).startswith('{1: <class ')   # not JSON: repr


def test_short_cuts_long_values_and_says_how_long_they_were():
    cut = objects.short('x' * 1000)
    assert cut.startswith("'" + 'x' * 79) and cut.endswith('... (1002 characters)')
    assert len(cut) < 120


@pytest.mark.parametrize('text, expected, problem', [
    ('{"downloadPort":2089,"mbeanPort":2090,"zkCluster":{"id":1}}',
     {'downloadPort': 2089, 'mbeanPort': 2090, 'zkCluster': {'id': 1}}, None),
    (b'{"useExternalIp":true}', {'useExternalIp': True}, None),
    ('{"a":1}', {'a': 1}, None),
    (None, {}, None),
    ('', {}, None),
    ('   ', {}, None),
    ('{"downloadPort":', {}, 'is not valid JSON'),
    ('[1, 2]', {}, 'is JSON but not an object'),
    ('"text"', {}, 'is JSON but not an object'),
    (b'\xff\xfe', {}, 'is not UTF-8 text'),
])
def test_parse_parameters(text, expected, problem):
    parsed, found = objects.parse_parameters(text)
    assert parsed == expected
    if problem:
        assert problem in found
    else:
        assert found is None


def test_dump_parameters_is_compact_and_sorted_like_fastjson():
    assert objects.dump_parameters({'zkCluster': {'id': 1, 'clusterName': 'default'}, 'mbeanPort': 2090,
                                    'downloadPort': 2089, 'useExternalIp': False}) == SEED_PARAMETERS
    text = objects.dump_parameters({'externalIp': u'h\u00f6st'})
    assert text == u'{"externalIp":"h\u00f6st"}'
    assert json.loads(text) == {'externalIp': u'h\u00f6st'}


@pytest.mark.parametrize('status, state, command', [
    ('START', 'stopped', 'stop'), ('PAUSE', 'stopped', 'stop'), ('PAUSE', 'started', 'start'),
    ('STOP', 'started', 'start'), ('START', 'started', None), ('STOP', 'stopped', None)])
def test_channel_command(status, state, command):
    assert objects.channel_command(status, state) == command


def test_channel_targets():
    assert objects.CHANNEL_TARGETS == {'started': ('START', 'start'), 'stopped': ('STOP', 'stop')}
