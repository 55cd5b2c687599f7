#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_node
short_description: Register Otter nodes in the manager database, or remove one
version_added: 1.0.0
description:
  - Manages the C(NODE) rows of Otter nodes as the manager's node form (machine management) writes them - one node
    (O(name), O(ip) and the other top-level options) or a whole fleet (O(nodes)), in one transaction.
  - Nodes are identified as the manager identifies them - a C(NAME) names one node, and an C(IP) and C(PORT)
    belong to one node. A declared node whose name is registered at another IP, or whose address belongs to
    another name, fails before anything is written, naming the stored and the declared values. With
    O(readdress=true) a node registered at another IP is moved in place (same ID, so its C(conf/nid) stays right).
  - An option left out keeps the stored value of an existing node; a new node gets port 2088 and the download
    and JMX ports port + 1 and port + 2, as the manager's node form fills them in.
  - The node's ports, its ZooKeeper cluster and its external IP live in the JSON column C(PARAMETERS). It is
    compared field by field, not as text, so key order and the extra keys the manager UI writes (the whole
    cluster object with C(serverList), or keys this module does not know) never cause a change. When a change
    is needed, the keys this module does not manage are kept and the JSON is written compact with keys in
    alphabetical order, as the manager writes it.
  - The ID of the row (RV(node.id)) is the node's C(nid), the number the node process reads from C(conf/nid).
  - The whole call is one transaction that starts by locking the C(NODE) rows; on any error nothing is written.
    Removing a node waits (up to O(lock_timeout)) for a layout converge that uses it to finish; when that
    takes longer, the removal fails saying it waited to lock the C(NODE) rows.
  - Refuses, before writing anything, when C(NODE) or C(PIPELINE_NODE_RELATION) is not an InnoDB table.
  - Statements are written as the manager writes them (explicit column list, C(NOW()) timestamps, values bound
    as parameters), so the module works under strict and non-strict C(sql_mode).
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.state
options:
  name:
    description:
      - C(NODE.NAME), at most 200 characters, without leading or trailing whitespace.
      - It identifies the node. The table compares names case-insensitively; a task whose O(name) matches a node
        registered with another spelling fails instead of changing that node.
      - Required with O(ip) unless O(nodes) is set.
    type: str
  ip:
    description:
      - C(NODE.IP), the address (or host name) of the machine that runs the node, at most 200 characters.
      - The node refuses to start unless this is one of its host's addresses or its host name.
    type: str
  port:
    description:
      - C(NODE.PORT), the node's communication port. V(2088) for a new node when not set; an existing node keeps
        its port.
    type: int
  download_port:
    description:
      - The port of the node's download server (C(downloadPort) in C(PARAMETERS)).
      - When not set, an existing node keeps its stored value (unless its port changes), a new node gets O(port) + 1.
    type: int
  mbean_port:
    description:
      - The node's JMX port (C(mbeanPort) in C(PARAMETERS)).
      - When not set, an existing node keeps its stored value (unless its port changes), a new node gets O(port) + 2.
    type: int
  zk_cluster:
    description:
      - The ZooKeeper cluster the node uses, by C(AUTOKEEPER_CLUSTER.ID) or C(CLUSTER_NAME), following the
        collection's reference rule (an ID in canonical decimal, else a name; one that is both fails as ambiguous).
      - Required to create a node. When not set, an existing node keeps its cluster.
      - Only the cluster's ID decides whether the node already uses it; the manager loads the rest by ID.
    type: str
  use_external_ip:
    description:
      - Whether other nodes reach this one at O(external_ip) instead of O(ip) (C(useExternalIp)).
      - When not set, an existing node keeps its stored value and a new node gets V(false).
    type: bool
  external_ip:
    description:
      - The address other nodes use when O(use_external_ip=true) (C(externalIp)); required then.
      - When not set, the stored value (if any) is kept. An empty string removes it.
    type: str
  description:
    description:
      - C(NODE.DESCRIPTION), at most 200 characters. When not set, the stored description is kept.
    type: str
  nodes:
    description:
      - Several nodes, registered in one transaction, each with the keys of the single-node options (O(name),
        O(ip), O(port), O(download_port), O(mbean_port), O(zk_cluster), O(use_external_ip), O(external_ip),
        O(description)). Only with O(state=present); mutually exclusive with O(name).
      - The identity rule applies to the declaration as a whole - a name declared twice, or two nodes that would
        share an IP and port, fail before anything is written.
    type: list
    elements: dict
    suboptions:
      name:
        description: As O(name).
        type: str
        required: true
      ip:
        description: As O(ip).
        type: str
        required: true
      port:
        description: As O(port).
        type: int
      download_port:
        description: As O(download_port).
        type: int
      mbean_port:
        description: As O(mbean_port).
        type: int
      zk_cluster:
        description: As O(zk_cluster).
        type: str
      use_external_ip:
        description: As O(use_external_ip).
        type: bool
      external_ip:
        description: As O(external_ip).
        type: str
      description:
        description: As O(description).
        type: str
  readdress:
    description:
      - Move a declared node whose name is registered at another IP to the declared IP, in place - the same row
        and ID, so the node's C(conf/nid) stays right. The node must then be restarted on its new host.
      - Without it such a node fails, naming the stored and the declared address.
    type: bool
    default: false
  state:
    description:
      - V(present) creates the node or updates it to the declared values.
      - V(absent) deletes the node. A node that does not exist is not an error.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), also delete the C(PIPELINE_NODE_RELATION) rows that reference the node, in the
        same transaction. Without it, removing a node that a pipeline uses fails and names the pipelines.
      - Even with O(force=true) the removal fails, and changes nothing, when it would leave a location
        (C(SELECT), C(EXTRACT) or C(LOAD)) of a pipeline without a node that exists in C(NODE); add another
        node to that location first, for example with M(otter.ha.otter_pipeline_nodes).
      - Ignored with O(state=present).
    type: bool
    default: false
