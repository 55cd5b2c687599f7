# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight, manager-pair and ensemble findings of audit.py, each positive and negative, all of one shape."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import audit, homes
from ansible_collections.otter.ha.plugins.module_utils.audit import (
    ENSEMBLE_KINDS, FINDING_KINDS, MANAGER_PAIR_KINDS, PREFLIGHT_KINDS, ensemble_findings, home_findings, pair_findings)
from ansible_collections.otter.ha.plugins.module_utils.ensemble import parse_srvr

KEYS = set(['kind', 'channel_id', 'pipeline_id', 'location', 'node_ids', 'row_ids', 'message'])
HOST = dict(hostname='node-a', fqdn='node-a', resolved=['10.0.1.11'], local_address='10.0.1.11',
            addresses=['127.0.0.1', '10.0.1.11'], addresses_source='test')
PROPERTIES = 'otter.manager.address = 10.0.9.1:1099,10.0.9.2:1099\n'
DECLARED = dict(name='node-a', nid=1, node_ip='10.0.1.11', use_external_ip=False,
                managers=[('10.0.9.1', 1099), ('10.0.9.2', 1099)])


def kinds(findings):
    assert all(set(f) == KEYS and f['channel_id'] is None and f['pipeline_id'] is None for f in findings)
    return [f['kind'] for f in findings]


def node_findings(properties=PROPERTIES, nid=b'1\n', declared=None, host=None, startup=None, process=None):
    files = {'conf/nid': nid}
    if properties is not None:
        files['conf/otter.properties'] = properties.encode('latin-1')
    if startup is not None:
        files['bin/startup.sh'] = startup
    declared = dict(DECLARED, **(declared or {}))
    report, _text = homes.node_home('/home/admin/node', files, host or HOST, ['bin/startup.sh'], process, declared)
    return home_findings(report, declared)


def test_the_kinds_extend_finding_kinds_once():
    assert FINDING_KINDS[-len(PREFLIGHT_KINDS + MANAGER_PAIR_KINDS + ENSEMBLE_KINDS):] == (
        PREFLIGHT_KINDS + MANAGER_PAIR_KINDS + ENSEMBLE_KINDS)
    assert len(set(FINDING_KINDS)) == len(FINDING_KINDS)


def test_a_home_as_declared_has_no_finding():
    assert node_findings() == []


NODE_CASES = [
    # id, node_findings arguments, kinds, text
    ('conf/nid absent is fine', dict(nid=None), [], None),
    ('conf/nid of another node', dict(nid=b'3\n'), ['nid_differs'],
     "node-a:/home/admin/node/conf/nid holds 3, but node 'node-a' is node 1 in the manager database"),
    ('conf/nid without expectation', dict(nid=b'3\n', declared=dict(nid=None)), [], None),
    ('conf/nid unreadable', dict(nid=b'x\n'), ['nid_unreadable'], 'it must hold the id of'),
    ('NODE.IP elsewhere', dict(declared=dict(node_ip='198.51.100.7')), ['node_ip_not_local'],
     'its startup check passes anyway (a network interface has the loopback address 127.0.0.1'),
    ('NODE.IP elsewhere, and no loopback: the node does not start',
     dict(declared=dict(node_ip='198.51.100.7'), host=dict(HOST, addresses=['10.0.1.11'])), ['node_ip_not_local'],
     'and its startup check (OtterController.checkNidVaild) refuses it: the node does not start'),
    ('NODE.IP elsewhere with use_external_ip: the startup check passes', dict(declared=dict(
        node_ip='198.51.100.7', use_external_ip=True)), [], None),
    ('NODE.IP elsewhere with use_external_ip: the startup check refuses', dict(
        declared=dict(node_ip='198.51.100.7', use_external_ip=True), host=dict(HOST, addresses=['10.0.1.11'])),
     ['node_ip_not_local'], 'NODE.IP must still be this host'),
    ('no properties', dict(properties=None), ['properties_missing', 'manager_address_missing', 'manager_address_missing',
                                              'manager_address_single', 'manager_address_undeclared'],
     'conf/otter.properties does not exist'),
    ('unreadable properties', dict(properties='a = \\u1\n'), ['properties_unreadable', 'manager_address_missing',
                                                              'manager_address_missing', 'manager_address_single',
                                                              'manager_address_undeclared'], 'line 1: malformed'),
    ('one manager', dict(properties='otter.manager.address = 10.0.9.1:1099\n'),
     ['manager_address_missing', 'manager_address_single'], 'names only one manager the node can call'),
    ('one manager declared, one listed', dict(properties='otter.manager.address = 10.0.9.1:1099\n',
                                              declared=dict(managers=[('10.0.9.1', 1099)])), [], None),
    ('hosts compare without case', dict(properties='otter.manager.address = M1:1099,m2:1099\n',
                                        declared=dict(managers=[('m1', 1099), ('M2', 1099)])), [], None),
    ('a manager on another port', dict(properties='otter.manager.address = 10.0.9.1:1099,10.0.9.2:2099\n'),
     ['manager_address_missing', 'manager_address_undeclared'], '10.0.9.2:2099'),
    ('no managers declared: only the address itself',
     dict(properties='otter.manager.address = m1:x\n', declared=dict(managers=[])),
     ['manager_address_invalid'], "has the port 'x'"),
    ('empty', dict(properties='otter.manager.address =\n', declared=dict(managers=[])), ['manager_address_invalid'],
     'otter.manager.address is empty'),
    ('overridden', dict(startup=b'OTTER_OPTS="-Dotter.manager.address=10.0.9.1:1099,10.0.9.2:1099"\n'),
     ['manager_address_overridden'], 'bin/startup.sh:1 sets -Dotter.manager.address='),
    ('a running node under another nid', dict(process=dict(pid=7, argv=['java', '-Dnid=2', homes.NODE_LAUNCHER],
                                                           node=True)),
     ['process_nid_differs'], 'runs as nid 2'),
    ('a running node under its nid', dict(process=dict(pid=7, argv=['java', '-Dnid=1', homes.NODE_LAUNCHER],
                                                       node=True)), [], None),
]


