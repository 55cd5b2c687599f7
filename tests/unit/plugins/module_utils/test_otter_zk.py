# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ZooKeeper data formats of Otter (4.2.18) and the live checks, without a ZooKeeper."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError
from ansible_collections.otter.ha.plugins.module_utils import otter_zk

MAINSTEM_1 = b'{"active":true,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'
NODES = [{'id': 1, 'name': 'node-a'}, {'id': 2, 'name': 'node-b'}]
CHANNELS = [{'id': 1, 'name': 'sync-ab'}]
PIPELINES = [{'id': 1, 'name': 'a-to-b', 'channel': {'id': 1, 'name': 'sync-ab'}, 'nodes': {'SELECT': [1, 2]}}]
EXPECT = {'nodes': NODES, 'channels': CHANNELS, 'pipelines': PIPELINES}


@pytest.mark.parametrize('data, status', [
    (b'"START"', 'START'), (b'"PAUSE"', 'PAUSE'), (b'"STOP"', 'STOP'), (b'STOP', 'STOP'), (b' "start" ', 'START'),
])
def test_channel_status_is_the_json_string_of_the_enum(data, status):
    assert otter_zk.parse_channel_status(data, '/otter/channel/1') == status


@pytest.mark.parametrize('data', [b'', b'"RUNNING"', b'{"status":"START"}', None])
def test_channel_status_refuses_other_data_naming_the_znode(data):
    with pytest.raises(OtterError, match='/otter/channel/1 holds .* not a channel status'):
        otter_zk.parse_channel_status(data, '/otter/channel/1')


def test_mainstem_event_data():
    assert otter_zk.parse_mainstem(MAINSTEM_1, 'p') == {'nid': 1, 'status': 'OVERTAKE', 'active': True}
    assert otter_zk.parse_mainstem(b'{"nid":"2","status":"TAKEING","active":false}', 'p') == {
        'nid': 2, 'status': 'TAKEING', 'active': False}
    # fastjson omits null fields; active defaults to true in MainStemEventData.
    assert otter_zk.parse_mainstem(b'{"nid":3}', 'p')['active'] is True


@pytest.mark.parametrize('data', [b'', b'[]', b'{"status":"TAKEING"}', b'{"nid":"x"}', b'not json'])
def test_mainstem_refuses_data_without_a_nid(data):
    with pytest.raises(OtterError, match='/m'):
        otter_zk.parse_mainstem(data, '/m')


def test_numeric_children_ignore_other_znodes():
    assert otter_zk.numeric_children(['2', '10', 'process', 'lock', '1']) == [1, 2, 10]


def test_live_state_reports_channels_and_pipelines_sorted():
    state = otter_zk.live_state([1, 2], {2: b'"STOP"', 1: b'"START"'}, {1: {2: None, 1: MAINSTEM_1}, 2: {}})
    assert state['alive_nodes'] == [1, 2]
    assert state['channels'] == [{'id': 1, 'status': 'START', 'pipelines': [1, 2]},
                                 {'id': 2, 'status': 'STOP', 'pipelines': []}]
    assert state['pipelines'] == [
        {'id': 1, 'channel_id': 1, 'mainstem_nid': 1, 'mainstem_status': 'OVERTAKE', 'active': True},
        {'id': 2, 'channel_id': 1, 'mainstem_nid': None, 'mainstem_status': None, 'active': False}]


def test_live_state_pipeline_filter_keeps_their_channels_and_reports_unknown_pipelines():
    state = otter_zk.live_state([], {1: b'"START"', 2: None}, {1: {1: MAINSTEM_1}, 2: {}}, pipeline_ids={1, 9})
    assert state['channels'] == [{'id': 1, 'status': 'START', 'pipelines': [1]}]
    assert [p['id'] for p in state['pipelines']] == [1, 9]
    assert state['pipelines'][1]['channel_id'] is None


def _state(alive, holder=1, status='START', active=True):
    return {'alive_nodes': alive, 'channels': [{'id': 1, 'status': status, 'pipelines': [1]}],
            'pipelines': [{'id': 1, 'channel_id': 1, 'mainstem_nid': holder,
                           'mainstem_status': 'OVERTAKE' if holder else None, 'active': active and bool(holder)}]}


def test_healthy_layout_has_no_findings():
    assert otter_zk.check_live(_state([1, 2]), EXPECT) == []


