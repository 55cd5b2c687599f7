#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_info
short_description: Audit the node high availability of Otter pipelines (read-only)
version_added: 1.0.0
description:
  - Reads the Otter manager tables C(NODE), C(CHANNEL), C(PIPELINE) and C(PIPELINE_NODE_RELATION) and reports
    which nodes run the C(SELECT), C(EXTRACT) and C(LOAD) stages of each selected pipeline.
  - Reports as RV(findings) every location with fewer than O(min_nodes) nodes, duplicate rows, rows of
    nodes that do not exist in C(NODE), C(EXTRACT) nodes that differ from the C(SELECT) nodes, and rows whose
    C(LOCATION) the manager cannot read.
  - When neither O(channel) nor O(pipeline) is set, every pipeline of every channel is audited.
  - All reads run in one read-only transaction with a consistent snapshot, so the result describes one moment
    even while the manager or another task writes. No row is locked and nothing is ever written, so the module
    works with a C(SELECT)-only account and on a C(read_only) server.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - otter.ha.layout.selection
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.info
options:
  min_nodes:
    description:
      - The number of distinct nodes, each existing in C(NODE), that every location of a pipeline needs.
        A location with fewer is reported as an C(under_replicated) finding.
      - V(2) is the smallest layout that survives the loss of one node.
    type: int
    default: 2
  expect:
    description:
      - A declared layout, with the options of M(otter.ha.otter_pipeline_nodes), to compare the audited pipelines
        with. Every location a converge with it would change is a C(not_as_declared) finding, so RV(ok) is true
        only when the layout is as declared (and nothing else is wrong).
      - Node names are resolved as the layout module resolves them; an unknown or ambiguous node fails.
    type: dict
    suboptions:
      nodes:
        description: Nodes for every location in O(expect.locations) without a list of its own.
        type: list
        elements: str
      select_nodes:
        description: Nodes declared for C(SELECT).
        type: list
        elements: str
      extract_nodes:
        description: Nodes declared for C(EXTRACT).
        type: list
        elements: str
      load_nodes:
        description: Nodes declared for C(LOAD).
        type: list
        elements: str
      locations:
        description: The locations the declaration covers.
        type: list
        elements: str
        choices: [SELECT, EXTRACT, LOAD]
        default: [SELECT, EXTRACT, LOAD]
      state:
        description:
          - V(exact) expects exactly the declared nodes, V(present) at least them, V(absent) none of them.
        type: str
        choices: [present, exact, absent]
        default: exact
notes:
  - A pipeline whose C(SELECT) nodes are also its C(EXTRACT) and C(LOAD) nodes runs its whole chain on the node
    that holds the C(SELECT) lock; the other nodes stand by.
seealso:
  - module: otter.ha.otter_pipeline_nodes
'''

EXAMPLES = r'''
- name: Audit every pipeline of the manager
  otter.ha.otter_info:
    login_host: otter-manager-db.example.com
    login_user: otter_ha_ro
    login_password: "{{ otter_db_password }}"
  register: otter

- name: Show the layout as a table
  ansible.builtin.debug:
    msg: "{{ otter.summary }}"

- name: Fail the play when any pipeline can lose a stage to a single node failure
  ansible.builtin.assert:
    that: otter.ok
    fail_msg: "{{ otter.findings | map(attribute='message') | list }}"

- name: Audit one channel, accepting a single node per location
  otter.ha.otter_info:
    channel: [sync-ab]
    min_nodes: 1

- name: Audit pipelines by ID and by name inside a channel
  otter.ha.otter_info:
    channel: [sync-ab]
    pipeline: [1, b-to-a]
  register: two_pipelines

- name: List the rows an operator should delete
  ansible.builtin.debug:
    msg: >-
      {{ otter.findings
         | selectattr('kind', 'in', ['duplicate_rows', 'dangling_node', 'invalid_location'])
         | map(attribute='row_ids') | flatten }}
'''

RETURN = r'''
changed:
  description: Always V(false); the module never writes.
  returned: always
  type: bool
executed_queries:
  description: Statements that changed the database. The module only reads, so the list is always empty.
  returned: always
  type: list
  elements: str
  sample: []
