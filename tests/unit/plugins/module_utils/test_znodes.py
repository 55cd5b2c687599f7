# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Otter (4.2.18) keeps in ZooKeeper, parsed strictly: data Otter would not have written is
a problem naming the path, never a live node, a status or a lock holder."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils import znodes
from ansible_collections.otter.ha.plugins.module_utils.znodes import (
    id_children, live_state, parse_channel_status, parse_mainstem, parse_process, release_data)

MAINSTEM_1 = b'{"active":true,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'
BIG = b'{"nid":1,"status":"OVERTAKE","pad":"' + b'x' * 800000 + b'"}'


def parsed(parse, data, path='/p'):
    problems = []
    value = parse(data, path, problems)
    return value, problems


def test_paths():
    assert (znodes.OTTER_ROOT, znodes.NODE_ROOT, znodes.CHANNEL_ROOT) == ('/otter', '/otter/node', '/otter/channel')
    assert znodes.CANAL_ROOT == '/otter/canal/destinations'
    assert znodes.PROCESS_STATUSES == ('USED', 'UNUSED')
    assert znodes.channel_path(3) == '/otter/channel/3'
    assert znodes.mainstem_path(3, 7) == '/otter/channel/3/7/mainstem'


# ---------------------------------------------------------------------------------------------
# Channel status: the JSON string of ChannelStatus

@pytest.mark.parametrize('data, status', [
    (b'"START"', 'START'), (b'"PAUSE"', 'PAUSE'), (b'"STOP"', 'STOP'), (b' "START" ', 'START'), (u'"STOP"', 'STOP'),
])
def test_channel_status_is_the_json_string_of_the_enum(data, status):
    assert parsed(parse_channel_status, data) == (status, [])


@pytest.mark.parametrize('data, what', [
    (b'STOP', "holds b'STOP', which is not JSON"),      # fastjson writes the quotes
    (b'"start"', "holds b'\"start\"', not a channel status (the JSON string of one of START, PAUSE, STOP)"),
    (b'"RUNNING"', 'not a channel status'),
    (b'{"status":"START"}', 'not a channel status'),
    (b'["START"]', 'not a channel status'),
    (b'', 'which is not JSON'),
    (b'\xff"START"', 'which is not JSON'),
])
def test_channel_status_refuses_other_data_naming_the_znode(data, what):
    status, problems = parsed(parse_channel_status, data, '/otter/channel/1')
    assert status is None
    assert len(problems) == 1
    assert problems[0][0] == '/otter/channel/1'
    assert what in problems[0][1]


def test_a_huge_channel_status_is_one_short_problem():
    status, problems = parsed(parse_channel_status, b'"' + b'S' * 800000 + b'"', '/otter/channel/1')
    assert status is None
    assert problems == [('/otter/channel/1', 'holds 800002 bytes, more than Otter ever writes there (4096 at most)')]


# ---------------------------------------------------------------------------------------------
# Mainstem: MainStemEventData

def test_mainstem_event_data():
    assert parsed(parse_mainstem, MAINSTEM_1) == ({'nid': 1, 'status': 'OVERTAKE', 'active': True}, [])
    assert parsed(parse_mainstem, b'{"nid":2,"status":"TAKEING","active":false}') == (
        {'nid': 2, 'status': 'TAKEING', 'active': False}, [])
    # fastjson omits null fields; active defaults to true in MainStemEventData.
    assert parsed(parse_mainstem, b'{"nid":3,"status":"OVERTAKE"}')[0]['active'] is True


