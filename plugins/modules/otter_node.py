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
short_description: Register an Otter node in the manager database, or remove it
version_added: 1.0.0
description:
  - Manages the C(NODE) row of one Otter node, identified by O(name) and O(ip) (the table's unique key
    C(NODEUNIQUE)), as the manager's node form (machine management) writes it.
  - The node's ports, its ZooKeeper cluster and its external IP live in the JSON column C(PARAMETERS). It is
    compared field by field, not as text, so key order and the extra keys the manager UI writes (the whole
    cluster object with C(serverList), or keys this module does not know) never cause a change. When a change
    is needed, the keys this module does not manage are kept and the JSON is written compact with keys in
    alphabetical order, as the manager writes it.
  - The ID of the row (RV(node.id)) is the node's C(nid), the number the node process reads from C(conf/nid).
  - The whole call is one transaction that starts by locking the node's row; on any error nothing is written.
    Removing a node waits (up to O(lock_timeout)) for a layout converge that uses it to finish.
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
      - Together with O(ip) it identifies the node. The table compares both case-insensitively; a task whose
        O(name) and O(ip) match a node registered with another spelling fails instead of changing that node.
    type: str
    required: true
  ip:
    description:
      - C(NODE.IP), the address (or host name) of the machine that runs the node, at most 200 characters.
      - The node refuses to start unless this is one of its host's addresses or its host name.
    type: str
    required: true
  port:
    description:
      - C(NODE.PORT), the node's communication port.
    type: int
    default: 2088
  download_port:
    description:
      - The port of the node's download server (C(downloadPort) in C(PARAMETERS)).
      - Defaults to O(port) + 1, as in the manager's node form.
    type: int
  mbean_port:
    description:
      - The node's JMX port (C(mbeanPort) in C(PARAMETERS)).
      - Defaults to O(port) + 2, as in the manager's node form.
    type: int
  zk_cluster:
    description:
      - The ZooKeeper cluster the node uses, by C(AUTOKEEPER_CLUSTER.ID) or C(CLUSTER_NAME). A value written in
        digits is an ID when a cluster has that ID, otherwise a name.
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
  description: Whether the node was (in check mode, would be) created, updated or removed.
  returned: always
  type: bool
node:
  description:
    - The node as it is after the run; with O(state=absent), the node that was removed, or null when there was
      none.
    - Port, cluster and external IP fields are null when C(PARAMETERS) does not hold a usable value for them.
  returned: success
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
  description: The node (as in RV(node)) before and after; an empty dict stands for no node.
  returned: when diff mode is on
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import check_database_params, database_spec
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.nodes import (
    check_identity, node_spec, plan_node, plan_removal, row_report)
from ansible_collections.otter.ha.plugins.module_utils.sql import (
    begin_read_only, delete_node, delete_relations, insert_node, lock_node, read_clusters, read_node_relations,
    read_nodes, read_pipelines, read_relations, update_node)

# The tables this module writes: each must be transactional.
WRITES = ('NODE', 'PIPELINE_NODE_RELATION')


def argument_spec():
    spec = database_spec()
    spec.update(
        name=dict(type='str', required=True),
        ip=dict(type='str', required=True),
        port=dict(type='int', default=2088),
        download_port=dict(type='int'),
        mbean_port=dict(type='int'),
        zk_cluster=dict(type='str'),
        use_external_ip=dict(type='bool'),
        external_ip=dict(type='str'),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
    )
    return spec


def parse_request(params):
    check_database_params(params)
    return node_spec(params)


def converge_present(module, db, spec, nodes):
    row = lock_node(db, spec.name, spec.ip)
    plan = plan_node(row, spec, read_clusters(db))
    node = plan.after
    if plan.action == 'create':
        node['id'] = insert_node(db, plan.columns)
    elif plan.action == 'update':
        update_node(db, row.id, plan.columns)
    if plan.action != 'none':
        db.commit()
    for warning in plan.warnings:
        module.warn(warning)
    return dict(changed=plan.action != 'none', node=node), plan.before, dict(node)


def converge_absent(module, db, spec, nodes):
    row = lock_node(db, spec.name, spec.ip)
    if row is None:
        return dict(changed=False, node=None, removed_relations=[]), None, None
    check_identity(row, spec)
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
        module.warn('%s was removed from %s; push or restart those channels so their nodes stop using it'
                    % (label, removal.usage))
    removed = [dict(pipeline_id=p, node_id=n, location=loc) for p, n, loc in removal.removed]
    return dict(changed=True, node=report, removed_relations=removed), report, None


def manage_node(module, spec, db):
    if module.check_mode:
        begin_read_only(db)
    nodes = read_nodes(db, writes=WRITES)
    converge = converge_present if module.params['state'] == 'present' else converge_absent
    result, before, after = converge(module, db, spec, nodes)
    result['diff'] = dict(before=before or {}, after=after or {})
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (Database,), manage_node)


if __name__ == '__main__':
    main()