ok:
  description: V(true) when there are no RV(findings).
  returned: success
  type: bool
  sample: false
nodes:
  description: Every C(NODE) row, by ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(NODE.ID).
      type: int
    name:
      description: C(NODE.NAME).
      type: str
    ip:
      description: C(NODE.IP).
      type: str
    port:
      description: C(NODE.PORT), the node's communication port.
      type: int
    parameters:
      description: C(NODE.PARAMETERS) parsed from JSON; V(null) when it is empty or not a JSON object.
      type: dict
  sample:
    - id: 1
      name: node-a
      ip: 10.0.0.1
      port: 2088
      parameters: {downloadPort: 2089, mbeanPort: 2090, useExternalIp: false, zkCluster: {clusterName: default, id: 1}}
channels:
  description:
    - The channels of the audited pipelines, by ID, each with the IDs of its audited pipelines.
    - When neither O(channel) nor O(pipeline) is set, every channel, those without pipelines included.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(CHANNEL.ID).
      type: int
    name:
      description: C(CHANNEL.NAME).
      type: str
    pipelines:
      description: IDs of the channel's audited pipelines, sorted.
      type: list
      elements: int
    modified:
      description:
        - The newest C(PIPELINE.GMT_MODIFIED) of those pipelines, in seconds since the epoch (V(null) without
          pipelines). M(otter.ha.otter_zk_info) compares it with the channel's last start to tell a pending push.
      type: float
  sample: [{id: 1, name: sync-ab, pipelines: [1, 2], modified: 1764614400.0}]
pipelines:
  description:
    - The audited pipelines, by ID, with their node IDs per location, sorted and each once.
    - Rows of nodes missing from C(NODE) count here; rows whose C(LOCATION) is not one of the three do not (see
      RV(relations) and the C(invalid_location) findings).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(PIPELINE.ID).
      type: int
    name:
      description: C(PIPELINE.NAME).
      type: str
    channel:
      description: The pipeline's channel, C(id) and C(name).
      type: dict
    nodes:
      description: C(SELECT), C(EXTRACT) and C(LOAD), each a sorted list of node IDs.
      type: dict
  sample:
    - id: 1
      name: a-to-b
      channel: {id: 1, name: sync-ab}
      nodes: {SELECT: [1], EXTRACT: [1], LOAD: [2]}
layouts:
  description:
    - The layout of the audited pipelines as declaration entries, ready to adopt - the role's C(node_ha_layouts),
      M(otter.ha.otter_pipeline_nodes)'s O(otter.ha.otter_pipeline_nodes#module:layouts). Pipelines with the same
      nodes per location share one entry with C(state=exact); pipelines and nodes are named where the name is
      unambiguous, else given by ID.
    - Given back unchanged, the entries change nothing, except that they remove rows of nodes missing from C(NODE)
      and duplicate rows; locations without any node are left out of an entry (C(locations)).
    - A pipeline that no reference can name, or that uses a node no reference can name, has no entry (an
      C(unreferable_pipeline) or C(unreferable_node) finding says why).
  returned: success
  type: list
  elements: dict
  sample:
    - pipelines: [a-to-b, b-to-a]
      nodes: [node-a, node-b]
      state: exact
relations:
  description: The C(PIPELINE_NODE_RELATION) rows of the audited pipelines as stored, by row ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(PIPELINE_NODE_RELATION.ID).
      type: int
    pipeline_id:
      description: C(PIPELINE_ID).
      type: int
    node_id:
      description: C(NODE_ID); it may name a node that does not exist.
      type: int
    location:
      description: C(LOCATION) exactly as stored.
      type: str
  sample: [{id: 1, pipeline_id: 1, node_id: 1, location: SELECT}]