def test_standby_that_took_over_leaves_the_pipeline_without_standby():
    findings = otter_zk.check_live(_state([2], holder=2), EXPECT)
    assert [f['kind'] for f in findings] == ['node_down', 'no_standby']
    assert findings[0]['node_ids'] == [1]
    assert 'node 1 (node-a) is not alive' in findings[0]['message']
    assert findings[1]['message'] == ('sync-ab/a-to-b (pipeline 1) has no standby: SELECT runs on node 2 (node-b) '
                                      'and no other SELECT node is alive (down: node 1 (node-a))')
    assert (findings[1]['pipeline_id'], findings[1]['channel_id'], findings[1]['node_ids']) == (1, 1, [1])


def test_no_holder_is_no_active_select():
    findings = otter_zk.check_live(_state([2], holder=None), EXPECT)
    assert [f['kind'] for f in findings] == ['node_down', 'no_mainstem']
    assert findings[1]['message'] == ('sync-ab/a-to-b (pipeline 1) has no active SELECT: nobody holds its mainstem '
                                      'lock (alive SELECT nodes: node 2 (node-b))')


def test_holder_outside_the_select_nodes_and_inactive_holder():
    foreign = otter_zk.check_live(_state([1, 2, 3], holder=3), EXPECT)
    assert [f['kind'] for f in foreign] == ['mainstem_not_select']
    assert 'held by node 3, which is not one of its SELECT nodes (node 1 (node-a), node 2 (node-b))' in \
        foreign[0]['message']
    inactive = otter_zk.check_live(_state([1, 2], active=False), EXPECT)
    assert [f['kind'] for f in inactive] == ['no_mainstem']
    assert 'marked inactive' in inactive[0]['message']


@pytest.mark.parametrize('status, text', [('PAUSE', 'is PAUSE, not START'), ('STOP', 'is STOP, not START'),
                                          (None, 'has no znode /otter/channel/1 (never initialised in this ZooKeeper)')])
def test_channel_not_started_is_named(status, text):
    findings = otter_zk.check_live(_state([1, 2], status=status), EXPECT)
    assert [f['kind'] for f in findings] == ['channel_not_started']
    assert findings[0]['message'] == 'channel 1 (sync-ab) %s' % text


def test_single_select_node_is_no_standby():
    expect = dict(EXPECT, pipelines=[dict(PIPELINES[0], nodes={'SELECT': [1]})], nodes=NODES[:1])
    findings = otter_zk.check_live(_state([1]), expect)
    assert [f['kind'] for f in findings] == ['no_standby']
    assert 'it is the only SELECT node' in findings[0]['message']


def test_expect_entries_need_ids():
    with pytest.raises(OtterError, match='expect.nodes: every entry needs a numeric id'):
        otter_zk.check_live(_state([1]), {'nodes': [{'name': 'node-a'}]})


def test_summary_names_nodes():
    lines = otter_zk.summary_lines(_state([1, 2]), {1: 'node-a'})
    assert lines == ['alive nodes: node 1 (node-a), node 2', 'channel 1: START',
                     'pipeline 1 (channel 1): mainstem on node 1 (node-a) (OVERTAKE)']


class FakeClient(object):
    """The part of KazooClient the reader uses, over a dict of path -> data."""

    def __init__(self, znodes):
        self.znodes = znodes

    def exists(self, path):
        return True if path in self.znodes else None

    def get_children(self, path):
        if path not in self.znodes:
            raise otter_zk.NoNodeError()
        prefix = path.rstrip('/') + '/'
        return [p[len(prefix):] for p in self.znodes if p.startswith(prefix) and '/' not in p[len(prefix):]]

    def get(self, path):
        if path not in self.znodes:
            raise otter_zk.NoNodeError()
        return self.znodes[path], None


@pytest.mark.skipif(otter_zk.KazooClient is None, reason='kazoo is not installed')
def test_read_raw_walks_otter_znodes():
    client = FakeClient({'/otter': b'', '/otter/node': b'', '/otter/node/1': b'', '/otter/node/2': b'',
                         '/otter/channel': b'', '/otter/channel/1': b'"START"', '/otter/channel/1/1': b'',
                         '/otter/channel/1/1/mainstem': MAINSTEM_1, '/otter/channel/1/1/process': b'',
                         '/otter/channel/1/2': b''})
    alive, statuses, mainstems = otter_zk.read_raw(client, 'zk:2181')
    assert alive == [1, 2]
    assert statuses == {1: b'"START"'}
    assert mainstems == {1: {1: MAINSTEM_1, 2: None}}
    assert otter_zk.read_raw(client, 'zk:2181', channel_ids=[5])[1:] == ({5: None}, {5: {}})


@pytest.mark.skipif(otter_zk.KazooClient is None, reason='kazoo is not installed')
def test_read_raw_without_otter_root_says_never_initialised():
    with pytest.raises(OtterError, match='ZooKeeper at zk:2181 has no /otter znode: this Otter was never initialised'):
        otter_zk.read_raw(FakeClient({}), 'zk:2181')
