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
  - Never writes to ZooKeeper.
author:
  - otter.ha maintainers (@otter-ha)
requirements:
  - kazoo
extends_documentation_fragment:
  - otter.ha.otter_db
  - action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode runs the same reads and returns the same data.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  zk_hosts:
    description:
      - The ZooKeeper ensemble, as C(host:port,host:port), optionally followed by a chroot (C(/path)).
      - The ensemble the nodes use, that is the C(SERVER_LIST) of their C(AUTOKEEPER_CLUSTER).
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for a ZooKeeper server to answer (connection and each request).
    type: float
    default: 10
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
      - C(channels) - channels that must be C(START), each with C(id) and optionally C(name).
      - C(pipelines) - pipelines whose C(SELECT) lock must be held by one of their C(SELECT) nodes while another of
        those nodes is alive to take over; each with C(id), C(nodes.SELECT) (node IDs) and optionally C(name) and
        C(channel) (C(id), C(name)).
    type: dict
  wait:
    description:
      - With O(expect), seconds to keep re-reading (once a second) while there are findings, for example while a
        just-started channel's nodes compete for the lock. V(0) reads once.
    type: int
    default: 0
notes:
  - The database connection options are accepted so that C(module_defaults) for C(group/otter.ha.all) can carry
    them; this module does not use them.
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
executed_queries:
  description: Database statements that changed something; the module reads ZooKeeper only, so always empty.
  returned: always
  type: list
  elements: str
  sample: []
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
    pipelines:
      description: IDs of the channel's reported pipelines (its children in ZooKeeper), sorted.
      type: list
      elements: int
  sample: [{id: 1, status: START, pipelines: [1, 2]}]
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
  sample: [{id: 1, channel_id: 1, mainstem_nid: 1, mainstem_status: OVERTAKE, active: true}]
ok:
  description: V(true) when there are no RV(findings) (always V(true) without O(expect)).
  returned: success
  type: bool
findings:
  description:
    - With O(expect), what makes node HA not real right now; empty without O(expect).
    - C(node_down) - an expected node has no C(/otter/node/{nid}).
    - C(channel_not_started) - an expected channel is not C(START), or has no znode.
    - C(no_mainstem) - nobody holds the pipeline's C(SELECT) lock, or the holder marked it inactive.
    - C(mainstem_not_select) - the lock is held by a node that is not one of the pipeline's C(SELECT) nodes.
    - C(no_standby) - no other C(SELECT) node of the pipeline is alive to take over.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [node_down, channel_not_started, no_mainstem, mainstem_not_select, no_standby]
    channel_id:
      description: The channel concerned, if any.
      type: int
    pipeline_id:
      description: The pipeline concerned, if any.
      type: int
    node_ids:
      description: The nodes concerned (the dead node, the foreign holder, the dead standbys), sorted.
      type: list
      elements: int
    message:
      description: The finding in words, naming the pipeline and the nodes.
      type: str
  sample:
    - kind: no_standby
      channel_id: 1
      pipeline_id: 1
      node_ids: [1]
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

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError, connection_argument_spec
from ansible_collections.otter.ha.plugins.module_utils.otter_zk import ensure_kazoo, read_live_state, summary_lines


def argument_spec():
    # The database options are accepted (and ignored) so that group module_defaults can carry them.
    spec = connection_argument_spec()
    spec.update(
        zk_hosts=dict(type='str', required=True),
        timeout=dict(type='float', default=10),
        channel=dict(type='list', elements='int'),
        pipeline=dict(type='list', elements='int'),
        expect=dict(type='dict'),
        wait=dict(type='int', default=0),
    )
    return spec


def check_params(params):
    if not params['zk_hosts'].strip():
        raise OtterError('zk_hosts must not be empty; give the ensemble as host:port[,host:port...]')
    if params['timeout'] <= 0:
        raise OtterError('timeout must be a positive number of seconds, got %s' % params['timeout'])
    if params['wait'] < 0:
        raise OtterError('wait must not be negative, got %d' % params['wait'])
    for option in ('channel', 'pipeline'):
        values = params[option]
        if values is not None and not values:
            raise OtterError('%s must not be an empty list; leave it out to read every %s' % (option, option))
        if values and any(v < 1 for v in values):
            raise OtterError('%s IDs must be positive, got %s' % (option, values))
    expect = params['expect']
    if expect is not None:
        unknown = sorted(set(expect) - set(['nodes', 'channels', 'pipelines']))
        if unknown:
            raise OtterError('expect: unknown key(s) %s; use nodes, channels and pipelines' % ', '.join(unknown))
        for key in ('nodes', 'channels', 'pipelines'):
            if expect.get(key) is not None and not isinstance(expect[key], list):
                raise OtterError('expect.%s must be a list, got %r' % (key, expect[key]))


def inspect(module):
    params = module.params
    check_params(params)
    pipeline_ids = set(params['pipeline']) if params['pipeline'] else None
    state, findings = read_live_state(params['zk_hosts'].strip(), params['timeout'], channel_ids=params['channel'],
                                      pipeline_ids=pipeline_ids, expect=params['expect'], wait=params['wait'])
    names = {}
    for node in (params['expect'] or {}).get('nodes') or []:
        if isinstance(node, dict) and node.get('id') is not None and node.get('name'):
            names[int(node['id'])] = node['name']
    result = dict(changed=False, executed_queries=[], ok=not findings, findings=findings,
                  summary=summary_lines(state, names))
    result.update(state)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    ensure_kazoo(module)
    try:
        result = inspect(module)
    except OtterError as exc:
        module.fail_json(msg=to_native(exc), changed=False, executed_queries=[])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
