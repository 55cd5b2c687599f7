# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one set of Otter objects and relation rows every unit test shares: the manager UI's
bidirectional channel sync-ab (pipeline 1 = a->b, pipeline 2 = b->a) on nodes node-a and node-b,
once as the UI leaves it (one node per location) and once in the HA layout (both nodes everywhere)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.otter.ha.plugins.module_utils.objects import (
    LOCATIONS, Channel, Cluster, Node, Pipeline, Relation)

ALL = LOCATIONS

# PARAMETERS as the manager's node form writes it (the whole cluster object), and as the docker seed does.
UI_PARAMETERS = ('{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"clusterName":"default",'
                 '"gmtCreate":1717000000000,"gmtModified":1717000000000,"id":1,"serverList":["127.0.0.1:2181"]}}')
SEED_PARAMETERS = '{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"clusterName":"default","id":1}}'

NODES = [Node(1, 'node-a', '127.0.0.1', 2088, 'site A', UI_PARAMETERS),
         Node(2, 'node-b', '127.0.0.2', 2088, 'site B', SEED_PARAMETERS),
         Node(3, 'node-c', '127.0.0.3', 2088, None, None)]
NAMES = dict((n.id, n.name) for n in NODES)
CLUSTERS = [Cluster(1, 'default'), Cluster(2, 'zk-b')]
CHANNELS = [Channel(1, 'sync-ab')]
PIPELINES = [Pipeline(1, 'a-to-b', 1, 'sync-ab'), Pipeline(2, 'b-to-a', 1, 'sync-ab')]


def rows(*specs):
    """Relation rows from (id, pipeline, node, location) tuples."""
    return [Relation(i, p, n, loc, None, None) for i, p, n, loc in specs]


def everywhere(nodes):
    """A desired layout with these nodes at every location."""
    return dict((loc, list(nodes)) for loc in ALL)


# The manager UI's bidirectional channel: one node per location, rows 1..6.
UI_STATE = rows(
    (1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 2, 'LOAD'),
    (4, 2, 2, 'SELECT'), (5, 2, 2, 'EXTRACT'), (6, 2, 1, 'LOAD'),
)
# Both nodes everywhere, rows 10..21: pipeline 1 is rows 10..15, pipeline 2 rows 16..21.
FULL = rows(*[(10 + i, p, n, loc) for i, (p, n, loc) in enumerate(
    (p, n, loc) for p in (1, 2) for loc in ALL for n in (1, 2))])
# Pipeline 1 only, both nodes everywhere, rows 10..15.
FULL_1 = FULL[:6]
