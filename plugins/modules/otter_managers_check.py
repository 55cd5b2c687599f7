#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_managers_check
short_description: Check that Otter managers work as one pair - one database, one ZooKeeper, one self-monitor (read-only)
version_added: 2.0.0
description:
  - Takes every manager's report (RV(otter.ha.otter_home#module:home) of M(otter.ha.otter_home) with C(kind=manager),
    run on each manager's host) and its URL, asks each manager's read-only C(/api/channel_check.htm), and reports as
    findings what keeps the managers from standing in for each other.
  - Every manager must answer its API; all must name the same manager database (C(otter.database.driver.url), compared
    as the servers and database it names, parameters ignored) and the same ZooKeeper ensemble
    (C(otter.zookeeper.cluster.default), compared as a set of C(host:port)), which must be the nodes' ensemble
    (O(zk_servers), or the C(SERVER_LIST) of O(zk_cluster) in the manager database); and exactly one may run the
    self-monitor (C(otter.manager.monitor.self.enable)) - two send every alarm twice and both restart paused
    channels (alibaba/otter issue 884).
  - Never calls C(/monitor/monitor_trigger.htm) (it runs the monitor, which restarts paused channels) nor any other
    screen that changes something.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.info
options:
  managers:
    description:
      - The managers, each with its name, URL and report. At least one.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: How findings name the manager (for example its inventory host). Unique.
        type: str
        required: true
      url:
        description: Base URL of the manager's web UI and API, for example C(http://otter-manager-1:8080).
        type: str
        required: true
      home:
        description:
          - The manager's RV(otter.ha.otter_home#module:home), as M(otter.ha.otter_home) with C(kind=manager) returned it on
            the manager's host (the whole registered result is accepted too).
        type: dict
        required: true
  channel_id:
    description:
      - A channel that exists (C(CHANNEL.ID), for example from M(otter.ha.otter_info)) to ask each manager for. Each
        must then answer with its status, and all the same status; an error answer is a C(manager_api_error) finding
        (a manager that answers but cannot read its database or ZooKeeper).
      - When not set, each manager is asked for channel C(0), which does not exist; its JSON error answer counts as an
        answer, so the check proves only that the API answers.
    type: int
  monitor_owner:
    description:
      - The O(managers[].name) of the manager that should run the self-monitor; another one running it is a
        C(monitor_not_owner) finding.
    type: str
  zk_servers:
    description:
      - The nodes' ZooKeeper ensemble, C(host:port) items (a comma-separated string works too; a chroot is ignored).
        Every manager's ensemble must be this one.
      - Mutually exclusive with O(zk_cluster).
    type: list
    elements: str
  zk_cluster:
    description:
      - The nodes' ZooKeeper cluster in the manager database (C(AUTOKEEPER_CLUSTER.ID) or C(CLUSTER_NAME), by the
        collection's reference rule); its C(SERVER_LIST) is read with the database options, and every manager's
        ensemble must be that one. The database options are used only with this option.
    type: str
  request_timeout:
    description: Seconds to wait for each manager's answer.
    type: float
    default: 10
  validate_certs:
    description: Whether to verify a manager's TLS certificate when its URL is C(https).
    type: bool
    default: true
notes:
  - The database options (O(login_host) and the others) are only read with O(zk_cluster); without it the module needs
    no database and no PyMySQL.
seealso:
  - module: otter.ha.otter_home
  - module: otter.ha.otter_zk_ensemble_info
'''

EXAMPLES = r'''
- name: Read each manager's home on its host
  otter.ha.otter_home:
    path: /home/admin/manager
    kind: manager
  delegate_to: "{{ item }}"
  loop: [otter-manager-1, otter-manager-2]
  register: manager_homes

- name: Check the pair against the nodes' cluster
  otter.ha.otter_managers_check:
    managers:
      - {name: otter-manager-1, url: "http://otter-manager-1:8080", home: "{{ manager_homes.results[0].home }}"}
      - {name: otter-manager-2, url: "http://otter-manager-2:8080", home: "{{ manager_homes.results[1].home }}"}
    channel_id: 1
    monitor_owner: otter-manager-1
    zk_cluster: default
  register: pair
  failed_when: not pair.ok
'''

RETURN = r'''
changed:
  description: Always V(false); the module changes nothing.
  returned: always
  type: bool
