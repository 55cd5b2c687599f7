# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Otter homes read as the node and the manager read them: conf/nid, otter.manager.address, -D options, the
node's startup check on the host's addresses, the manager's keys, and the one edit."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import homes
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError

HOST = dict(hostname='node-a', fqdn='node-a.example.com', resolved=['10.0.1.11'], local_address='10.0.1.11',
            addresses=['127.0.0.1', '10.0.1.11', '192.168.5.5', '::1', 'fd00::2'], addresses_source='test')
NODE_PROPERTIES = b'otter.zookeeper.sessionTimeout = 60000\notter.manager.address = 10.0.9.1:1099,10.0.9.2:1099\n'


@pytest.mark.parametrize('data, value, problem', [
    (None, None, None),
    (b'1\n', 1, None),
    (b'12', 12, None),
    (b'7\n\n\n', 7, None),
    (b'+5\n', 5, None),
    (b'007\n', 7, None),
    (b'', None, 'is empty'),
    (b'\n', None, 'is empty'),
    (b'1\r\n', None, 'carriage return'),
    (b' 1\n', None, 'white space'),
    (b'1 2\n', None, 'white space'),
    (b'node-a\n', None, 'Long.valueOf cannot read'),
    (b'99999999999999999999\n', None, 'Long.valueOf cannot read'),
])
def test_read_nid_as_startup_sh_passes_it(data, value, problem):
    nid = homes.read_nid(data)
    assert nid['present'] is (data is not None)
    assert nid['value'] == value
    assert (nid['problem'] is None) if problem is None else (problem in nid['problem'])


ADDRESS_CASES = [
    # id, value, [(host, port, problem or None)]
    ('two managers', '10.0.9.1:1099,10.0.9.2:1099', [('10.0.9.1', 1099, None), ('10.0.9.2', 1099, None)]),
    ('semicolons', 'm1:1099;m2:1099', [('m1', 1099, None), ('m2', 1099, None)]),
    ('empty items dropped', ',m1:1099,,;m2:1099,', [('m1', 1099, None), ('m2', 1099, None)]),
    ('empty colon parts dropped', 'm1::1099', [('m1', 1099, None)]),
    ('a space before a host', 'm1:1099, m2:1099', [('m1', 1099, None), (' m2', 1099, 'white space')]),
    ('a space after a port', 'm1:1099 ,m2:1099', [('m1', None, 'is not a number'), ('m2', 1099, None)]),
    ('no port', 'm1', [(None, None, 'is not host:port')]),
    ('three parts (IPv6)', 'fd00::2:1099', [(None, None, 'into 3 part(s)')]),
    ('empty parts dropped make two', '::1:1099', [('1', 1099, None)]),
    ('a port out of range', 'm1:70000', [('m1', None, 'is not a TCP port')]),
    ('a signed port, as Integer.valueOf reads it', 'm1:+1099', [('m1', 1099, None)]),
    ('nothing', '', []),
]


@pytest.mark.parametrize('value, expected', [c[1:] for c in ADDRESS_CASES], ids=[c[0] for c in ADDRESS_CASES])
def test_manager_entries_as_the_node_parses_them(value, expected):
    entries = homes.manager_entries(value)
    assert [(e['host'], e['port']) for e in entries] == [(h, p) for h, p, _x in expected]
    for entry, (_h, _p, problem) in zip(entries, expected):
        assert (entry['problem'] is None) if problem is None else (problem in entry['problem'])


def test_resolve_as_the_placeholder_configurer():
    props = {'host': ' m1 ', 'port': '1099', 'both': '${host}:${port}'}
    assert homes.resolve('  ${both} ,m2:${missing:2099}  ', props) == 'm1:1099 ,m2:2099'
    assert homes.resolve('${nothing}', props) == '${nothing}'
    assert homes.resolve('${loop}', {'loop': '${loop}'}) == '${loop}'
    assert homes.resolve(None, props) is None


@pytest.mark.parametrize('text, value', [
    ('true', True), (' TRUE ', True), ('on', True), ('yes', True), ('1', True),
    ('false', False), ('Off', False), ('no', False), ('0', False),
    ('', None), ('maybe', None), ('2', None),
])
def test_spring_bool(text, value):
    assert homes.spring_bool(text) is value


