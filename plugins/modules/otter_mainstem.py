#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_mainstem
short_description: Move a pipeline's SELECT lock (mainstem) to a chosen live SELECT node (planned switchover)
version_added: 2.0.0
description:
  - Moves the C(SELECT) lock of one pipeline - the ephemeral C(/otter/channel/{cid}/{pid}/mainstem) znode that
    decides which node runs canal and the select stage - to the node you choose, for a planned switchover (taking a
    node out for maintenance, or spreading the pipelines of a fleet over their C(SELECT) nodes).
  - Releases the lock as the manager's own switch does (C(SwitchWarmupAction), C(SystemArbitrateEvent.switchWarmup)) -
    a compare-and-set of C(active=false) on the mainstem data. The holder then deletes the lock and every
    C(SELECT) node competes for it again after a short delay, so the winner is not chosen by the manager. This
    module waits for the new holder and releases again, up to O(retries) times, until the chosen node holds it.
  - Refuses a node that is not a C(SELECT) node of the pipeline in the manager database, or that is not alive
    in ZooKeeper, and a pipeline whose lock nobody holds (the channel is not started).
  - Needs neither the manager nor its API; it reads the manager database and ZooKeeper.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - otter.ha.zookeeper
  - action_common_attributes
  - otter.ha.attributes
attributes:
  check_mode:
    support: full
    details: Check mode reads the layout and the lock and says whether it would move, writing nothing.
  diff_mode:
    support: full
    details: The diff shows the holder before and after.
options:
  pipeline:
    description:
      - The pipeline, by C(PIPELINE.ID) or C(PIPELINE.NAME) (a name must be unique across channels), following the
        collection's reference rule.
    type: str
    required: true
  node:
    description:
      - The node that should hold the lock, by C(NODE.ID) or C(NODE.NAME); one of the pipeline's C(SELECT) nodes.
    type: str
    required: true
  retries:
    description:
      - How many times to release the lock at most, when another node wins it.
      - With N alive C(SELECT) nodes each release gives the chosen node about one chance in N.
    type: int
    default: 10
  switch_timeout:
    description:
      - Seconds to wait, in all, for the chosen node to hold the lock. Each release takes about Otter's retry delay
        (5 seconds, C(MainstemMonitor.delayTime)) before the nodes compete again.
    type: int
    default: 120
seealso:
  - module: otter.ha.otter_zk_info
  - module: otter.ha.otter_info
'''

EXAMPLES = r'''
- name: Move the SELECT of pipeline a-to-b to node-b before node-a's maintenance
  otter.ha.otter_mainstem:
    login_host: otter-manager-db.example.com
    login_user: otter_ha
    login_password: "{{ otter_db_password }}"
    zk_hosts: zk1.example.com:2181,zk2.example.com:2181,zk3.example.com:2181
    pipeline: a-to-b
    node: node-b

- name: Say what a switchover would do, without doing it
  otter.ha.otter_mainstem:
    zk_hosts: zk1.example.com:2181
    pipeline: "7"
    node: "2"
  check_mode: true
  register: preview
'''

RETURN = r'''
changed:
  description: Whether the lock moved (in check mode, would move).
  returned: always
  type: bool
pipeline:
  description: The pipeline, with C(id), C(name) and C(channel) (C(id), C(name)).
  returned: success
  type: dict
  sample: {id: 1, name: a-to-b, channel: {id: 1, name: sync-ab}}
mainstem:
  description:
    - The holder before and after - C(nid), C(status) (C(TAKEING) while it catches up, C(OVERTAKE) once it has). In
      check mode C(after) is the chosen node, as it would be.
  returned: success
  type: dict
  sample: {before: {nid: 1, status: OVERTAKE}, after: {nid: 2, status: TAKEING}}
attempts:
  description: How many times the lock was released.
  returned: success
  type: int
  sample: 1
requests:
  description:
    - The compare-and-set writes sent to ZooKeeper, each with C(op), C(path), C(version), C(data) and C(result)
      (C(ok), or C(stale) when the lock changed first); also on failure.
  returned: always
  type: list
  elements: dict
  sample:
    - {op: set, path: /otter/channel/1/1/mainstem, version: 1, result: ok,
       data: '{"active":false,"nid":1,"pipelineId":1,"status":"OVERTAKE"}'}