notes:
  - A running node reads its ports and ZooKeeper cluster from the manager when it starts; restart it to use
    changed values. After O(force=true) removed relation rows, push or restart the channels of the pipelines
    listed in RV(removed_relations).
seealso:
  - module: otter.ha.otter_pipeline_nodes
  - module: otter.ha.otter_info
'''

EXAMPLES = r'''
- name: Register a whole fleet in one transaction
  otter.ha.otter_node:
    nodes:
      - {name: node-212, ip: 10.30.36.211, zk_cluster: zk1}
      - {name: node-213, ip: 10.30.36.212, zk_cluster: zk1}
  register: fleet

- name: Register node-c with the default ports 2088, 2089 and 2090
  otter.ha.otter_node:
    login_host: otter-manager-db.example.com
    login_user: otter_ha
    login_password: "{{ otter_db_password }}"
    name: node-c
    ip: 10.0.3.15
    zk_cluster: default
    description: site C
  register: node_c

- name: Give the node process its nid
  ansible.builtin.copy:
    content: "{{ node_c.node.id }}\n"
    dest: /opt/otter/node/conf/nid
    mode: "0644"
  delegate_to: 10.0.3.15

- name: Move node-c to other ports, reachable through NAT
  otter.ha.otter_node:
    name: node-c
    ip: 10.0.3.15
    port: 3088
    use_external_ip: true
    external_ip: 203.0.113.15

- name: Decommission node-c, dropping it from every pipeline it still runs
  otter.ha.otter_node:
    name: node-c
    ip: 10.0.3.15
    state: absent
    force: true
'''

RETURN = r'''
changed:
  description: Whether a node was (in check mode, would be) created, updated or removed.
  returned: always
  type: bool
nodes:
  description: With O(nodes), each declared node as RV(node) describes it, after the run, in the order declared.
  returned: when O(nodes) is set and the module succeeds
  type: list
  elements: dict
  sample:
    - {id: 3, name: node-c, ip: 10.0.3.15, port: 2088, download_port: 2089, mbean_port: 2090,
       zk_cluster: {id: 1, name: default}, use_external_ip: false, external_ip: null, description: site C}