findings:
  description:
    - What is wrong with the node layout of the audited pipelines, pipeline by pipeline (by ID), and within a
      pipeline in the order of the kinds below, then by location.
    - C(invalid_location) - rows whose C(LOCATION) is not exactly C(SELECT), C(EXTRACT) or C(LOAD); one
      finding per pipeline and such value, with all of its rows. The manager cannot read the pipeline.
    - C(dangling_node) - rows whose C(NODE_ID) does not exist in C(NODE); one finding per pipeline and
      location, with all those rows.
    - C(duplicate_rows) - more than one row for the same pipeline, existing node and location; RV(findings[].row_ids)
      holds the extra rows, all but the oldest (lowest ID). A node starts a stage once per row.
    - C(under_replicated) - a location with fewer than O(min_nodes) distinct nodes that exist in C(NODE),
      none included; RV(findings[].row_ids) holds the rows of the nodes it does have.
    - C(extract_differs) - the C(EXTRACT) nodes differ from the C(SELECT) nodes (existing nodes compared); the
      manager UI rewrites C(EXTRACT) from C(SELECT) on the next edit of the pipeline. RV(findings[].location)
      is V(null); RV(findings[].node_ids) are the nodes in one location but not the other, RV(findings[].row_ids)
      their C(SELECT) and C(EXTRACT) rows.
    - C(not_as_declared) - only with O(expect); a location that lacks declared nodes or has undeclared ones
      (per O(expect.state)). RV(findings[].node_ids) are those nodes, RV(findings[].row_ids) the rows of the
      undeclared ones.
    - C(unreferable_node) - a node used by the audited pipelines that no reference can name, because its name is
      shared or is another node's ID, and its ID is another node's name. RV(findings[].node_ids) holds it;
      RV(findings[].pipeline_id) and RV(findings[].location) are V(null). RV(layouts) leaves out the pipelines
      that use it.
    - C(unreferable_pipeline) - an audited pipeline that no reference can name, the same way among all the
      manager's pipelines; RV(layouts) leaves it out.
    - Every row that should be deleted is in the RV(findings[].row_ids) of exactly one C(invalid_location),
      C(dangling_node) or C(duplicate_rows) finding.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [invalid_location, dangling_node, duplicate_rows, under_replicated, extract_differs, not_as_declared,
                unreferable_node, unreferable_pipeline]
    channel_id:
      description: C(CHANNEL.ID) of the pipeline; V(null) for C(unreferable_node).
      type: int
    pipeline_id:
      description: C(PIPELINE.ID); V(null) for C(unreferable_node).
      type: int
    location:
      description: The location concerned, as stored; V(null) for C(extract_differs) and the C(unreferable) kinds.
      type: str
    node_ids:
      description: The node IDs concerned, sorted.
      type: list
      elements: int
    row_ids:
      description: The relation row IDs concerned, sorted.
      type: list
      elements: int
    message:
      description: The finding in words, naming the pipeline as C(channel/pipeline (pipeline N)), and what to do.
      type: str
  sample:
    - kind: under_replicated
      channel_id: 1
      pipeline_id: 1
      location: SELECT
      node_ids: [1]
      row_ids: [1]
      message: >-
        sync-ab/a-to-b (pipeline 1): SELECT runs on 1 node(s) (1 node-a), fewer than min_nodes=2, so losing that
        node stops the stage; add nodes to it (stop the channel first), for example with
        otter.ha.otter_pipeline_nodes
summary:
  description:
    - The layout as the lines of a text table with the columns C(pipeline), C(location) and C(nodes); a header
      and a rule come first, then one line per pipeline and location.
    - Each node is shown once with its ID and name; C((2 rows)) marks duplicate rows and C((not in NODE)) a
      node that does not exist. A location without rows shows C(-); a C(LOCATION) outside the three is shown
      quoted on a line of its own.
  returned: success
  type: list
  elements: str
  sample:
    - "pipeline                    | location | nodes"
    - "----------------------------+----------+---------"
    - "sync-ab/a-to-b (pipeline 1) | SELECT   | 1 node-a"
    - "sync-ab/a-to-b (pipeline 1) | EXTRACT  | 1 node-a"
    - "sync-ab/a-to-b (pipeline 1) | LOAD     | 2 node-b"
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import (
    check_database_params, database_spec, layout_spec, selection_spec)