@pytest.mark.parametrize('arguments, expected, text', [c[1:] for c in NODE_CASES], ids=[c[0] for c in NODE_CASES])
def test_node_findings(arguments, expected, text):
    found = node_findings(**arguments)
    assert kinds(found) == expected
    if text:
        assert any(text in f['message'] for f in found), [f['message'] for f in found]


def test_node_findings_name_the_nids():
    found = node_findings(nid=b'3\n')
    assert found[0]['node_ids'] == [1, 3]
    assert node_findings(properties=None)[0]['node_ids'] == [1]


def test_manager_home_findings():
    report, _text = homes.manager_home('/m', {'conf/otter.properties': b'otter.manager.monitor.self.enable = maybe\n'},
                                       HOST, [])
    assert kinds(home_findings(report, {})) == ['property_invalid', 'property_invalid']
    report, _text = homes.manager_home('/m', {}, HOST, [])
    assert kinds(home_findings(report, {})) == ['properties_missing']
    assert "the manager's startup.sh starts nothing without it" in home_findings(report, {})[0]['message']


def manager(name, monitor=True, url='jdbc:mysql://db:3306/otter', servers=('zk1:2181', 'zk2:2181'), chroot=None,
            answered=True, error=None, status=None):
    return dict(name=name, url='http://%s:8080' % name, answered=answered, error=error, status=status,
                home=dict(kind='manager', monitor_self_enable=monitor, database_url=url,
                          zookeeper_servers=list(servers), zookeeper_chroot=chroot))


CLUSTER = dict(label="the SERVER_LIST of cluster 'default' (AUTOKEEPER_CLUSTER 1)", servers=['zk2:2181', 'zk1:2181'])

PAIR_CASES = [
    # id, managers, pair_findings keyword arguments, kinds, text
    ('one pair', [manager('m1'), manager('m2', monitor=False)], dict(cluster=CLUSTER, owner='m1'), [], None),
    ('both monitor', [manager('m1'), manager('m2')], {}, ['monitor_several'], 'issue #884'),
    ('none monitors', [manager('m1', False), manager('m2', None)], dict(owner='m2'), ['monitor_none'],
     'enable it on the declared owner m2'),
    ('the wrong one monitors', [manager('m1'), manager('m2', False)], dict(owner='m2'), ['monitor_not_owner'],
     'runs on manager m1, not on the declared owner m2'),
    ('database parameters do not matter', [manager('m1'), manager('m2', False, 'jdbc:mysql://DB/otter?x=1')], {}, [],
     None),
    ('two databases', [manager('m1'), manager('m2', False, 'jdbc:mysql://db2:3306/otter')], {},
     ['manager_database_differs'], 'jdbc:mysql://db2:3306/otter on m2'),
    ('another database name', [manager('m1'), manager('m2', False, 'jdbc:mysql://db:3306/otter2')], {},
     ['manager_database_differs'], None),
    ('a URL that is not MySQL compares as text', [manager('m1', url='x'), manager('m2', False, url=' x ')], {}, [], None),
    ('ensembles in another order are one', [manager('m1'), manager('m2', False, servers=('zk2:2181', 'zk1:2181'))],
     dict(cluster=CLUSTER), [], None),
    ('two ensembles', [manager('m1'), manager('m2', False, servers=('zk9:2181',))], dict(cluster=CLUSTER),
     ['manager_zookeeper_differs', 'manager_zookeeper_not_cluster'], 'manager m2 uses ZooKeeper zk9:2181'),
    ('a chroot', [manager('m1', chroot='/otter'), manager('m2', False, chroot='/otter')], dict(cluster=CLUSTER),
     ['manager_zookeeper_not_cluster', 'manager_zookeeper_not_cluster'], 'zk1:2181,zk2:2181/otter'),
    ('not the nodes\' ensemble', [manager('m1', servers=('zk1:2181',)), manager('m2', False, servers=('zk1:2181',))],
     dict(cluster=CLUSTER), ['manager_zookeeper_not_cluster', 'manager_zookeeper_not_cluster'], 'issues #837, #1073'),
    ('unreachable', [manager('m1'), manager('m2', False, answered=False, error='cannot reach')], {},
     ['manager_unreachable'], 'manager m2 at http://m2:8080 does not answer /api/channel_check.htm: cannot reach'),
    ('an error answer', [manager('m1', status='START'), manager('m2', False, error='it cannot report the channel: x')],
     dict(channel_id=1), ['manager_api_error'], 'for channel 1 with an error'),
    ('statuses differ', [manager('m1', status='START'), manager('m2', False, status='STOP')], dict(channel_id=1),
     ['manager_status_differs'], 'START on m1; STOP on m2'),
    ('statuses agree', [manager('m1', status='START'), manager('m2', False, status='START')], dict(channel_id=1), [],
     None),
]