def test_jvm_options_in_scripts():
    text = '\n'.join([
        '#!/bin/bash',
        '# OTTER_OPTS="-Dotter.manager.address=commented:1"',
        'OTTER_OPTS="-DappName=otter-node -Dotter.manager.address=m1:1099,m2:1099 -Dnid=$(cat $f)"',
        "JAVA_DEBUG_OPT='-Dotter.manager.address=$MANAGERS'",
        'exec java -Dotter.manager.address="m3:1099" x',
    ])
    found = homes.jvm_options(text, 'bin/startup.sh', ['otter.manager.address'])
    assert [(o['value'], o['source'], o['dynamic']) for o in found] == [
        ('m1:1099,m2:1099', 'bin/startup.sh:3', False), ('$MANAGERS', 'bin/startup.sh:4', True),
        ('m3:1099', 'bin/startup.sh:5', False)]
    assert homes.process_options(['java', '-Dnid=1', '-Dnid=2', '-Dotter.manager.address=m1:1099', 'x'],
                                 ['nid', 'otter.manager.address']) == {'nid': '2', 'otter.manager.address': 'm1:1099'}


STARTUP_CASES = [
    # id, ip, host changes, passes, reason part
    ('the host name resolves to loopback', '198.51.100.7', dict(local_address='127.0.1.1'), True, 'resolves to the loopback'),
    ('NODE.IP is the host address', '10.0.1.11', {}, True, 'host name node-a or its address'),
    ('NODE.IP is the host name', 'node-a', {}, True, 'host name node-a or its address'),
    ('NODE.IP is another interface', '192.168.5.5', {}, True, 'address of a network interface'),
    ('a loopback interface passes anything (since 4.2.16)', '198.51.100.7', {}, True, 'loopback address 127.0.0.1'),
    ('no loopback interface: refused', '198.51.100.7', dict(addresses=['10.0.1.11']), False, 'neither'),
    ('the host name does not resolve: the interfaces decide', '192.168.5.5',
     dict(local_address=None, addresses=['192.168.5.5']), True, 'network interface'),
    ('an IPv6 NODE.IP is never a valid host address', 'fd00::2', dict(addresses=['fd00::2']), False, 'neither'),
]


@pytest.mark.parametrize('ip, changes, passes, reason', [c[1:] for c in STARTUP_CASES], ids=[c[0] for c in STARTUP_CASES])
def test_startup_check_is_upstreams_is_host_ip(ip, changes, passes, reason):
    result = homes.startup_check(ip, dict(HOST, **changes))
    assert result[0] is passes
    assert reason in result[1]


@pytest.mark.parametrize('ip, local', [
    ('10.0.1.11', True), ('192.168.5.5', True), ('127.0.0.1', True), ('NODE-A', True), ('node-a.example.com', True),
    ('fd00:0:0::2', True), ('198.51.100.7', False), ('node-b', False),
])
def test_is_local(ip, local):
    assert homes.is_local(ip, HOST) is local


def node(files, declared=None, process=None, startup=('bin/startup.sh',)):
    report, _text = homes.node_home('/home/admin/node', files, HOST, list(startup), process, declared or {})
    return report


def test_node_home_reads_the_files():
    report = node({'conf/otter.properties': NODE_PROPERTIES, 'conf/nid': b'1\n'},
                  dict(nid=1, node_ip='10.0.1.11', use_external_ip=False))
    assert report['kind'] == 'node' and report['properties']['exists']
    assert report['nid']['value'] == 1 and report['nid']['expected'] == 1 and 'note' not in report['nid']
    assert report['manager_address']['value'] == '10.0.9.1:1099,10.0.9.2:1099'
    assert report['manager_address']['source'] == 'conf/otter.properties'
    assert report['node_ip'] == dict(declared='10.0.1.11', use_external_ip=False, local=True,
                                     startup_check=dict(passes=True, reason=report['node_ip']['startup_check']['reason']))
    assert report['process'] is None


def test_node_home_without_files_uses_the_defaults():
    report = node({})
    assert report['properties']['exists'] is False
    assert report['manager_address']['value'] == '127.0.0.1:1099' and report['manager_address']['source'] == 'default'
    assert report['nid']['present'] is False and 'the role writes it' in report['nid']['note']
    assert 'node_ip' not in report


def test_overrides_win_in_order_and_dynamic_ones_are_only_reported():
    startup = b'OTTER_OPTS="-Dotter.manager.address=s1:1099"\nX="-Dotter.manager.address=$Y"\n'
    report = node({'conf/otter.properties': NODE_PROPERTIES, 'bin/startup.sh': startup})
    assert report['manager_address']['value'] == 's1:1099'
    assert report['manager_address']['source'] == 'bin/startup.sh:1'
    assert [o['dynamic'] for o in report['manager_address']['overrides']] == [False, True]
    process = dict(pid=42, argv=['java', '-Dnid=3', '-Dotter.manager.address=p1:1099', homes.NODE_LAUNCHER], node=True)
    report = node({'conf/otter.properties': NODE_PROPERTIES, 'bin/startup.sh': startup}, process=process)
    assert report['manager_address']['value'] == 'p1:1099'
    assert report['manager_address']['source'] == 'the running node (pid 42)'
    assert report['process'] == dict(pid=42, running=True, node=True, nid=3)


