#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_home
short_description: Check an Otter node or manager home on its host, and set its manager address or self-monitor
version_added: 2.0.0
description:
  - Runs on the host of an Otter node or manager and reads its home - the folder the deployer unpacks, with
    C(bin/startup.sh), C(conf/otter.properties) and, for a node, C(conf/nid) - as the Otter process reads it.
    Reports what it read (RV(home)) and each problem as a finding (RV(findings), the shape of M(otter.ha.otter_info)'s).
  - C(conf/otter.properties) is read as C(java.util.Properties.load) reads it (ISO-8859-1, C(#) and C(!) comments, a
    key separated from its value by C(=), C(:) or white space, continuation lines, escapes) and its values as Otter's
    placeholder configurer resolves them (C(${key}) references, trimmed).
  - For a node (O(kind=node)) - C(conf/nid) against the expected O(nid) (as C(bin/startup.sh) passes it, C(-Dnid=$(cat
    conf/nid)), and C(Long.valueOf) reads it); O(node_ip) against the host's names and addresses; and the managers
    the node calls, C(otter.manager.address), parsed as the node parses it (C(;) becomes C(,), split on C(,), each item
    C(host:port) with a numeric port, nothing trimmed inside the value), against the declared O(managers). A
    C(-Dotter.manager.address) option in a startup file (O(startup_files)), or on the command line of the running node
    (C(bin/otter.pid)), overrides the file, as in the node; it is reported, and it is what is checked.
  - For a manager (O(kind=manager)) - the database, ZooKeeper ensemble, ports and self-monitor setting the manager
    starts with. M(otter.ha.otter_managers_check) compares the managers' reports.
  - With O(manager_address) (node) or O(monitor) (manager), also sets that key of C(conf/otter.properties), changing
    nothing else in the file. The process reads the file when it starts; the module restarts nothing.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - action_common_attributes
  - otter.ha.attributes
attributes:
  check_mode:
    support: full
    details: Check mode reads the same files, reports the change a real run would make, and writes nothing.
  diff_mode:
    support: full
    details: The diff shows C(conf/otter.properties) before and after.
options:
  path:
    description:
      - The Otter home on this host, the folder that holds C(bin) and C(conf) (for example C(/home/admin/node)).
    type: path
    required: true
  kind:
    description:
      - Whether O(path) is the home of an Otter node or of an Otter manager.
    type: str
    choices: [node, manager]
    default: node
  name:
    description:
      - How messages name the node or manager (for example the node's C(NODE.NAME)).
    type: str
  nid:
    description:
      - The ID the node has in the manager database (C(NODE.ID)), which C(conf/nid) must hold. Only with O(kind=node).
      - A C(conf/nid) that holds another ID is a C(nid_differs) finding; a missing C(conf/nid) is none (C(note) of RV(home.nid)
        says so) - the role writes it.
    type: int
  node_ip:
    description:
      - The node's C(NODE.IP). Only with O(kind=node).
      - Must be one of this host's names or addresses (its host name and fully qualified name, what the host name
        resolves to, and the address of every network interface), else a C(node_ip_not_local) finding; with
        O(use_external_ip=true), only when the node's own startup check refuses it (see the notes).
    type: str
  use_external_ip:
    description:
      - Whether the node is registered with C(useExternalIp), so that the manager and the other nodes reach it at its
        external IP, not at O(node_ip).
    type: bool
    default: false
  managers:
    description:
      - The managers the node must be able to call, each C(host:port) with the manager's communication port
        (C(otter.communication.manager.port), 1099 by default). Only with O(kind=node).
      - A declared manager that C(otter.manager.address) does not list is a C(manager_address_missing) finding, one
        listed but not declared C(manager_address_undeclared), and a node that lists one manager while two or more are
        declared C(manager_address_single).
      - Hosts compare without case, as written (no DNS lookup).
    type: list
    elements: str
  manager_address:
    description:
      - Set C(otter.manager.address) to these C(host:port) items, joined with C(,), in this order. Only with
        O(kind=node).
      - The line of the key is rewritten in place (its value only); a file without the key gets a line C(key = value)
        at its end; every other byte of the file stays. A file whose value the node already reads as these items (in
        this order, C(;) and C(,) alike) is not changed.
      - The node reads the file when it starts; restart it to use the new value (the module warns, and restarts
        nothing). A C(-Dotter.manager.address) override (C(overrides) of RV(home.manager_address)) still wins over the file.
    type: list
    elements: str
  monitor:
    description:
      - Set C(otter.manager.monitor.self.enable) to V(true) or V(false). Only with O(kind=manager).
      - Only one manager of a pair should run the self-monitor (issue 884 of alibaba/otter - two both send every alarm
        and both restart the channels). A file whose value the manager already reads as this (C(true), C(on), C(yes) and
        C(1) alike) is not changed; a file without the key (the manager then monitors, its default) gets the key.
      - The manager reads the file when it starts; restart it to use the new value.
    type: bool
  startup_files:
    description:
      - Startup scripts and environment files to search for C(-D) options that override C(conf/otter.properties), each
        relative to O(path) or absolute. A file that does not exist is skipped.
      - Upstream's C(bin/startup.sh) sets none, but it sources C($HOME/.bash_profile) when C(aria2c) is not on the
        C(PATH); list such files here.
    type: list
    elements: path
    default: [bin/startup.sh]
  backup:
    description:
      - Before changing C(conf/otter.properties), save a copy beside it with a timestamp in its name (RV(backup_file)).
    type: bool
    default: false
notes:
  - The node's startup check (C(OtterController.checkNidVaild), C(AddressUtils.isHostIp)) in Otter 4.2.16 and later,
    4.2.18 included, passes when the host name resolves to a loopback address or when any network interface has a
    loopback address (commit eba4076), so on most hosts it never refuses; C(startup_check) of RV(home.node_ip) reports it
    exactly. The module's own check, the host's names and addresses, is what matters for the manager and the other
    nodes, which call the node at C(NODE.IP) unless O(use_external_ip).
  - On a node, a C(-D) system property overrides C(conf/otter.properties) (Spring's
    C(SYSTEM_PROPERTIES_MODE_OVERRIDE)); on a manager the file wins for the keys it sets (C(OtterManagerLauncher) copies
    it into the system properties), and a C(-D) option applies only to a key the file does not set.
seealso:
  - module: otter.ha.otter_managers_check
  - module: otter.ha.otter_zk_ensemble_info
  - module: otter.ha.otter_node
'''

EXAMPLES = r'''
- name: Check node-a's home against its registration and the manager pair
  otter.ha.otter_home:
    path: /home/admin/node
    name: node-a
    nid: 1
    node_ip: 10.0.1.11
    managers: [10.0.9.1:1099, 10.0.9.2:1099]
  register: home
  failed_when: not home.ok

- name: Let node-a fail over between both managers (restart the node afterwards)
  otter.ha.otter_home:
    path: /home/admin/node
    manager_address: [10.0.9.1:1099, 10.0.9.2:1099]
    backup: true

- name: Keep the self-monitor on the first manager only
  otter.ha.otter_home:
    path: /home/admin/manager
    kind: manager
    monitor: "{{ inventory_hostname == 'otter-manager-1' }}"
  register: manager_home
'''

RETURN = r'''
changed:
  description: Whether C(conf/otter.properties) was (in check mode, would be) changed.
  returned: always
  type: bool
home:
  description:
    - The home as the Otter process reads it, after the change (in check mode, as the change would leave it).
  returned: success
  type: dict
  contains:
    kind:
      description: V(node) or V(manager).
      type: str
    path:
      description: The home.
      type: str
    host:
      description:
        - This host's names and addresses - C(hostname), C(fqdn), C(resolved) (what the host name resolves to),
          C(local_address) (the first IPv4 address of those, as the JVM's C(InetAddress.getLocalHost()) sees it),
          C(addresses) (of the network interfaces) and C(addresses_source) (where they were read).
      type: dict
    properties:
      description: C(conf/otter.properties) - C(path), C(exists), and C(problem) when C(Properties.load) cannot read it.
      type: dict
    nid:
      description:
        - Node only. C(conf/nid) - C(path), C(present), C(content) (the file's text), C(value) (the nid a node started
          now gets, null when it gets none), C(problem), C(expected) (O(nid)), and C(note) when the file is absent.
      type: dict
      returned: when O(kind=node)
    node_ip:
      description:
        - Node only, with O(node_ip). C(declared), C(use_external_ip), C(local) (one of the host's names or addresses)
          and C(startup_check) - C(passes) and C(reason), upstream's startup check computed exactly.
      type: dict
      returned: when O(kind=node) and O(node_ip) is set
    manager_address:
      description:
        - Node only. C(value) (what the node uses, resolved and trimmed), C(source) (C(conf/otter.properties), a startup
          file and line, the running node, or C(default) - C(127.0.0.1:1099)), C(file_value) (the file's own value, null
          without the key), C(overrides) (each C(-Dotter.manager.address) found - C(source), C(value), C(dynamic)) and
          C(entries), the managers the node calls - C(address), C(host), C(port), and C(problem) when a call to it fails.
      type: dict
      returned: when O(kind=node)
    process:
      description:
        - Node only. The process named by C(bin/otter.pid) - C(pid), C(running), C(node) (whether it is an Otter node)
          and C(nid) (its C(-Dnid)); null without C(bin/otter.pid).
      type: dict
      returned: when O(kind=node)
    settings:
      description:
        - Manager only. Each key read - C(otter.database.driver.url), C(otter.database.driver.username),
          C(otter.zookeeper.cluster.default), C(otter.manager.monitor.self.enable), C(otter.communication.manager.port)
          and C(otter.port) - with its C(value) and C(source) (C(conf/otter.properties), a startup file and line, or
          C(default)).
      type: dict
      returned: when O(kind=manager)
    database_url:
      description: Manager only. The JDBC URL of the manager database.
      type: str
      returned: when O(kind=manager)
    database_username:
      description: Manager only. The database user.
      type: str
      returned: when O(kind=manager)
    zookeeper:
      description: Manager only. C(otter.zookeeper.cluster.default) as the manager uses it.
      type: str
      returned: when O(kind=manager)
    zookeeper_servers:
      description: Manager only. Its servers, C(host:port) (port 2181 when not written), in order.
      type: list
      elements: str
      returned: when O(kind=manager)
    zookeeper_chroot:
      description: Manager only. Its chroot, null without one.
      type: str
      returned: when O(kind=manager)
    monitor_self_enable:
      description: Manager only. Whether the manager runs the self-monitor; null when it cannot read the value.
      type: bool
      returned: when O(kind=manager)
    communication_port:
      description: Manager only. The port nodes call the manager at (C(otter.communication.manager.port)).
      type: int
      returned: when O(kind=manager)
    http_port:
      description: Manager only. The port of its web UI and API (C(otter.port)).
      type: int
      returned: when O(kind=manager)
    problems:
      description: Manager only. Values the manager cannot start with - C(key), C(value), C(why).
      type: list
      elements: dict
      returned: when O(kind=manager)
  sample:
    kind: node
    path: /home/admin/node
    properties: {path: /home/admin/node/conf/otter.properties, exists: true, problem: null}
    nid: {path: /home/admin/node/conf/nid, present: true, content: "1\n", value: 1, problem: null, expected: 1}
    manager_address:
      value: 10.0.9.1:1099,10.0.9.2:1099
      source: conf/otter.properties
      file_value: 10.0.9.1:1099,10.0.9.2:1099
      overrides: []
      entries:
        - {address: "10.0.9.1:1099", host: 10.0.9.1, port: 1099, problem: null}
        - {address: "10.0.9.2:1099", host: 10.0.9.2, port: 1099, problem: null}
ok:
  description: V(true) when there are no RV(findings).
  returned: success
  type: bool
findings:
  description:
    - What keeps the node or manager from starting as declared, in the shape of M(otter.ha.otter_info)'s findings;
      RV(findings[].channel_id), RV(findings[].pipeline_id) and RV(findings[].location) are always null,
      RV(findings[].row_ids) always empty, RV(findings[].node_ids) the expected nid (and the one found) when known.
    - C(properties_missing) - there is no C(conf/otter.properties).
    - C(properties_unreadable) - C(Properties.load) cannot read it (a malformed C(\\uXXXX) escape).
    - C(property_invalid) - manager only, a value the manager cannot start with (self-monitor not a boolean, a port that
      is not a number, no database URL).
    - C(nid_unreadable) - C(conf/nid) holds something the node cannot use as its nid.
    - C(nid_differs) - C(conf/nid) holds another ID than O(nid).
    - C(process_nid_differs) - the node running from the home runs under another nid than O(nid).
    - C(node_ip_not_local) - O(node_ip) is not this host's (see O(node_ip)).
    - C(manager_address_invalid) - the node's C(otter.manager.address) is empty, or has an item a call fails on.
    - C(manager_address_overridden) - a C(-Dotter.manager.address) overrides the file.
    - C(manager_address_missing), C(manager_address_single), C(manager_address_undeclared) - see O(managers).
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of finding.
      type: str
      choices: [properties_missing, properties_unreadable, property_invalid, nid_unreadable, nid_differs,
                process_nid_differs, node_ip_not_local, manager_address_invalid, manager_address_overridden,
                manager_address_missing, manager_address_single, manager_address_undeclared]
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
      description: The expected nid, and the one found, when known.
      type: list
      elements: int
    row_ids:
      description: Always empty.
      type: list
      elements: int
    message:
      description: The finding in words, naming the host, the file and the value.
      type: str
  sample:
    - kind: manager_address_single
      channel_id: null
      pipeline_id: null
      location: null
      node_ids: [1]
      row_ids: []
      message: >-
        otter-node-a:/home/admin/node/conf/otter.properties: otter.manager.address '10.0.9.1:1099' names one manager,
        although 2 managers are declared (10.0.9.1:1099, 10.0.9.2:1099): when it is down the node has no other manager
        to ask (NodeCommmunicationClient.callManager fails over only between the listed addresses)
backup_file:
  description: The copy of C(conf/otter.properties) saved before the change.
  returned: when O(backup=true) and the file changed
  type: str
diff:
  description: C(conf/otter.properties) before and after (C(before), C(after), C(before_header), C(after_header)).
  returned: when diff mode is on
  type: dict
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils import homes
from ansible_collections.otter.ha.plugins.module_utils.audit import home_findings, verdict
from ansible_collections.otter.ha.plugins.module_utils.errors import OtterError, RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.localhost import LocalHost
from ansible_collections.otter.ha.plugins.module_utils.properties import encode

NODE_ONLY = ('nid', 'node_ip', 'managers', 'manager_address')
MANAGER_ONLY = ('monitor',)


def argument_spec():
    return dict(
        path=dict(type='path', required=True),
        kind=dict(type='str', choices=list(homes.KINDS), default='node'),
        name=dict(type='str'),
        nid=dict(type='int'),
        node_ip=dict(type='str'),
        use_external_ip=dict(type='bool', default=False),
        managers=dict(type='list', elements='str'),
        manager_address=dict(type='list', elements='str'),
        monitor=dict(type='bool'),
        startup_files=dict(type='list', elements='path', default=[homes.STARTUP]),
        backup=dict(type='bool', default=False),
    )


def _managers(option, values):
    pairs = []
    for value in values:
        try:
            pair = homes.split_manager(value)
        except RequestError as exc:
            raise RequestError('%s: %s' % (option, exc))
        if (pair[0].lower(), pair[1]) in [(h.lower(), p) for h, p in pairs]:
            raise RequestError('%s lists %s:%d more than once' % (option, pair[0], pair[1]))
        pairs.append(pair)
    return pairs


def parse_request(params):
    """The declaration and the edit, checked before any file is read."""
    wrong = [o for o in (NODE_ONLY if params['kind'] == 'manager' else MANAGER_ONLY) if params[o] is not None]
    if wrong:
        other = 'node' if params['kind'] == 'manager' else 'manager'
        raise RequestError('%s only with kind=%s (kind is %s)' % (', '.join(wrong), other, params['kind']))
    if params['nid'] is not None and params['nid'] < 1:
        raise RequestError('nid must be a positive NODE.ID, got %d' % params['nid'])
    if params['node_ip'] is not None and not params['node_ip'].strip():
        raise RequestError('node_ip must not be empty')
    request = dict(name=params['name'], nid=params['nid'], node_ip=params['node_ip'],
                   use_external_ip=params['use_external_ip'],
                   managers=_managers('managers', params['managers'] or []), edit=None)
    if params['manager_address'] is not None:
        if not params['manager_address']:
            raise RequestError('manager_address must list at least one manager (host:port)')
        wanted = _managers('manager_address', params['manager_address'])
        request['edit'] = (homes.MANAGER_ADDRESS, ','.join('%s:%d' % p for p in wanted),
                           lambda value: _reads_as(value, wanted))
    if params['monitor'] is not None:
        request['edit'] = (homes.MONITOR, 'true' if params['monitor'] else 'false',
                           lambda value: homes.spring_bool(value) is params['monitor'])
    return request


def _reads_as(value, wanted):
    """Whether the node reads this otter.manager.address as exactly the wanted managers, in order."""
    entries = homes.manager_entries(homes.java_trim(value))
    return (all(e['problem'] is None for e in entries)
            and [(e['host'].lower(), e['port']) for e in entries] == [(h.lower(), p) for h, p in wanted])


def _relative(path, name):
    return name if os.path.isabs(name) else os.path.join(path, name)


def snapshot(host, path, kind, startup_files):
    """(files, process): the bytes of the home's files (None for a missing one) and the process its
    bin/otter.pid names."""
    names = [homes.PROPERTIES] + ([homes.NID, homes.PID] if kind == 'node' else []) + list(startup_files)
    files = dict((name, host.read(_relative(path, name))) for name in names)
    process = None
    pid_text = (files.get(homes.PID) or b'').decode('ascii', 'replace').strip()
    if pid_text.isdigit():
        argv = host.cmdline(int(pid_text))
        process = dict(pid=int(pid_text), argv=argv, node=bool(argv) and homes.NODE_LAUNCHER in argv)
    return files, process


def report_of(path, kind, files, process, request, startup_files, facts):
    if kind == 'node':
        return homes.node_home(path, files, facts, startup_files, process, request)
    return homes.manager_home(path, files, facts, startup_files)


def write(module, dest, data):
    """data into dest through a temporary file beside it, moved over it (dest keeps its mode and owner)."""
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), dir=os.path.dirname(dest))
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(data)
    except (IOError, OSError) as exc:
        os.unlink(temporary)
        raise OtterError('cannot write %s: %s' % (dest, exc))
    module.atomic_move(temporary, dest)


def inspect(module, request, host):
    params = module.params
    path = params['path'].rstrip('/') or '/'
    kind = params['kind']
    if not host.is_dir(path):
        raise RequestError('path %s is not a folder on this host: give the Otter %s home' % (path, kind))
    facts = host.host()
    files, process = snapshot(host, path, kind, params['startup_files'])
    report, text = report_of(path, kind, files, process, request, params['startup_files'], facts)
    result = dict(changed=False)
    if request['edit'] is not None:
        key, value, same = request['edit']
        dest = os.path.join(path, homes.PROPERTIES)
        if text is None:
            raise RequestError('cannot set %s: %s does not exist (nothing was written)' % (key, dest))
        if report['properties']['problem']:
            raise RequestError('cannot set %s in %s: %s (nothing was written)'
                               % (key, dest, report['properties']['problem']))
        new_text, changed = homes.plan_property(text, key, value, same)
        if changed:
            result.update(changed=True, diff=dict(before=text, after=new_text, before_header=dest, after_header=dest))
            if not module.check_mode:
                if params['backup']:
                    result['backup_file'] = module.backup_local(dest)
                write(module, dest, encode(new_text))
            files[homes.PROPERTIES] = encode(new_text)
            report, text = report_of(path, kind, files, process, request, params['startup_files'], facts)
            module.warn('%s %s %s = %s: the %s reads it when it starts, so restart it to use it (nothing was restarted)'
                        % (dest, 'would set' if module.check_mode else 'now sets', key, value, kind))
        overrides = report.get('manager_address', {}).get('overrides') if key == homes.MANAGER_ADDRESS else None
        if overrides:
            module.warn('%s overrides %s with -D%s=%s, which wins over the file' % (
                overrides[-1]['source'], key, key, overrides[-1]['value']))
    result.update(verdict(home_findings(report, request)), home=report)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[('manager_address', 'monitor')])
    run_module(module, parse_request, (LocalHost,), inspect)


if __name__ == '__main__':
    main()
