# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pipeline's SELECT lock (mainstem), as otter_mainstem and otter_drill handle it: the pipeline and
its SELECT nodes read from the manager database, the holder read from ZooKeeper, and the release
the manager's switch writes. The adapters are passed in (mysql.Database, zookeeper.ZooKeeperWriter);
the statements are sql's and the meaning of the znode data is znodes'."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.otter.ha.plugins.module_utils.errors import ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.layout import layout_of
from ansible_collections.otter.ha.plugins.module_utils.references import resolve_pipelines
from ansible_collections.otter.ha.plugins.module_utils.sql import (
    begin_read_only, read_nodes, read_relations, read_selection)
from ansible_collections.otter.ha.plugins.module_utils.znodes import mainstem_path, parse_mainstem, release_data


def read_pipeline_select(db, pipeline_ref):
    """(pipeline, every NODE row, the pipeline's SELECT node IDs sorted without repeats), read in one
    snapshot without locks: both modules only read the database."""
    begin_read_only(db)
    nodes = read_nodes(db)
    channels, candidates = read_selection(db, None, [pipeline_ref])
    pipeline = resolve_pipelines(None, [pipeline_ref], channels, candidates)[0]
    select = sorted(set(layout_of([pipeline.id], read_relations(db, [pipeline]))[pipeline.id]['SELECT']))
    return pipeline, nodes, select


def holder_path(pipeline):
    return mainstem_path(pipeline.channel_id, pipeline.id)


def read_holder(zk, path, consequence=None):
    """(mainstem {nid, status, active}, znode version, znode data), or (None, None, None) when nobody
    holds the lock. Data Otter would not write is an error naming the path, followed by what the
    caller will not do because of it (consequence)."""
    data, version = zk.read(path)
    if data is None:
        return None, None, None
    problems = []
    mainstem = parse_mainstem(data, path, problems)
    if mainstem is None:
        raise ZooKeeperError('%s %s' % problems[0] + ('; %s' % consequence if consequence else ''))
    return mainstem, version, data


def release(zk, path, data, version):
    """Release the lock held with this data, if its version is still version; False when another
    session changed or deleted it first."""
    return zk.compare_and_set(path, release_data(data), version)