from ansible_collections.otter.ha.plugins.module_utils.audit import (
    audit_findings, not_as_declared, sort_findings, summary_table, unreferable, verdict)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.layout import (
    OVERRIDES, declaration_of, layout_of, pipelines_report, plan_layout, requested_nodes)
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import describe_node, parse_parameters
from ansible_collections.otter.ha.plugins.module_utils.references import resolve, resolve_pipelines
from ansible_collections.otter.ha.plugins.module_utils.sql import (
    begin_read_only, read_nodes, read_relations, read_selection)


def argument_spec():
    spec = database_spec()
    spec.update(selection_spec())
    spec.update(
        min_nodes=dict(type='int', default=2),
        expect=dict(type='dict', options=layout_spec('exact')),
    )
    return spec


def parse_request(params):
    """Checks that need no database, so a wrong task fails before connecting; the declared layout
    of expect, {location: (option, references)}, or None."""
    check_database_params(params)
    for option in ('channel', 'pipeline'):
        if params[option] is not None and not params[option]:
            raise RequestError('%s must not be an empty list; leave it out to audit every pipeline' % option)
    if params['min_nodes'] < 1:
        raise RequestError('min_nodes must be at least 1, got %d' % params['min_nodes'])
    expect = params['expect']
    if expect is None:
        return None
    try:
        return requested_nodes(expect['locations'], expect['nodes'],
                               dict((option, expect[option]) for _loc, option in OVERRIDES))
    except RequestError as exc:
        raise RequestError('expect: %s' % exc)


def channels_report(channels, pipelines, every_channel):
    """{id, name, pipelines: [ids], modified} per channel of the pipelines (with every_channel, of every
    channel); modified is the newest GMT_MODIFIED of its pipelines, in seconds since the epoch."""
    members = {}
    modified = {}
    for pipeline in pipelines:
        members.setdefault(pipeline.channel_id, []).append(pipeline.id)
        if pipeline.modified is not None:
            modified[pipeline.channel_id] = max(modified.get(pipeline.channel_id, 0), pipeline.modified)
    shown = channels if every_channel else [c for c in channels if c.id in members]
    return [dict(id=c.id, name=c.name, pipelines=sorted(members.get(c.id, [])), modified=modified.get(c.id))
            for c in shown]


def audit(module, requested, db):
    params = module.params
    begin_read_only(db)
    nodes = read_nodes(db)
    channels, candidates = read_selection(db, params['channel'], params['pipeline'])
    every = not (params['channel'] or params['pipeline'])
    pipelines = candidates if every else resolve_pipelines(params['channel'], params['pipeline'], channels, candidates)
    rows = read_relations(db, pipelines)
    # Pipeline names are referable in a declaration only where they are unique in the whole manager.
    all_pipelines = candidates if every else read_selection(db, None, None)[1]

    names = dict((n.id, n.name) for n in nodes)
    findings = audit_findings(pipelines, rows, names, params['min_nodes'])
    if requested:
        desired = {}
        for loc, (option, refs) in requested.items():
            desired[loc] = [n.id for n in resolve(refs, nodes, 'node', 'expect.%s' % option, table='NODE',
                                                  describe=describe_node)]
        plan = plan_layout([p.id for p in pipelines], rows, desired, params['expect']['state'], names)
        findings = findings + not_as_declared(pipelines, plan, rows, names)
    layout = layout_of([p.id for p in pipelines], rows, valid_only=True)
    findings = sort_findings(findings + unreferable(pipelines, layout, nodes, all_pipelines))
    return dict(
        verdict(findings),
        changed=False,
        layouts=declaration_of(pipelines, layout, nodes, all_pipelines),
        nodes=[dict(id=n.id, name=n.name, ip=n.ip, port=n.port, parameters=parse_parameters(n.parameters)[0] or None)
               for n in nodes],
        channels=channels_report(channels, pipelines, every),
        pipelines=pipelines_report(pipelines, layout),
        relations=[dict(id=r.id, pipeline_id=r.pipeline_id, node_id=r.node_id, location=r.location) for r in rows],
        summary=summary_table(pipelines, rows, names),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (Database,), audit)


if __name__ == '__main__':
    main()