managers:
  description: Each manager as the check saw it, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: O(managers[].name).
      type: str
    url:
      description: O(managers[].url).
      type: str
    answered:
      description: Whether the manager answered its API at all.
      type: bool
    status:
      description: The status of O(channel_id) it answered (C(START), C(PAUSE), C(STOP)); null without one.
      type: str
    error:
      description: Why its answer is not a status, or why there is none; null when there is nothing to say.
      type: str
    database_url:
      description: Its C(otter.database.driver.url).
      type: str
    zookeeper_servers:
      description: Its ZooKeeper servers.
      type: list
      elements: str
    monitor_self_enable:
      description: Whether it runs the self-monitor.
      type: bool
  sample:
    - {name: otter-manager-1, url: "http://otter-manager-1:8080", answered: true, status: START, error: null,
       database_url: "jdbc:mysql://otter-db:3306/otter", zookeeper_servers: ["zk1:2181", "zk2:2181", "zk3:2181"],
       monitor_self_enable: true}
monitor_owner:
  description: The name of the one manager that runs the self-monitor; null when none or several do.
  returned: success
  type: str
  sample: otter-manager-1
cluster:
  description: The nodes' ensemble the managers were checked against; null without O(zk_servers) and O(zk_cluster).
  returned: success
  type: dict
  contains:
    id:
      description: C(AUTOKEEPER_CLUSTER.ID) with O(zk_cluster), else null.
      type: int
    name:
      description: C(AUTOKEEPER_CLUSTER.CLUSTER_NAME) with O(zk_cluster), else null.
      type: str
    servers:
      description: Its servers, C(host:port) (its C(SERVER_LIST), or O(zk_servers)).
      type: list
      elements: str
  sample: {id: 1, name: default, servers: ["zk1:2181", "zk2:2181", "zk3:2181"]}
ok:
  description: V(true) when there are no RV(findings).
  returned: success
  type: bool
findings:
  description:
    - What keeps the managers from working as one pair, in the shape of M(otter.ha.otter_info)'s findings
      (RV(findings[].channel_id) is O(channel_id) for the API findings; the other keys are null or empty).
    - C(manager_unreachable) - no answer from its API.
    - C(manager_api_error) - an HTTP error, an answer that is not the API's, or (with O(channel_id)) an error answer.
    - C(manager_status_differs) - with O(channel_id), the managers report different statuses.
    - C(manager_database_differs) - not every manager names the same database.
    - C(manager_zookeeper_differs) - not every manager names the same ZooKeeper ensemble.
    - C(manager_zookeeper_not_cluster) - a manager's ensemble is not the nodes'.
    - C(monitor_none), C(monitor_several) - no manager, or more than one, runs the self-monitor.
    - C(monitor_not_owner) - the one that runs it is not O(monitor_owner).
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [manager_unreachable, manager_api_error, manager_status_differs, manager_database_differs,
                manager_zookeeper_differs, manager_zookeeper_not_cluster, monitor_none, monitor_several, monitor_not_owner]
    channel_id:
      description: O(channel_id) for the API findings, else null.
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
      description: The finding in words, naming the managers and their values.
      type: str
  sample:
    - kind: monitor_several
      channel_id: null
      pipeline_id: null
      location: null
      node_ids: []
      row_ids: []
      message: >-
        managers otter-manager-1, otter-manager-2 all run the self-monitor (otter.manager.monitor.self.enable): each
        sends every alarm and each restarts the same channels (issue #884); keep it on otter-manager-1 and set it to
        false on the others
requests:
  description: The HTTP calls sent to the managers, each with C(method), C(url), C(status) and C(answer).
  returned: always
  type: list
  elements: dict
  sample:
    - {method: GET, url: "http://otter-manager-1:8080/api/channel_check.htm?id=1", status: 200,
       answer: {success: true, data: START}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import check_database_params, database_spec
from ansible_collections.otter.ha.plugins.module_utils.audit import pair_findings, verdict
from ansible_collections.otter.ha.plugins.module_utils.ensemble import parse_server_list, server_list
from ansible_collections.otter.ha.plugins.module_utils.errors import (
    DatabaseError, ManagerError, ManagerUnreachable, RequestError)
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.manager_api import ManagerAPI
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import short
from ansible_collections.otter.ha.plugins.module_utils.references import resolve
from ansible_collections.otter.ha.plugins.module_utils.sql import begin_read_only, read_cluster_servers

# The channel asked for without channel_id: no channel has ID 0, so the manager answers with its JSON error.
PROBE_CHANNEL = 0


def argument_spec():
    spec = database_spec()
    spec.update(
        managers=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            url=dict(type='str', required=True),
            home=dict(type='dict', required=True),
        )),
        channel_id=dict(type='int'),
        monitor_owner=dict(type='str'),
        zk_servers=dict(type='list', elements='str'),
        zk_cluster=dict(type='str'),
        request_timeout=dict(type='float', default=10),
        validate_certs=dict(type='bool', default=True),
    )
    return spec