@pytest.mark.parametrize('data, what', [
    (b'{"nid":true,"status":"OVERTAKE","active":"false"}', 'has nid true, not a node ID'),
    (b'{"nid":true,"active":"false"}', 'has nid true, not a node ID'),
    (b'{"nid":1.9,"status":"OVERTAKE"}', 'has nid 1.9, not a node ID'),
    (b'{"nid":"2","status":"OVERTAKE"}', "has nid '2', not a node ID"),
    (b'{"nid":0,"status":"OVERTAKE"}', 'has nid 0, not a node ID'),
    (b'{"nid":-3,"status":"OVERTAKE"}', 'has nid -3, not a node ID'),
    (b'{"nid":null,"status":"OVERTAKE"}', 'has nid null, not a node ID'),
    (b'{"status":"TAKEING"}', 'has nid null, not a node ID'),
    (b'{"nid":1}', 'has status null, not one of TAKEING, OVERTAKE'),
    (b'{"nid":1,"status":"overtake"}', "has status 'overtake', not one of TAKEING, OVERTAKE"),
    (b'{"nid":1,"status":"OVERTAKE","active":"false"}', "has active 'false', not a boolean"),
    (b'{"nid":1,"status":"OVERTAKE","active":0}', 'has active 0, not a boolean'),
    (b'{"nid":1,"status":"OVERTAKE","active":null}', 'has active null, not a boolean'),
    (b'[1]', 'not the JSON object of a mainstem'),
    (b'1', 'not the JSON object of a mainstem'),
    (b'not json', 'which is not JSON'),
    (b'', 'which is not JSON'),
])
def test_mainstem_refuses_data_otter_would_not_write(data, what):
    value, problems = parsed(parse_mainstem, data, '/otter/channel/1/1/mainstem')
    assert value is None
    assert len(problems) == 1
    assert problems[0][0] == '/otter/channel/1/1/mainstem'
    assert what in problems[0][1]


def test_release_data_is_the_holder_with_active_false_as_fastjson_writes_it():
    assert release_data(MAINSTEM_1) == b'{"active":false,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'
    # Keys Otter may add later are kept; fastjson orders them.
    assert release_data(b'{"status":"TAKEING","nid":2,"zeta":1,"active":true}') == (
        b'{"active":false,"nid":2,"status":"TAKEING","zeta":1}')


def test_a_huge_mainstem_is_one_short_problem():
    value, problems = parsed(parse_mainstem, BIG, '/otter/channel/1/1/mainstem')
    assert value is None
    assert len(problems) == 1
    assert 'holds %d bytes, more than Otter ever writes there (4096 at most)' % len(BIG) in problems[0][1]
    assert len(problems[0][1]) < 300


def test_garbage_is_quoted_shortly():
    value, problems = parsed(parse_mainstem, b'\x00' * 4000)
    assert value is None and len(problems[0][1]) < 300


# ---------------------------------------------------------------------------------------------
# Children named by an ID

def test_id_children():
    problems = []
    assert id_children(['2', '10', '1'], '/otter/node', problems) == [1, 2, 10]
    assert problems == []


@pytest.mark.parametrize('name', ['007', '0', '-1', '+1', 'lock', 'process', '1.0', ' 1', u'\u0663', ''])
def test_a_child_not_named_by_an_id_is_a_problem_and_not_counted(name):
    problems = []
    assert id_children(['1', name], '/otter/node', problems) == [1]
    assert problems == [('/otter/node/%s' % name, 'is not named by an ID as Otter names its znodes, so it is not counted')]


def test_a_child_with_a_trailing_newline_is_not_an_id():
    problems = []
    assert id_children(['7\n'], '/otter/node', problems) == []


# ---------------------------------------------------------------------------------------------
# Process: ProcessNodeEventData

def test_process_event_data():
    assert parsed(parse_process, b'{"nid":2,"status":"USED","processId":7}') == ({'nid': 2, 'status': 'USED'}, [])
    assert parsed(parse_process, b'') == (None, [])      # an unused process: Otter skips it too
    assert parsed(parse_process, None) == (None, [])


@pytest.mark.parametrize('data', [b'{"nid":true,"status":"USED"}', b'{"nid":2,"status":"used"}', b'{"status":"USED"}',
                                  b'[2]', b'"USED"', b'{"nid":2.0,"status":"USED"}'])
def test_process_refuses_data_otter_would_not_write(data):
    value, problems = parsed(parse_process, data, '/otter/channel/1/1/process/0000000001')
    assert value is None
    assert problems == [('/otter/channel/1/1/process/0000000001',
                         'holds %s, not the JSON of a process (a nid and a status, one of USED, UNUSED)' % repr(data))]


def test_a_process_that_is_not_json_is_one_problem():
    value, problems = parsed(parse_process, b'not json', '/x')
    assert value is None and len(problems) == 1 and 'which is not JSON' in problems[0][1]


# ---------------------------------------------------------------------------------------------
# live_state

def pipeline(mainstem=None, owner=None, since=None, processes=None):
    return dict(mainstem=mainstem, owner=owner, since=since, processes=processes or {})


def channel(status, pipelines=None, mtime=1764547200000):
    return dict(status=status, mtime=mtime, pipelines=pipelines or {})