def test_a_process_that_is_not_a_node_is_not_read():
    process = dict(pid=42, argv=['sleep', '-Dotter.manager.address=p1:1099'], node=False)
    report = node({'conf/otter.properties': NODE_PROPERTIES}, process=process)
    assert report['manager_address']['source'] == 'conf/otter.properties'
    assert report['process'] == dict(pid=42, running=True, node=False, nid=None)
    report = node({'conf/otter.properties': NODE_PROPERTIES}, process=dict(pid=42, argv=None, node=False))
    assert report['process']['running'] is False


def test_an_unreadable_file_is_reported_not_raised():
    report = node({'conf/otter.properties': b'a = \\u00\n'})
    assert 'malformed' in report['properties']['problem']
    assert report['manager_address']['source'] == 'default'


MANAGER_PROPERTIES = b'\n'.join([
    b'otter.domainName = 127.0.0.1',
    b'otter.port = 8080',
    b'otter.database.driver.url = jdbc:mysql://db1:3306/otter',
    b'otter.database.driver.username = otter',
    b'otter.communication.manager.port = 1099',
    b'otter.zookeeper.cluster.default = zk1:2181,zk2:2181,zk3:2181',
    b'otter.manager.monitor.self.enable = true',
    b'',
])


def manager(properties, startup=None):
    files = {'conf/otter.properties': properties}
    if startup is not None:
        files['bin/startup.sh'] = startup
    return homes.manager_home('/home/admin/manager', files, HOST, ['bin/startup.sh'])[0]


def test_manager_home_reads_its_keys():
    report = manager(MANAGER_PROPERTIES)
    assert report['database_url'] == 'jdbc:mysql://db1:3306/otter' and report['database_username'] == 'otter'
    assert report['zookeeper_servers'] == ['zk1:2181', 'zk2:2181', 'zk3:2181'] and report['zookeeper_chroot'] is None
    assert report['monitor_self_enable'] is True
    assert (report['communication_port'], report['http_port']) == (1099, 8080)
    assert report['problems'] == []


def test_manager_defaults_and_jvm_options_for_keys_the_file_lacks():
    report = manager(b'otter.database.driver.url = jdbc:mysql://db1/otter\n',
                     b'OTTER_OPTS="-Dotter.manager.monitor.self.enable=false -Dotter.port=9090"\n')
    assert report['monitor_self_enable'] is False
    assert report['settings'][homes.MONITOR]['source'] == 'bin/startup.sh:1'
    assert report['http_port'] == 9090
    assert report['zookeeper_servers'] == ['127.0.0.1:2181']
    assert report['settings'][homes.ZOOKEEPER]['source'] == 'default'
    assert report['communication_port'] == 1099
    report = manager(MANAGER_PROPERTIES, b'OTTER_OPTS="-Dotter.manager.monitor.self.enable=false"\n')
    assert report['monitor_self_enable'] is True


def test_manager_values_it_cannot_start_with():
    report = manager(MANAGER_PROPERTIES.replace(b'= true', b'= maybe').replace(b'port = 1099', b'port = 10x9')
                     .replace(b'otter.database.driver.url', b'#'))
    assert sorted(p['key'] for p in report['problems']) == [homes.COMMUNICATION_PORT, homes.DATABASE_URL, homes.MONITOR]
    assert report['monitor_self_enable'] is None


def test_split_manager():
    assert homes.split_manager(' m1:1099 ') == ('m1', 1099)
    for text in ('m1', 'm1:', ':1099', 'm 1:1099', 'a:b:1099', 'm1:x'):
        with pytest.raises(RequestError):
            homes.split_manager(text)


def test_plan_property_changes_only_what_the_process_would_read_differently():
    text = 'a = 1\notter.manager.monitor.self.enable = yes\n'
    assert homes.plan_property(text, homes.MONITOR, 'true', lambda v: homes.spring_bool(v) is True) == (text, False)
    assert homes.plan_property(text, homes.MONITOR, 'false', lambda v: homes.spring_bool(v) is False) == (
        'a = 1\notter.manager.monitor.self.enable = false\n', True)
    assert homes.plan_property('a = 1\n', homes.MONITOR, 'true', lambda v: True) == (
        'a = 1\notter.manager.monitor.self.enable = true\n', True)
