#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_zk_ensemble_info
short_description: Check the ZooKeeper ensemble of an Otter installation server by server (read-only)
version_added: 2.0.0
description:
  - Asks every server of a ZooKeeper ensemble, one by one over plain TCP, the four-letter word C(srvr), and reports
    what each said - its C(Mode) (C(leader), C(follower), C(observer), C(standalone)), version, C(zxid), connections -
    and as findings what makes the ensemble unfit for Otter - a server that does not answer, refuses C(srvr), or
    answers without serving (no quorum); no leader, or more than one; a standalone server listed with others.
  - Exactly one server must be the leader, or the only server listed must be C(standalone).
  - Needs no ZooKeeper session (so it reports each server even when the ensemble has no quorum), no kazoo, and
    neither the Otter manager nor its database. ZooKeeper 3.5 and later answer C(srvr) whatever their
    C(4lw.commands.whitelist) says (C(zkServer.sh) relies on it); a server that refuses it, or a port where something
    else answers, is a C(zk_command_refused) finding.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.info
options:
  servers:
    description:
      - The servers of the ensemble, C(host:port) items (port 2181 when not written; C([v6]:port) for an IPv6
        address). A comma-separated connection string works too (for example C(zk1:2181,zk2:2181,zk3:2181)); a
        chroot (C(/path)) is ignored.
      - The ensemble the nodes use, the C(SERVER_LIST) of their C(AUTOKEEPER_CLUSTER) (RV(otter.ha.otter_managers_check#module:cluster.servers)).
    type: list
    elements: str
    required: true
  timeout:
    description:
      - Seconds to wait for each server, connection and answer together.
    type: float
    default: 5
seealso:
  - module: otter.ha.otter_zk_info
  - module: otter.ha.otter_managers_check
'''

EXAMPLES = r'''
- name: Every server of the nodes' ensemble answers, and exactly one leads
  otter.ha.otter_zk_ensemble_info:
    servers: zk1.example.com:2181,zk2.example.com:2181,zk3.example.com:2181
  register: ensemble
  failed_when: not ensemble.ok

- name: Show what each server said
  ansible.builtin.debug:
    msg: "{{ ensemble.servers | map(attribute='server') | zip(ensemble.servers | map(attribute='mode')) | list }}"
'''

RETURN = r'''
changed:
  description: Always V(false); the module only reads.
  returned: always
  type: bool
servers:
  description: Each server, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    server:
      description: The server, C(host:port).
      type: str
    answered:
      description: Whether it answered C(srvr) at all.
      type: bool
    state:
      description:
        - V(serving), V(not_serving) (it answered that it does not serve requests), V(refused) (C(srvr) is not in its
          whitelist), V(unknown) (an answer without a C(Mode)), or V(unreachable).
      type: str
    mode:
      description: Its C(Mode) - C(leader), C(follower), C(observer), C(standalone) or C(read-only); null when not serving.
      type: str
    version:
      description: Its ZooKeeper version line.
      type: str
    zxid:
      description: The last transaction it has seen.
      type: str
    connections:
      description: Its client connections.
      type: int
    outstanding:
      description: Its outstanding requests.
      type: int
    node_count:
      description: Its number of znodes.
      type: int
    latency:
      description: Its latency min/avg/max, in milliseconds.
      type: str
    error:
      description: Why it did not answer; null when it did.
      type: str
  sample:
    - {server: "zk1:2181", answered: true, state: serving, mode: leader, version: "3.8.0-5a02a05e, built on 2022-02-25",
       zxid: "0x100000002", connections: 3, outstanding: 0, node_count: 12, latency: 0/0.5/3, error: null}
leader:
  description: The one server that reports C(Mode) C(leader) (or the only one, C(standalone)); null when there is none or
    more than one.
  returned: success
  type: str
  sample: zk1:2181
ok:
  description: V(true) when there are no RV(findings).
  returned: success
  type: bool
findings:
  description:
    - What makes the ensemble unfit, in the shape of M(otter.ha.otter_info)'s findings (the other keys are null or
      empty); each message names the server and what it said.
    - C(zk_server_unreachable) - no answer (refused connection, timeout, name not resolved).
    - C(zk_command_refused) - C(srvr) is not in its whitelist, or the answer is not ZooKeeper's.
    - C(zk_server_not_serving) - it answers that it does not serve requests (it is not in a quorum).
    - C(zk_no_leader) - no server reports C(leader) (and the list is not one C(standalone) server).
    - C(zk_several_leaders) - more than one does.
    - C(zk_standalone_in_ensemble) - a C(standalone) server is listed with others.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [zk_server_unreachable, zk_command_refused, zk_server_not_serving, zk_no_leader, zk_several_leaders,
                zk_standalone_in_ensemble]
    channel_id:
      description: Always null.
      type: int
    pipeline_id:
      description: Always null.
      type: int
    location:
      description: Always null.
      type: str
    node_ids:
      description: Always empty.
      type: list
      elements: int
    row_ids:
      description: Always empty.
      type: list
      elements: int
    message:
      description: The finding in words, naming the servers and what they said.
      type: str
  sample:
    - kind: zk_server_not_serving
      channel_id: null
      pipeline_id: null
      location: null
      node_ids: []
      row_ids: []
      message: >-
        ZooKeeper server zk3:2181 answers but does not serve clients ('This ZooKeeper instance is not currently serving
        requests'): it is not in a quorum, so fewer than a majority of its ensemble run or reach each other
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.audit import ensemble_findings, verdict
from ansible_collections.otter.ha.plugins.module_utils.ensemble import parse_srvr, server_list, split_server
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.zk_admin import ZooKeeperAdmin


def argument_spec():
    return dict(
        servers=dict(type='list', elements='str', required=True),
        timeout=dict(type='float', default=5),
    )


def parse_request(params):
    if params['timeout'] <= 0:
        raise RequestError('timeout must be a positive number of seconds, got %s' % params['timeout'])
    servers = server_list(params['servers'])
    if not servers:
        raise RequestError('servers must name at least one ZooKeeper server (host:port)')
    return servers


def inspect(module, servers, admin):
    report = []
    for name in servers:
        host, port = split_server(name)
        answer, error = admin.ask(host, port, 'srvr')
        srvr = parse_srvr(answer) if error is None else None
        report.append(dict(server=name, error=error, answer=answer, srvr=srvr))
    findings = ensemble_findings(report)
    serving = [s for s in report if s['srvr'] and s['srvr']['state'] == 'serving']
    leaders = [s['server'] for s in serving if s['srvr']['mode'] == 'leader']
    if len(report) == 1 and serving and serving[0]['srvr']['mode'] == 'standalone':
        leaders = [serving[0]['server']]
    out = []
    for server in report:
        srvr = server['srvr'] or {}
        out.append(dict(server=server['server'], answered=server['error'] is None,
                        state=srvr.get('state', 'unreachable'), mode=srvr.get('mode'), version=srvr.get('version'),
                        zxid=srvr.get('zxid'), connections=srvr.get('connections'),
                        outstanding=srvr.get('outstanding'), node_count=srvr.get('node_count'),
                        latency=srvr.get('latency'), error=server['error']))
    return dict(verdict(findings), changed=False, servers=out, leader=leaders[0] if len(leaders) == 1 else None)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (ZooKeeperAdmin,), inspect)


if __name__ == '__main__':
    main()