def raw(nodes, channels, cursors=()):
    return dict(nodes=dict((n, 0x100 + i) for i, n in enumerate(nodes)) if isinstance(nodes, list) else nodes,
                channels=channels, cursors=list(cursors))


EMPTY = dict(channel_id=None, mainstem_nid=None, mainstem_status=None, active=False, mainstem_since=None, processes=[])


def test_live_state_reports_channels_and_pipelines_sorted():
    processes = {'0000000002': b'', '0000000001': b'{"nid":1,"status":"USED"}'}
    held = pipeline(MAINSTEM_1, 0x11, 1764547300500, processes)
    state, problems, sessions = live_state(raw({'2': 0x12, '1': 0x11}, {
        2: channel(b'"STOP"'),
        1: channel(b'"START"', {2: pipeline(), 1: held}, mtime=1764547200250)}))
    assert problems == []
    assert state['alive_nodes'] == [1, 2]
    assert state['channels'] == [{'id': 1, 'status': 'START', 'status_since': 1764547200.25, 'pipelines': [1, 2]},
                                 {'id': 2, 'status': 'STOP', 'status_since': 1764547200.0, 'pipelines': []}]
    assert state['pipelines'] == [
        {'id': 1, 'channel_id': 1, 'mainstem_nid': 1, 'mainstem_status': 'OVERTAKE', 'active': True,
         'mainstem_since': 1764547300.5, 'processes': [{'id': '0000000001', 'nid': 1, 'status': 'USED'}]},
        dict(EMPTY, id=2, channel_id=1)]
    assert state['cursors'] == []
    assert sessions == {'nodes': {1: 0x11, 2: 0x12}, 'mainstems': {1: 0x11}}
    json.dumps(state)  # a module result as it is


def test_live_state_pipeline_filter_keeps_their_channels_and_reports_unknown_pipelines():
    state, problems, _sessions = live_state(raw([], {1: channel(b'"START"', {1: pipeline(MAINSTEM_1), 2: pipeline()}),
                                                     2: channel(None, mtime=None)}), pipeline_ids={1, 9})
    assert problems == []
    assert [(c['id'], c['pipelines']) for c in state['channels']] == [(1, [1])]
    assert [p['id'] for p in state['pipelines']] == [1, 9]
    assert state['pipelines'][1] == dict(EMPTY, id=9)


def test_a_requested_channel_without_a_znode_has_no_status_and_no_problem():
    state, problems, _sessions = live_state(raw([], {5: channel(None, mtime=None)}))
    assert state['channels'] == [{'id': 5, 'status': None, 'status_since': None, 'pipelines': []}]
    assert problems == []


def test_cursor_ages():
    cursors = [('dest-1', '1001', 1764547200000), ('dest-2', '1002', 1764547290500)]
    state, _problems, _sessions = live_state(raw([], {}, cursors), now=1764547300.0)
    assert state['cursors'] == [dict(destination='dest-1', client_id='1001', age=100.0),
                                dict(destination='dest-2', client_id='1002', age=9.5)]
    assert live_state(raw([], {}, cursors))[0]['cursors'][0]['age'] is None


def test_data_otter_would_not_write_is_a_problem_never_a_holder_or_a_live_node():
    state, problems, sessions = live_state(raw(['1', '007'], {
        1: channel(b'"RUNNING"', {1: pipeline(b'{"nid":true,"active":"false"}', 0x1),
                                  2: pipeline(b'{"nid":1.9,"status":"OVERTAKE"}', 0x1),
                                  3: pipeline(BIG, 0x1, processes={'p1': b'{"nid":0,"status":"USED"}'})}),
    }))
    assert state['alive_nodes'] == [1]
    assert [(c['id'], c['status']) for c in state['channels']] == [(1, None)]
    assert [(p['id'], p['mainstem_nid'], p['active'], p['processes']) for p in state['pipelines']] == [
        (1, None, False, []), (2, None, False, []), (3, None, False, [])]
    assert sessions['mainstems'] == {}
    assert [path for path, _what in problems] == [
        '/otter/node/007', '/otter/channel/1/1/mainstem', '/otter/channel/1/2/mainstem', '/otter/channel/1/3/mainstem',
        '/otter/channel/1/3/process/p1', '/otter/channel/1']
    assert all(len(what) < 300 for _path, what in problems)