node:
  description:
    - The node as it is after the run; with O(state=absent), the node that was removed, or null when there was
      none.
    - Port, cluster and external IP fields are null when C(PARAMETERS) does not hold a usable value for them.
  returned: when O(name) is set and the module succeeds
  type: dict
  contains:
    id:
      description:
        - C(NODE.ID), the node's C(nid), which the node process reads from its C(conf/nid) file.
        - Null in check mode when the node would be created (the database assigns it).
      type: int
    name:
      description: C(NODE.NAME).
      type: str
    ip:
      description: C(NODE.IP).
      type: str
    port:
      description: C(NODE.PORT).
      type: int
    download_port:
      description: C(downloadPort) of C(PARAMETERS).
      type: int
    mbean_port:
      description: C(mbeanPort) of C(PARAMETERS).
      type: int
    zk_cluster:
      description: The ZooKeeper cluster, C(id) and C(name) (as in C(AUTOKEEPER_CLUSTER)).
      type: dict
    use_external_ip:
      description: C(useExternalIp) of C(PARAMETERS).
      type: bool
    external_ip:
      description: C(externalIp) of C(PARAMETERS), null when not set.
      type: str
    description:
      description: C(NODE.DESCRIPTION).
      type: str
  sample:
    id: 3
    name: node-c
    ip: 10.0.3.15
    port: 2088
    download_port: 2089
    mbean_port: 2090
    zk_cluster: {id: 1, name: default}
    use_external_ip: false
    external_ip: null
    description: site C
removed_relations:
  description: The (pipeline, node, location) triples of the C(PIPELINE_NODE_RELATION) rows deleted with O(force=true).
  returned: when O(state=absent) and the module succeeds
  type: list
  elements: dict
  sample: [{pipeline_id: 1, node_id: 3, location: SELECT}]
executed_queries:
  description:
    - The statements that changed (in check mode, would change) the database, with values rendered. Reads are
      not listed; a run that changes nothing has none.
    - On failure, the statements sent before the failure; they were rolled back.
  returned: always
  type: list
  elements: str
  sample:
    - >-
      INSERT INTO NODE (NAME, IP, PORT, DESCRIPTION, PARAMETERS, GMT_CREATE, GMT_MODIFIED) VALUES ('node-c',
      '10.0.3.15', 2088, 'site C', '{\"downloadPort\":2089,\"mbeanPort\":2090,\"useExternalIp\":false,\"zkCluster\":{\"clusterName\":\"default\",\"id\":1}}',
      NOW(), NOW())
diff:
  description:
    - The node (as in RV(node)) before and after; an empty dict stands for no node.
    - With O(nodes), a list of such diffs, one per declared node that changes, in the order declared.
  returned: when diff mode is on
  type: raw
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import check_database_params, database_spec
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.nodes import node_spec, plan_nodes, plan_removal, row_report
from ansible_collections.otter.ha.plugins.module_utils.sql import (
    begin_read_only, delete_node, delete_relations, insert_node, read_clusters, read_node_relations, read_nodes,
    read_pipelines, read_relations, update_node)

# The tables this module writes: each must be transactional.
WRITES = ('NODE', 'PIPELINE_NODE_RELATION')

NODE_OPTIONS = dict(
    name=dict(type='str'),
    ip=dict(type='str'),
    port=dict(type='int'),
    download_port=dict(type='int'),
    mbean_port=dict(type='int'),
    zk_cluster=dict(type='str'),
    use_external_ip=dict(type='bool'),
    external_ip=dict(type='str'),
    description=dict(type='str'),
)