def parse_request(params):
    if params['zk_cluster'] is not None:
        check_database_params(params)
    if not params['managers']:
        raise RequestError('managers must list at least one manager')
    if params['request_timeout'] <= 0:
        raise RequestError('request_timeout must be a positive number of seconds, got %s' % params['request_timeout'])
    managers = []
    for index, item in enumerate(params['managers']):
        name, url = item['name'].strip(), item['url'].strip()
        if not name:
            raise RequestError('managers[%d]: name must not be empty' % index)
        if name in [m['name'] for m in managers]:
            raise RequestError("managers: the name '%s' is given more than once" % name)
        if not url.startswith(('http://', 'https://')):
            raise RequestError("managers[%d] (%s): url %s must start with http:// or https://" % (index, name, short(url)))
        home = item['home']
        if isinstance(home.get('home'), dict):
            home = home['home']
        if home.get('kind') != 'manager':
            raise RequestError("managers[%d] (%s): home is not what otter.ha.otter_home returns for a manager home "
                               "(kind=manager); got %s" % (index, name, short(sorted(home))))
        managers.append(dict(name=name, url=url, home=home))
    owner = params['monitor_owner']
    if owner is not None and owner not in [m['name'] for m in managers]:
        raise RequestError("monitor_owner '%s' is not one of the managers (%s)" % (
            owner, ', '.join(m['name'] for m in managers)))
    if params['channel_id'] is not None and params['channel_id'] < 1:
        raise RequestError('channel_id must be a positive CHANNEL.ID, got %d' % params['channel_id'])
    zk_servers = None
    if params['zk_servers'] is not None:
        zk_servers = server_list(params['zk_servers'])
        if not zk_servers:
            raise RequestError('zk_servers must name at least one server (host:port)')
    return dict(managers=managers, owner=owner, zk_servers=zk_servers)


def nodes_cluster(db, ref):
    """{'id', 'name', 'servers', 'label'} of the cluster ref names, from the manager database."""
    begin_read_only(db)
    rows = read_cluster_servers(db)
    cluster = resolve([ref], [c for c, _text in rows], 'ZooKeeper cluster', option='zk_cluster',
                      table='AUTOKEEPER_CLUSTER')[0]
    text = dict((c.id, t) for c, t in rows)[cluster.id]
    try:
        servers, _chroot = parse_server_list(text)
    except RequestError as exc:
        raise DatabaseError("AUTOKEEPER_CLUSTER %d ('%s'): %s" % (cluster.id, cluster.name, exc))
    return dict(id=cluster.id, name=cluster.name, servers=servers,
                label="the SERVER_LIST of cluster '%s' (AUTOKEEPER_CLUSTER %d)" % (cluster.name, cluster.id))


def probe(api, channel_id):
    """(answered, status, error) of one manager's channel_check."""
    try:
        return True, api.status(PROBE_CHANNEL if channel_id is None else channel_id), None
    except ManagerUnreachable as exc:
        return False, None, '%s' % exc
    except ManagerError as exc:
        record = api.requests[-1] if api.requests else {}
        answer = record.get('answer')
        if isinstance(answer, dict) and answer.get('success') is False:
            if channel_id is None:
                return True, None, None
            return True, None, 'it cannot report the channel: %s' % short(answer.get('errMessage') or answer)
        return True, None, '%s' % exc


def check(module, request, *adapters):
    params = module.params
    cluster = None
    if params['zk_cluster'] is not None:
        cluster = nodes_cluster(adapters[0], params['zk_cluster'])
    elif request['zk_servers'] is not None:
        cluster = dict(id=None, name=None, servers=request['zk_servers'], label='zk_servers')
    managers = []
    requests = []
    for item in request['managers']:
        api = ManagerAPI(item['url'], timeout=params['request_timeout'], validate_certs=params['validate_certs'])
        answered, status, error = probe(api, params['channel_id'])
        requests.extend(api.requests)
        managers.append(dict(item, answered=answered, status=status, error=error))
    findings = pair_findings(managers, params['channel_id'], cluster, request['owner'])
    enabled = [m['name'] for m in managers if m['home'].get('monitor_self_enable') is True]
    report = [dict(name=m['name'], url=m['url'], answered=m['answered'], status=m['status'], error=m['error'],
                   database_url=m['home'].get('database_url'), zookeeper_servers=m['home'].get('zookeeper_servers'),
                   monitor_self_enable=m['home'].get('monitor_self_enable')) for m in managers]
    return dict(verdict(findings), changed=False, managers=report, monitor_owner=enabled[0] if len(enabled) == 1 else None,
                cluster=None if cluster is None else dict(id=cluster['id'], name=cluster['name'],
                                                          servers=cluster['servers']),
                requests=requests)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[('zk_servers', 'zk_cluster')])
    adapters = (Database,) if module.params['zk_cluster'] is not None else ()
    run_module(module, parse_request, adapters, check)


if __name__ == '__main__':
    main()