@pytest.mark.parametrize('managers, arguments, expected, text', [c[1:] for c in PAIR_CASES],
                         ids=[c[0] for c in PAIR_CASES])
def test_pair_findings(managers, arguments, expected, text):
    found = pair_findings(managers, **arguments)
    assert [f['kind'] for f in found] == expected
    assert all(set(f) == KEYS and f['node_ids'] == [] for f in found)
    if text:
        assert any(text in f['message'] for f in found), [f['message'] for f in found]


def test_api_findings_carry_the_channel():
    found = pair_findings([manager('m1', answered=False, error='x'), manager('m2', False)], channel_id=3)
    assert found[0]['channel_id'] == 3


LEADER = 'Zookeeper version: 3.8.0\nZxid: 0x1\nMode: %s\nNode count: 5\n'


def server(name, mode=None, error=None, answer=None):
    if error:
        return dict(server=name, error=error, answer=None, srvr=None)
    answer = answer if answer is not None else LEADER % mode
    return dict(server=name, error=None, answer=answer, srvr=parse_srvr(answer))


ENSEMBLE_CASES = [
    ('one leader', [server('a', 'leader'), server('b', 'follower'), server('c', 'follower')], [], None),
    ('one standalone', [server('a', 'standalone')], [], None),
    ('an observer is fine', [server('a', 'leader'), server('b', 'observer')], [], None),
    ('a follower alone', [server('a', 'follower')], ['zk_no_leader'], 'a: follower'),
    ('two leaders', [server('a', 'leader'), server('b', 'leader')], ['zk_several_leaders'], 'a, b all report'),
    ('a standalone with others', [server('a', 'standalone'), server('b', 'leader')], ['zk_standalone_in_ensemble'],
     'a is a standalone server'),
    ('unreachable', [server('a', 'leader'), server('b', error='cannot connect: refused')], ['zk_server_unreachable'],
     'b does not answer srvr: cannot connect: refused'),
    ('refused', [server('a', 'leader'), server('b', answer='srvr is not executed because it is not in the whitelist.')],
     ['zk_command_refused'], 'add srvr to its 4lw.commands.whitelist'),
    ('an answer without mode', [server('a', answer='imok')], ['zk_command_refused', 'zk_no_leader'], 'no Mode line'),
    ('no quorum', [server('a', error='refused'), server('b', answer='This ZooKeeper instance is not currently serving '
                                                                    'requests\n')],
     ['zk_server_unreachable', 'zk_server_not_serving', 'zk_no_leader'], 'a: unreachable; b: not serving'),
]


@pytest.mark.parametrize('servers, expected, text', [c[1:] for c in ENSEMBLE_CASES], ids=[c[0] for c in ENSEMBLE_CASES])
def test_ensemble_findings(servers, expected, text):
    found = ensemble_findings(servers)
    assert kinds(found) == expected
    if text:
        assert any(text in f['message'] for f in found), [f['message'] for f in found]


def test_finding_order_follows_the_kinds():
    found = audit.sort_findings(ensemble_findings([server('a', error='x')]) + node_findings(nid=b'3\n'))
    assert [f['kind'] for f in found] == ['nid_differs', 'zk_server_unreachable', 'zk_no_leader']
