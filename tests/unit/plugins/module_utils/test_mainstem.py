# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pipeline's SELECT lock as otter_mainstem and otter_drill handle it: the pipeline and its SELECT
nodes from the shared fake database, the holder and its release through the kazoo adapter over the
shared fake client."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils import mainstem, zookeeper
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError, ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.zookeeper import ZooKeeperWriter
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeKazoo, FakeServer
from ansible_collections.otter.ha.tests.unit.plugins.layouts import NODES, PIPELINES, rows

PATH = '/otter/channel/1/1/mainstem'
HELD = b'{"active":true,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'


def writer(znodes):
    client = FakeKazoo(znodes)
    return ZooKeeperWriter(client, 'zk:2181'), client


def test_the_pipeline_and_its_select_nodes_are_read_in_one_snapshot_without_locks():
    # Node 2 twice at SELECT (a duplicate row) and node 3 only at LOAD.
    server = FakeServer.bidirectional(relations=rows((1, 1, 2, 'SELECT'), (2, 1, 1, 'SELECT'), (3, 1, 2, 'SELECT'),
                                                     (4, 1, 3, 'LOAD'), (5, 2, 3, 'SELECT')))
    pipeline, nodes, select = mainstem.read_pipeline_select(server.open(), 'a-to-b')
    assert (pipeline[:4], nodes, select) == (PIPELINES[0][:4], NODES, [1, 2])
    assert server.statements[0] == 'START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT'
    assert server.locking_reads() == []
    assert mainstem.holder_path(pipeline) == PATH


def test_an_unknown_pipeline_is_refused_naming_it():
    with pytest.raises(RequestError, match='no-such'):
        mainstem.read_pipeline_select(FakeServer.bidirectional().open(), 'no-such')


@pytest.mark.skipif(zookeeper.KazooClient is None, reason='kazoo is not installed')
def test_the_holder_is_read_strictly_and_released_by_compare_and_set():
    zk, client = writer({PATH: HELD})
    holder, version, data = mainstem.read_holder(zk, PATH)
    assert (holder, version, data) == (dict(nid=1, status='OVERTAKE', active=True), 0, HELD)
    assert mainstem.release(zk, PATH, data, version) is True
    assert client.znodes[PATH] == b'{"active":false,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'
    assert mainstem.release(zk, PATH, data, version) is False     # the version moved on
    assert [r['result'] for r in zk.requests] == ['ok', 'stale']
    assert mainstem.read_holder(zk, '/otter/channel/1/2/mainstem') == (None, None, None)


@pytest.mark.skipif(zookeeper.KazooClient is None, reason='kazoo is not installed')
@pytest.mark.parametrize('consequence, message', [
    (None, "%s has nid '1', not a node ID$" % PATH),
    ('refusing to write to it', "%s has nid '1', not a node ID; refusing to write to it$" % PATH),
])
def test_a_holder_otter_would_not_write_is_an_error_naming_the_path(consequence, message):
    zk, _client = writer({PATH: json.dumps(dict(active=True, nid='1', status='OVERTAKE')).encode()})
    with pytest.raises(ZooKeeperError, match=message):
        mainstem.read_holder(zk, PATH, consequence)
    assert zk.requests == []
