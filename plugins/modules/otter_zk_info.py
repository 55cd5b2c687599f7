#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_zk_info
short_description: Read the live state of Otter node high availability from ZooKeeper (read-only)
version_added: 1.0.0
description:
  - Reads, from the ZooKeeper ensemble of an Otter installation, which nodes are alive (C(/otter/node/{nid})),
    the status of each channel (C(/otter/channel/{cid})) and which node holds each pipeline's C(SELECT) lock
    (the ephemeral C(/otter/channel/{cid}/{pid}/mainstem) znode).
  - Needs neither the Otter manager nor its database, so it works while the manager is down.
  - With O(expect), also checks that live state against a layout (the return values of M(otter.ha.otter_info))
    and reports each problem as a finding.
  - Never writes to ZooKeeper. Data that Otter would never write there (a mainstem whose C(nid) is not an integer,
    a child of C(/otter/node) not named by a canonical ID, a status that is not the JSON of one, more than 4096
    bytes) is never taken for a live node or a lock holder; it is reported as an C(unreadable_znode) finding.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.zookeeper
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.info
options:
  channel:
    description:
      - Channel IDs (C(CHANNEL.ID)) to report. A channel without a znode is reported with RV(channels[].status)
        V(null).
      - When not set, every channel under C(/otter/channel).
    type: list
    elements: int
  pipeline:
    description:
      - Pipeline IDs (C(PIPELINE.ID)) to report; RV(channels) then lists only their channels.
      - A pipeline found under no channel is reported with RV(pipelines[].channel_id) V(null).
    type: list
    elements: int
  expect:
    description:
      - The layout to check the live state against, as M(otter.ha.otter_info) returns it; other keys of each
        entry are ignored, so the return values can be passed as they are.
      - C(nodes) - nodes that must be alive, each with C(id) and optionally C(name).
      - C(channels) - channels that must be C(START), each with C(id) and optionally C(name) and C(modified)
        (seconds since the epoch; a later change than the channel's last start is C(push_pending)).
      - C(pipelines) - pipelines whose C(SELECT) lock must be held by one of their C(SELECT) nodes while another of
        those nodes is alive to take over; each with C(id), C(nodes.SELECT) (node IDs) and optionally C(name) and
        C(channel) (C(id), C(name)).
    type: dict
  max_takeing:
    description:
      - Seconds a mainstem holder may stay C(TAKEING) (catching up after it took the lock) before that is a
        C(mainstem_stuck) finding.
    type: int
    default: 60
  wait:
    description:
      - With O(expect), seconds to keep re-reading (once a second) while there are findings, for example while a
        just-started channel's nodes compete for the lock. V(0) reads once.
    type: int
    default: 0
notes:
  - The module takes no database option and is not in the action group C(otter.ha.all), whose
    C(module_defaults) carry the database connection.
  - A node that crashed keeps its znodes until its ZooKeeper session expires (60 seconds by default in Otter).
seealso:
  - module: otter.ha.otter_info
  - module: otter.ha.otter_channel
'''

EXAMPLES = r'''
- name: Read the live state of every channel
  otter.ha.otter_zk_info:
    zk_hosts: zk1.example.com:2181,zk2.example.com:2181,zk3.example.com:2181
  register: live

- name: Show which node runs each pipeline's SELECT
  ansible.builtin.debug:
    msg: "{{ live.summary }}"

- name: Check channel 1 against its layout in the manager database
  otter.ha.otter_info:
    channel: [1]
  register: layout

- name: Fail unless every node is alive, the channel started and each pipeline has a standby
  otter.ha.otter_zk_info:
    zk_hosts: zk1.example.com:2181
    channel: "{{ layout.channels | map(attribute='id') | list }}"
    expect:
      nodes: "{{ layout.nodes }}"
      channels: "{{ layout.channels }}"
      pipelines: "{{ layout.pipelines }}"
    wait: 30
  register: checked
  failed_when: not checked.ok
'''

RETURN = r'''
changed:
  description: Always V(false); the module never writes.
  returned: always
  type: bool
alive_nodes:
  description: IDs of the nodes whose ephemeral C(/otter/node/{nid}) znode exists, sorted.
  returned: success
  type: list
  elements: int
  sample: [1, 2]
channels:
  description: The reported channels, by ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The channel ID.
      type: int
    status:
      description: C(START), C(PAUSE) or C(STOP), as stored in C(/otter/channel/{cid}); V(null) when that znode is missing.
      type: str
    status_since:
      description:
        - When C(/otter/channel/{cid}) was last written, in seconds since the epoch (the manager writes it at the end of
          every start, stop and push); V(null) without the znode.
      type: float
    pipelines:
      description: IDs of the channel's reported pipelines (its children in ZooKeeper), sorted.
      type: list
      elements: int
  sample: [{id: 1, status: START, status_since: 1764614400.0, pipelines: [1, 2]}]
pipelines:
  description: The reported pipelines, by ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The pipeline ID.
      type: int
    channel_id:
      description: The channel whose znode holds the pipeline; V(null) when no channel does.
      type: int
    mainstem_nid:
      description: The node holding the pipeline's C(SELECT) lock; V(null) when nobody holds it.
      type: int
    mainstem_status:
      description: C(TAKEING) while the holder catches up, C(OVERTAKE) once it has; V(null) without a holder.
      type: str
    active:
      description: Whether the lock is held and marked active.
      type: bool
    mainstem_since:
      description: When the mainstem znode was last written, in seconds since the epoch; V(null) without a holder.
      type: float
    processes:
      description: The pipeline's C(process) znodes in use, each with C(id), the C(nid) that owns it and C(status).
      type: list
      elements: dict
  sample:
    - {id: 1, channel_id: 1, mainstem_nid: 1, mainstem_status: OVERTAKE, active: true, mainstem_since: 1764614400.0,
       processes: [{id: '0000000001', nid: 1, status: USED}]}
cursors:
  description:
    - Each canal cursor (C(/otter/canal/destinations/{destination}/{client_id}/cursor)), with its C(age) - the seconds
      since it was last written, which is how long ago that destination's binlog position last moved.
  returned: success
  type: list
  elements: dict
  sample: [{destination: center-1-1, client_id: '1001', age: 2.5}]
ok:
  description: V(true) when there are no RV(findings).
  returned: success
  type: bool
findings:
  description:
    - What makes node HA not real right now. Without O(expect), only C(unreadable_znode).
    - The keys are those of the findings of M(otter.ha.otter_info); RV(findings[].location) is always V(null) and
      RV(findings[].row_ids) always empty here.
    - C(unreadable_znode) - a znode holds data Otter would not have written; the message names the path.
    - C(node_down) - an expected node has no C(/otter/node/{nid}).
    - C(channel_not_started) - an expected channel is not C(START), or has no readable znode.
    - C(no_mainstem) - nobody holds the pipeline's C(SELECT) lock, or the holder marked it inactive.
    - C(mainstem_not_select) - the lock is held by a node that is not one of the pipeline's C(SELECT) nodes.
    - C(push_pending) - an expected channel's pipelines changed in the manager database (C(modified), as
      M(otter.ha.otter_info) returns it) after the channel was last started; its running nodes still run the old
      layout.
    - C(mainstem_stale_session) - the lock names a node but is held by another ZooKeeper session than that node's
      live one (a leftover of the node's previous run, gone when that session expires).
    - C(mainstem_stuck) - the holder has been C(TAKEING) for longer than O(max_takeing).
    - C(no_standby) - no other C(SELECT) node of the pipeline is alive to take over.
    - C(orphan_process) - C(process) znodes of the pipeline belong to a node that is not alive.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [unreadable_znode, node_down, channel_not_started, push_pending, no_mainstem, mainstem_not_select,
                mainstem_stale_session, mainstem_stuck, no_standby, orphan_process]
    channel_id:
      description: The channel concerned, if any.
      type: int
    pipeline_id:
      description: The pipeline concerned, if any.
      type: int
    location:
      description: Always V(null) (kept so that findings of both audit modules have one shape).
      type: str
    node_ids:
      description: The nodes concerned (the dead node, the foreign holder, the dead standbys), sorted.
      type: list
      elements: int
    row_ids:
      description: Always empty (kept so that findings of both audit modules have one shape).
      type: list
      elements: int
    message:
      description: The finding in words, naming the pipeline and the nodes, or the znode path.
      type: str
  sample:
    - kind: no_standby
      channel_id: 1
      pipeline_id: 1
      location: null
      node_ids: [1]
      row_ids: []
      message: >-
        sync-ab/a-to-b (pipeline 1) has no standby: SELECT runs on node 2 (node-b) and no other SELECT node is
        alive (down: node 1 (node-a))
summary:
  description: The live state in words, one line for the alive nodes, then one per channel and per pipeline.
  returned: success
  type: list
  elements: str
  sample:
    - "alive nodes: node 1 (node-a), node 2 (node-b)"
    - "channel 1: START"
    - "pipeline 1 (channel 1): mainstem on node 1 (node-a) (OVERTAKE)"
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import zookeeper_spec
from ansible_collections.otter.ha.plugins.module_utils.audit import (
    live_findings, live_summary, unreadable_znode, verdict)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.znodes import live_state
from ansible_collections.otter.ha.plugins.module_utils.zookeeper import ZooKeeper


def argument_spec():
    spec = zookeeper_spec()
    spec.update(
        channel=dict(type='list', elements='int'),
        pipeline=dict(type='list', elements='int'),
        expect=dict(type='dict'),
        wait=dict(type='int', default=0),
        max_takeing=dict(type='int', default=60),
    )
    return spec


def parse_request(params):
    if not params['zk_hosts'].strip():
        raise RequestError('zk_hosts must not be empty; give the ensemble as host:port[,host:port...]')
    if params['timeout'] <= 0:
        raise RequestError('timeout must be a positive number of seconds, got %s' % params['timeout'])
    if params['wait'] < 0:
        raise RequestError('wait must not be negative, got %d' % params['wait'])
    if params['max_takeing'] < 1:
        raise RequestError('max_takeing must be at least 1 second, got %d' % params['max_takeing'])
    for option in ('channel', 'pipeline'):
        values = params[option]
        if values is not None and not values:
            raise RequestError('%s must not be an empty list; leave it out to read every %s' % (option, option))
        if values and any(v < 1 for v in values):
            raise RequestError('%s IDs must be positive, got %s' % (option, values))
    expect = params['expect']
    if expect is not None:
        unknown = sorted(set(expect) - set(['nodes', 'channels', 'pipelines']))
        if unknown:
            raise RequestError('expect: unknown key(s) %s; use nodes, channels and pipelines' % ', '.join(unknown))
        for key in ('nodes', 'channels', 'pipelines'):
            if expect.get(key) is not None and not isinstance(expect[key], list):
                raise RequestError('expect.%s must be a list, got %r' % (key, expect[key]))
    return expect


def inspect(module, expect, zk, sleep=time.sleep, clock=time.time):
    """Read and check; with expect and wait > 0, re-read once a second until there are no findings
    or wait seconds have passed (a standby takes a few seconds to win a freed mainstem)."""
    params = module.params
    pipeline_ids = set(params['pipeline']) if params['pipeline'] else None
    deadline = clock() + params['wait']
    while True:
        now = clock()
        state, problems, sessions = live_state(zk.read_raw(params['channel']), pipeline_ids, now)
        if expect is None:
            findings = unreadable_znode(problems)
        else:
            findings = live_findings(state, problems, expect, sessions, now, params['max_takeing'])
        if not findings or expect is None or clock() >= deadline:
            break
        sleep(1)
    names = {}
    for node in (expect or {}).get('nodes') or []:
        if isinstance(node, dict) and node.get('id') is not None and node.get('name'):
            names[int(node['id'])] = node['name']
    result = dict(verdict(findings), changed=False, summary=live_summary(state, names))
    result.update(state)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (ZooKeeper,), inspect)


if __name__ == '__main__':
    main()