executed_queries:
  description: Database statements that changed something; the module only reads the database, so always empty.
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The holder's node ID before and after.
  returned: when diff mode is on
  type: dict
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import (
    check_database_params, database_spec, zookeeper_spec)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError, ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.mainstem import (
    holder_path, read_holder, read_pipeline_select, release)
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import (
    describe_node, node_label, nodes_label, pipeline_label)
from ansible_collections.otter.ha.plugins.module_utils.references import resolve
from ansible_collections.otter.ha.plugins.module_utils.znodes import NODE_ROOT
from ansible_collections.otter.ha.plugins.module_utils.zookeeper import ZooKeeperWriter

# What the module says after the error of a lock whose data Otter would not write.
REFUSAL = 'refusing to write to it'


def argument_spec():
    spec = database_spec()
    spec.update(zookeeper_spec())
    spec.update(
        pipeline=dict(type='str', required=True),
        node=dict(type='str', required=True),
        retries=dict(type='int', default=10),
        switch_timeout=dict(type='int', default=120),
    )
    return spec


def parse_request(params):
    check_database_params(params)
    for option in ('retries', 'switch_timeout'):
        if params[option] < 1:
            raise RequestError('%s must be at least 1, got %d' % (option, params[option]))
    if params['timeout'] <= 0:
        raise RequestError('timeout must be a positive number of seconds, got %s' % params['timeout'])
    return params['pipeline'], params['node']


def switch(module, request, db, zk, sleep=time.sleep, clock=time.time):
    params = module.params
    pipeline_ref, node_ref = request
    pipeline, nodes, select = read_pipeline_select(db, pipeline_ref)
    node = resolve([node_ref], nodes, 'node', 'node', table='NODE', describe=describe_node)[0]
    names = dict((n.id, n.name) for n in nodes)
    label = pipeline_label(pipeline)
    if node.id not in select:
        raise RequestError('%s is not a SELECT node of %s (SELECT nodes: %s); only they compete for its lock'
                           % (node_label(node.id, names), label, nodes_label(select, names)))
    if zk.read('%s/%d' % (NODE_ROOT, node.id))[1] is None:
        raise RequestError('%s is not alive (/otter/node/%d does not exist), so it cannot take the lock of %s'
                           % (node_label(node.id, names), node.id, label))
    path = holder_path(pipeline)
    holder, version, data = read_holder(zk, path, REFUSAL)
    if holder is None:
        raise RequestError('nobody holds the lock of %s (%s does not exist): is its channel started?' % (label, path))
    before = dict(nid=holder['nid'], status=holder['status'])
    report = dict(pipeline=dict(id=pipeline.id, name=pipeline.name,
                                channel=dict(id=pipeline.channel_id, name=pipeline.channel_name)))
    if holder['nid'] == node.id:
        return dict(report, changed=False, attempts=0, mainstem=dict(before=before, after=before),
                    diff=dict(before=dict(holder=holder['nid']), after=dict(holder=holder['nid'])))
    if module.check_mode:
        return dict(report, changed=True, attempts=0, mainstem=dict(before=before, after=dict(nid=node.id, status=None)),
                    diff=dict(before=dict(holder=holder['nid']), after=dict(holder=node.id)))

    deadline = clock() + params['switch_timeout']
    attempts = 0
    seen = []
    while True:
        if holder is not None and holder['nid'] == node.id and holder['active']:
            after = dict(nid=holder['nid'], status=holder['status'])
            return dict(report, changed=True, attempts=attempts, mainstem=dict(before=before, after=after),
                        diff=dict(before=dict(holder=before['nid']), after=dict(holder=node.id)))
        if clock() >= deadline:
            raise ZooKeeperError('%s did not take the lock of %s within switch_timeout=%ds (%d release(s); holders seen: '
                                 '%s)' % (node_label(node.id, names), label, params['switch_timeout'], attempts,
                                          nodes_label(seen, names)))
        if holder is not None and holder['active']:
            if attempts >= params['retries']:
                raise ZooKeeperError('%s did not win the lock of %s in %d release(s) (retries); it is held by %s'
                                     % (node_label(node.id, names), label, attempts, node_label(holder['nid'], names)))
            if release(zk, path, data, version):
                attempts += 1
        sleep(0.2)
        holder, version, data = read_holder(zk, path, REFUSAL)
        if holder is not None and holder['nid'] not in seen:
            seen.append(holder['nid'])


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (Database, ZooKeeperWriter), switch)


if __name__ == '__main__':
    main()