def argument_spec():
    spec = database_spec()
    spec.update(NODE_OPTIONS)
    entry = dict(NODE_OPTIONS, name=dict(type='str', required=True), ip=dict(type='str', required=True))
    spec.update(
        nodes=dict(type='list', elements='dict', options=entry),
        readdress=dict(type='bool', default=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
    )
    return spec


def parse_request(params):
    """The declared nodes as NodeSpecs; every check that needs no database."""
    check_database_params(params)
    if params['nodes'] is None:
        return [node_spec(params, storing=params['state'] == 'present')]
    if params['state'] == 'absent':
        raise RequestError('state=absent removes one node: give name and ip instead of nodes')
    if not params['nodes']:
        raise RequestError('nodes must list at least one node')
    specs = []
    for index, item in enumerate(params['nodes']):
        try:
            specs.append(node_spec(item))
        except RequestError as exc:
            raise RequestError('nodes[%d]: %s' % (index, exc))
    return specs


def converge_present(module, db, specs, nodes):
    plans = plan_nodes(nodes, specs, read_clusters(db), module.params['readdress'])
    changed = False
    before, after = [], []
    for row, plan in plans:
        if plan.action == 'create':
            plan.after['id'] = insert_node(db, plan.columns)
        elif plan.action == 'update':
            update_node(db, row.id, plan.columns)
        if plan.action != 'none':
            changed = True
            before.append(plan.before or {})
            after.append(dict(plan.after))
        for warning in plan.warnings:
            module.warn(warning)
    if changed:
        db.commit()
    if module.params['nodes'] is None:
        plan = plans[0][1]
        return dict(changed=changed, node=plan.after, diff=dict(before=plan.before or {}, after=dict(plan.after)))
    # One diff per node that changes: Ansible shows a list of diffs one after another.
    diff = [dict(before=b, after=a, before_header="node '%s'" % a['name'], after_header="node '%s'" % a['name'])
            for b, a in zip(before, after)]
    return dict(changed=changed, nodes=[plan.after for _row, plan in plans], diff=diff)


def converge_absent(module, db, specs, nodes):
    spec = specs[0]
    found = [n for n in nodes if n.name == spec.name]
    alike = [n for n in nodes if n.name.lower() == spec.name.lower() and n.name != spec.name]
    if not found and alike:
        raise RequestError("node '%s': NODE has node %d named '%s', and the manager compares names "
                           "case-insensitively; declare the node as it is registered (nothing was changed)"
                           % (spec.name, alike[0].id, alike[0].name))
    if not found:
        return dict(changed=False, node=None, removed_relations=[], diff=dict(before={}, after={}))
    row = found[0]
    if row.ip != spec.ip:
        raise RequestError("node '%s' is registered at %s (id %d), not at %s; declare the node as it is registered "
                           "to remove it (nothing was changed)" % (row.name, row.ip, row.id, spec.ip))
    label = "node '%s'@%s (id %d)" % (row.name, row.ip, row.id)
    node_rows = read_node_relations(db, row.id)
    pipelines = read_pipelines(db, [r.pipeline_id for r in node_rows])
    pipeline_rows = read_relations(db, [pipelines[pid] for pid in sorted(pipelines)], lock=not db.check_mode)
    removal = plan_removal(row.id, node_rows, pipelines, pipeline_rows, set(n.id for n in nodes))
    if removal.usage and not module.params['force']:
        raise RequestError('%s is used by pipelines: %s; remove it from them first or set force: true '
                           '(nothing was changed)' % (label, removal.usage))
    if removal.blocked:
        raise RequestError('refusing to remove %s: it is the only existing node of these pipeline locations, '
                           'which would be left without a node: %s; add another node there first (nothing was '
                           'changed)' % (label, removal.blocked))
    report = row_report(row, read_clusters(db))
    delete_relations(db, removal.relation_ids)
    delete_node(db, row.id)
    db.commit()
    if removal.removed:
        module.warn('%s was removed from %s; stop and start those channels so their nodes stop using it (a push '
                    'does not stop a removed node)' % (label, removal.usage))
    removed = [dict(pipeline_id=p, node_id=n, location=loc) for p, n, loc in removal.removed]
    return dict(changed=True, node=report, removed_relations=removed, diff=dict(before=report, after={}))


def manage_nodes(module, specs, db):
    if module.check_mode:
        begin_read_only(db)
    nodes = read_nodes(db, lock='update', writes=WRITES)
    converge = converge_present if module.params['state'] == 'present' else converge_absent
    return converge(module, db, specs, nodes)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[('name', 'nodes')],
        mutually_exclusive=[('name', 'nodes')],
        required_together=[('name', 'ip')],
        supports_check_mode=True,
    )
    run_module(module, parse_request, (Database,), manage_nodes)


if __name__ == '__main__':
    main()
