# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Node registration without a database: the declared node, PARAMETERS compared and merged as the
manager reads them, and what removing a node does to the pipelines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.nodes import (
    DEFAULT_PORT, cluster_id_of, identify, managed_view, merge_parameters, node_report, node_spec, plan_node,
    plan_nodes, plan_removal, resolve_cluster, row_report)
from ansible_collections.otter.ha.plugins.module_utils.objects import Cluster, Node, parse_parameters
from ansible_collections.otter.ha.tests.unit.plugins.layouts import PIPELINES, SEED_PARAMETERS, UI_PARAMETERS, UI_STATE, rows

CLUSTERS = [Cluster(1, 'default'), Cluster(2, 'zk-b'), Cluster(3, '1'), Cluster(4, 'twin'), Cluster(5, 'twin')]


def params(**overrides):
    values = dict(name='node-a', ip='127.0.0.1', port=None, download_port=None, mbean_port=None, zk_cluster=None,
                  use_external_ip=None, external_ip=None, description=None)
    values.update(overrides)
    return values


def spec(**overrides):
    return node_spec(params(**overrides))


def row(parameters=UI_PARAMETERS, **overrides):
    values = dict(id=1, name='node-a', ip='127.0.0.1', port=2088, description='site A', parameters=parameters)
    values.update(overrides)
    return Node(**values)


# ---------------------------------------------------------------------------------------------
# node_spec

def ports(plan):
    return (plan.after['port'], plan.after['download_port'], plan.after['mbean_port'])


def test_node_spec_leaves_omitted_keys_unset():
    declared = spec()
    assert (declared.port, declared.download_port, declared.mbean_port, declared.use_external_ip) == (None, None, None, None)
    assert spec(port=3088, download_port=9090).download_port == 9090


def test_a_new_node_gets_the_ports_of_the_manager_form():
    assert DEFAULT_PORT == 2088
    assert ports(plan_node(None, spec(zk_cluster='default'), CLUSTERS)) == (2088, 2089, 2090)
    assert ports(plan_node(None, spec(port=3088, zk_cluster='default'), CLUSTERS)) == (3088, 3089, 3090)
    assert ports(plan_node(None, spec(port=3088, download_port=9090, mbean_port=9091, zk_cluster='default'),
                           CLUSTERS)) == (3088, 9090, 9091)


def test_an_existing_node_keeps_the_ports_it_has_unless_its_port_moves():
    custom = SEED_PARAMETERS.replace('2089', '5001').replace('2090', '5002')
    assert ports(plan_node(row(parameters=custom), spec(), CLUSTERS)) == (2088, 5001, 5002)
    assert plan_node(row(parameters=custom), spec(), CLUSTERS).action == 'none'
    assert ports(plan_node(row(parameters=custom), spec(port=2088), CLUSTERS)) == (2088, 5001, 5002)
    assert ports(plan_node(row(parameters=custom), spec(port=3088), CLUSTERS)) == (3088, 3089, 3090)
    assert ports(plan_node(row(parameters=custom), spec(mbean_port=6000), CLUSTERS)) == (2088, 5001, 6000)
    # nothing usable stored: derived from the port
    assert ports(plan_node(row(parameters='{"zkCluster":{"id":1}}', port=4000), spec(), CLUSTERS)) == (4000, 4001, 4002)


@pytest.mark.parametrize('stored, overrides, message', [
    (None, dict(port=65535), 'download_port 65536 (port + 1) is not a TCP port'),
    (None, dict(port=65534), 'mbean_port 65536 (port + 2) is not a TCP port'),
    (None, dict(download_port=2088), 'port and download_port are both 2088 once the omitted ports are filled in'),
    (None, dict(mbean_port=2089), 'download_port and mbean_port are both 2089 once the omitted ports are filled in'),
    (row(), dict(download_port=2090), 'download_port and mbean_port are both 2090 once the omitted ports are filled in'),
])
def test_ports_filled_in_are_checked_too(stored, overrides, message):
    with pytest.raises(RequestError) as caught:
        plan_node(stored, spec(zk_cluster='default', **overrides), CLUSTERS)
    assert message in str(caught.value)


BAD_SPECS = [
    ('empty name', dict(name=''), "name must not be empty, got ''"),
    ('blank ip', dict(ip='  '), "ip must not be empty, got '  '"),
    ('name too long', dict(name='n' * 201), 'is 201 characters long; NODE stores at most 200'),
    ('ip too long', dict(ip='1' * 250), 'ip \'' + '1' * 40 + "...' is 250 characters long"),
    ('padded name', dict(name='node-a '), "name 'node-a ' has leading or trailing whitespace"),
    ('padded ip', dict(ip=' 127.0.0.1'), "ip ' 127.0.0.1' has leading or trailing whitespace"),
    ('port zero', dict(port=0), 'port 0 is not a TCP port (1..65535)'),
    ('port too big', dict(port=70000), 'port 70000 is not a TCP port'),
    ('negative download port', dict(download_port=-1), 'download_port -1 is not a TCP port'),
    ('mbean port too big', dict(mbean_port=65536), 'mbean_port 65536 is not a TCP port'),
    ('mbean port equals port', dict(port=3000, download_port=4000, mbean_port=3000), 'port and mbean_port are both 3000'),
    ('download port equals port', dict(port=3000, download_port=3000), 'port and download_port are both 3000'),
    ('mbean port equals download port', dict(download_port=5000, mbean_port=5000),
     'download_port and mbean_port are both 5000'),
    ('external ip missing', dict(use_external_ip=True), 'use_external_ip is true but external_ip is not set'),
    ('external ip empty', dict(use_external_ip=True, external_ip=''), 'use_external_ip is true but external_ip is empty'),
    ('padded external ip', dict(external_ip='1.2.3.4 '), "external_ip '1.2.3.4 ' has leading or trailing whitespace"),
    ('external ip too long', dict(external_ip='1' * 201), 'external_ip'),
    ('description too long', dict(description=u'\u00e9' * 201), 'description'),
    ('empty zk_cluster', dict(zk_cluster=''), "zk_cluster must not be empty, got ''"),
    ('blank zk_cluster', dict(zk_cluster=' '), "zk_cluster must not be empty, got ' '"),
]


@pytest.mark.parametrize('overrides, message', [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS])
def test_node_spec_errors_name_the_value(overrides, message):
    with pytest.raises(RequestError) as caught:
        spec(**overrides)
    assert message in str(caught.value)


def test_limits_are_inclusive():
    plan = plan_node(None, spec(name='n' * 200, description=u'\u00e9' * 200, port=65533, zk_cluster='default'), CLUSTERS)
    assert ports(plan) == (65533, 65534, 65535)
    assert spec(port=1, download_port=2, mbean_port=3).port == 1
    assert spec(description='').description == ''


# ---------------------------------------------------------------------------------------------
# resolve_cluster: the one reference rule

@pytest.mark.parametrize('ref, expected', [('default', 1), ('2', 2), ('zk-b', 2), ('4', 4), ('3', 3), ('5', 5)])
def test_resolve_cluster(ref, expected):
    assert resolve_cluster(ref, CLUSTERS).id == expected


def test_resolve_cluster_digits_without_that_id_are_a_name():
    assert resolve_cluster('7', [Cluster(1, 'default'), Cluster(2, '7')]).id == 2
    assert resolve_cluster('01', [Cluster(1, 'default'), Cluster(2, '01')]).id == 2


@pytest.mark.parametrize('ref, clusters, messages', [
    ('zz', CLUSTERS, ["zk_cluster 'zz' not found in AUTOKEEPER_CLUSTER (known: 1 default, 2 zk-b, 3 1, 4 twin, 5 twin)"]),
    ('9', CLUSTERS, ["zk_cluster '9' not found in AUTOKEEPER_CLUSTER"]),
    ('01', CLUSTERS, ["zk_cluster '01' not found in AUTOKEEPER_CLUSTER"]),
    ('twin', CLUSTERS, ["zk_cluster name 'twin' is ambiguous", '4 twin, 5 twin']),
    # '1' is the ID of cluster 1 and the name of cluster 3: neither is guessed
    ('1', CLUSTERS, ["zk_cluster '1' is ambiguous", 'the ID of zk_cluster 1 default', 'the name of zk_cluster 3 1']),
    ('default', [], ["zk_cluster 'default' not found in AUTOKEEPER_CLUSTER (known: none, add one in the manager first)"]),
])
def test_resolve_cluster_errors(ref, clusters, messages):
    with pytest.raises(RequestError) as caught:
        resolve_cluster(ref, clusters)
    for message in messages:
        assert message in str(caught.value)


# ---------------------------------------------------------------------------------------------
# PARAMETERS

@pytest.mark.parametrize('text', [
    UI_PARAMETERS,
    SEED_PARAMETERS,
    # key order, spacing, ports as digit strings, a bool as text, useExternalIp missing (defaults to false)
    '{ "zkCluster": {"id": "1"}, "mbeanPort": "2090", "downloadPort": 2089 }',
    '{"useExternalIp":"false","downloadPort":2089,"mbeanPort":2090,"zkCluster":{"id":1,"clusterName":"renamed"}}',
    # keys this collection does not manage
    '{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"id":1},"futureKey":[1,2]}',
])
def test_equivalent_parameters_change_nothing(text):
    plan = plan_node(row(parameters=text), spec(zk_cluster='default', description='site A'), CLUSTERS)
    assert plan.action == 'none'
    assert plan.columns == [] and plan.parameters is None
    assert plan.after == plan.before
    assert plan.warnings == []


@pytest.mark.parametrize('text', [
    '{"downloadPort":true,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"id":1}}',  # True == 1 in Python
    '{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":0,"zkCluster":{"id":1}}',
    '{"downloadPort":2089,"mbeanPort":2090,"useExternalIp":false,"zkCluster":1}',
    '{"downloadPort":2089.5,"mbeanPort":2090,"useExternalIp":false,"zkCluster":{"id":1}}',
])
def test_values_the_manager_cannot_read_are_rewritten(text):
    declared = spec(port=1, download_port=2089, mbean_port=2090, use_external_ip=False, zk_cluster='default',
                    description='site A')
    plan = plan_node(row(parameters=text, port=1), declared, CLUSTERS)
    assert plan.action == 'update'
    assert [c for c, _v in plan.columns] == ['PARAMETERS']


def test_managed_view_ignores_cluster_details_but_not_the_cluster_id():
    ui = managed_view(parse_parameters(UI_PARAMETERS)[0])
    assert ui == managed_view(parse_parameters(SEED_PARAMETERS)[0])
    other = json.loads(SEED_PARAMETERS)
    other['zkCluster']['id'] = 2
    assert managed_view(other) != ui


@pytest.mark.parametrize('parameters, expected', [
    ({'zkCluster': {'id': 3}}, 3), ({'zkCluster': {'id': '3'}}, 3), ({'zkCluster': {'id': True}}, None),
    ({'zkCluster': 3}, None), ({'zkCluster': {}}, None), ({}, None),
])
def test_cluster_id_of(parameters, expected):
    assert cluster_id_of(parameters) == expected


def test_merge_keeps_unmanaged_keys_and_the_cluster_object_of_the_same_cluster():
    current = json.loads(UI_PARAMETERS)
    current['futureKey'] = {'x': 1}
    merged = merge_parameters(current, spec(port=3088, download_port=3089, mbean_port=3090), Cluster(1, 'default'))
    assert merged['futureKey'] == {'x': 1}
    assert merged['zkCluster'] == current['zkCluster']  # serverList and gmt* stay
    assert (merged['downloadPort'], merged['mbeanPort']) == (3089, 3090)
    assert current['downloadPort'] == 2089  # the input is not modified


def test_merge_replaces_the_cluster_object_of_another_cluster():
    merged = merge_parameters(json.loads(UI_PARAMETERS), spec(), Cluster(2, 'zk-b'))
    assert merged['zkCluster'] == {'id': 2, 'clusterName': 'zk-b'}


@pytest.mark.parametrize('stored, declared, expected', [
    (None, None, None),
    ('10.1.1.1', None, '10.1.1.1'),    # not set: kept
    ('10.1.1.1', '', None),            # empty: removed
    (None, '10.2.2.2', '10.2.2.2'),
    ('10.1.1.1', '10.2.2.2', '10.2.2.2'),
])
def test_merge_external_ip(stored, declared, expected):
    current = json.loads(SEED_PARAMETERS)
    if stored:
        current['externalIp'] = stored
    merged = merge_parameters(current, spec(external_ip=declared), Cluster(1, 'default'))
    assert merged.get('externalIp') == expected
    assert ('externalIp' in merged) == (expected is not None)


@pytest.mark.parametrize('stored, declared, expected', [
    (None, None, False),   # a new object gets the manager's default
    (True, None, True),    # not declared: kept
    (True, False, False),
    (False, True, True),
])
def test_merge_use_external_ip(stored, declared, expected):
    current = json.loads(SEED_PARAMETERS)
    if stored is None:
        del current['useExternalIp']
    else:
        current['useExternalIp'] = stored
    merged = merge_parameters(current, spec(use_external_ip=declared, external_ip='10.2.2.2'), Cluster(1, 'default'))
    assert merged['useExternalIp'] is expected


# ---------------------------------------------------------------------------------------------
# plan_node

def test_create_writes_the_manager_columns_and_seed_style_json():
    plan = plan_node(None, spec(name='node-c', ip='127.0.0.3', zk_cluster='default', description='site C'),
                     CLUSTERS)
    assert plan.action == 'create'
    assert plan.columns == [('NAME', 'node-c'), ('IP', '127.0.0.3'), ('PORT', 2088), ('DESCRIPTION', 'site C'),
                            ('PARAMETERS', SEED_PARAMETERS)]
    assert plan.parameters == SEED_PARAMETERS
    assert plan.before is None
    assert plan.after == dict(id=None, name='node-c', ip='127.0.0.3', port=2088, download_port=2089, mbean_port=2090,
                              zk_cluster=dict(id=1, name='default'), use_external_ip=False, external_ip=None,
                              description='site C')


def test_create_with_external_ip():
    plan = plan_node(None, spec(zk_cluster='2', use_external_ip=True, external_ip='203.0.113.9'), CLUSTERS)
    assert json.loads(plan.parameters) == {'downloadPort': 2089, 'mbeanPort': 2090, 'useExternalIp': True,
                                           'externalIp': '203.0.113.9', 'zkCluster': {'id': 2, 'clusterName': 'zk-b'}}
    assert (plan.after['use_external_ip'], plan.after['external_ip']) == (True, '203.0.113.9')
    assert ('DESCRIPTION', None) in plan.columns


def test_create_needs_zk_cluster():
    with pytest.raises(RequestError) as caught:
        plan_node(None, spec(), CLUSTERS)
    assert "zk_cluster is required to create node 'node-a'@127.0.0.1" in str(caught.value)
    assert '1 default, 2 zk-b' in str(caught.value)
    with pytest.raises(RequestError, match=r'known: none\)'):
        plan_node(None, spec(), [])


def test_existing_node_keeps_its_cluster_when_zk_cluster_is_not_set():
    plan = plan_node(row(), spec(port=3088), CLUSTERS)
    assert plan.action == 'update'
    assert plan.columns[0] == ('PORT', 3088)
    written = json.loads(dict(plan.columns)['PARAMETERS'])
    assert written['zkCluster']['serverList'] == ['127.0.0.1:2181']
    assert (written['downloadPort'], written['mbeanPort']) == (3089, 3090)
    assert plan.before['port'] == 2088 and plan.before['download_port'] == 2089
    assert plan.after['port'] == 3088 and plan.after['mbean_port'] == 3090
    assert plan.after['zk_cluster'] == {'id': 1, 'name': 'default'}
    assert plan.after['description'] == 'site A'  # not declared: kept


def test_changing_the_cluster_by_name_and_by_id():
    for ref in ('zk-b', '2'):
        plan = plan_node(row(), spec(zk_cluster=ref), CLUSTERS)
        assert [c for c, _v in plan.columns] == ['PARAMETERS']
        assert json.loads(plan.parameters)['zkCluster'] == {'id': 2, 'clusterName': 'zk-b'}
        assert plan.after['zk_cluster'] == {'id': 2, 'name': 'zk-b'}
        assert plan.before['zk_cluster'] == {'id': 1, 'name': 'default'}


def test_unknown_zk_cluster_fails_for_an_existing_node_too():
    with pytest.raises(RequestError, match="zk_cluster 'nope' not found"):
        plan_node(row(), spec(zk_cluster='nope'), CLUSTERS)


def test_existing_node_without_a_cluster_needs_zk_cluster():
    with pytest.raises(RequestError) as caught:
        plan_node(row(parameters='{"downloadPort":2089}'), spec(), CLUSTERS)
    assert "zk_cluster is required: the PARAMETERS of node 'node-a'@127.0.0.1 (id 1) name no ZooKeeper cluster" \
        in str(caught.value)


def test_a_cluster_id_missing_from_autokeeper_cluster_is_kept_with_a_warning():
    stored = SEED_PARAMETERS.replace('"id":1', '"id":9').replace('default', 'gone')
    plan = plan_node(row(parameters=stored), spec(), CLUSTERS)
    assert plan.action == 'none'
    assert plan.after['zk_cluster'] == {'id': 9, 'name': 'gone'}
    assert 'ZooKeeper cluster id 9, which is not in AUTOKEEPER_CLUSTER' in plan.warnings[0]
    assert 'set zk_cluster' in plan.warnings[0]


def test_unparseable_parameters_are_rewritten_with_a_warning():
    plan = plan_node(row(parameters='{broken'), spec(zk_cluster='default'), CLUSTERS)
    assert plan.action == 'update'
    assert plan.parameters == SEED_PARAMETERS
    assert "PARAMETERS of node 'node-a'@127.0.0.1 (id 1) is not valid JSON" in plan.warnings[0]
    assert plan.before['download_port'] is None and plan.before['zk_cluster'] is None
    assert plan.after['download_port'] == 2089


def test_unparseable_parameters_without_zk_cluster_fail():
    with pytest.raises(RequestError, match=r'zk_cluster is required: the PARAMETERS of .* is not valid JSON'):
        plan_node(row(parameters='not json'), spec(), CLUSTERS)


def test_null_parameters_are_filled_in_without_a_warning():
    plan = plan_node(row(parameters=None), spec(zk_cluster='default'), CLUSTERS)
    assert plan.parameters == SEED_PARAMETERS
    assert plan.warnings == []


@pytest.mark.parametrize('stored, declared, changes', [
    ('site A', None, False),
    ('site A', 'site A', False),
    ('site A', 'new text', True),
    (None, '', False),   # NULL and '' both mean no description
    (None, 'x', True),
    ('site A', '', True),
])
def test_description_is_only_managed_when_declared(stored, declared, changes):
    plan = plan_node(row(description=stored), spec(description=declared), CLUSTERS)
    assert (('DESCRIPTION', declared) in plan.columns) is changes
    assert plan.action == ('update' if changes else 'none')
    assert plan.after['description'] == (declared if changes else stored)


def test_only_the_port_column_when_only_port_differs_and_ports_are_pinned():
    plan = plan_node(row(), spec(port=2000, download_port=2089, mbean_port=2090), CLUSTERS)
    assert plan.columns == [('PORT', 2000)]


# ---------------------------------------------------------------------------------------------
# identify and plan_nodes: the manager's identity rule (a NAME names one node, an IP and port
# belong to one node)

STORED = [row(), row(id=2, name='node-b', ip='127.0.0.2', description='site B'),
          row(id=3, name='node-c', ip='127.0.0.2', port=3088, description=None)]


@pytest.mark.parametrize('overrides, expected', [
    (dict(), 1),
    (dict(port=2099), 1),                               # its port may change
    (dict(name='node-d', ip='127.0.0.4'), None),        # a new node
    (dict(name='node-d', ip='127.0.0.2', port=4000), None),
])
def test_identify(overrides, expected):
    found = identify(STORED, spec(**overrides))
    assert (found.id if found else None) == expected


@pytest.mark.parametrize('overrides, message', [
    (dict(name='NODE-A'), "node 'NODE-A' at 127.0.0.1:2088: NODE already has node 1 named 'node-a', and the manager "
                          "compares names case-insensitively; declare the node as it is registered, nothing was changed"),
    (dict(name='node-d', ip='127.0.0.2'), "node 'node-d' at 127.0.0.2:2088: that address belongs to node 2 'node-b' "
                                          "(registered at 127.0.0.2:2088)"),
    (dict(port=3088, ip='127.0.0.2', name='node-b'), "node 'node-b' at 127.0.0.2:3088: that address belongs to node 3 "
                                                     "'node-c'"),
    (dict(ip='127.0.0.9'), "node 'node-a' at 127.0.0.9:2088: node 1 'node-a' is registered at 127.0.0.1:2088, not at "
                           "127.0.0.9:2088; fix the inventory, or set readdress"),
    (dict(ip='127.0.0.1 '), "is registered at 127.0.0.1:2088, not at 127.0.0.1 :2088"),
])
def test_identify_refuses_what_would_change_another_node(overrides, message):
    params_ = params(**overrides)
    with pytest.raises(RequestError) as caught:
        identify(STORED, node_spec(params_) if params_['ip'] == params_['ip'].strip() else spec()._replace(ip=params_['ip']))
    assert message in str(caught.value)


def test_readdress_moves_the_node_in_place():
    found = identify(STORED, spec(ip='127.0.0.9'), readdress=True)
    assert found.id == 1
    plan = plan_node(found, spec(ip='127.0.0.9'), CLUSTERS)
    assert plan.action == 'update' and plan.columns == [('IP', '127.0.0.9')]
    assert (plan.before['ip'], plan.after['ip'], plan.after['id']) == ('127.0.0.1', '127.0.0.9', 1)
    assert "node 1 'node-a' moves from 127.0.0.1:2088 to 127.0.0.9:2088: restart it on its new host (conf/nid keeps 1)" \
        in plan.warnings
    with pytest.raises(RequestError, match="that address belongs to node 2 'node-b'"):
        identify(STORED, spec(ip='127.0.0.2'), readdress=True)


def test_plan_nodes_plans_every_declared_node():
    plans = plan_nodes(STORED, [spec(zk_cluster='default'), spec(name='node-d', ip='127.0.0.4', zk_cluster='zk-b')],
                       CLUSTERS)
    assert [(found.id if found else None, plan.action) for found, plan in plans] == [(1, 'none'), (None, 'create')]
    assert plans[1][1].after['zk_cluster'] == dict(id=2, name='zk-b')


@pytest.mark.parametrize('specs, message', [
    ([dict(name='node-d', ip='127.0.0.4'), dict(name='node-d', ip='127.0.0.5')],
     "node name 'node-d' is declared twice; a name names one node in the manager"),
    ([dict(name='node-d', ip='127.0.0.4'), dict(name='node-e', ip='127.0.0.4')],
     "node 'node-d' and node 'node-e' would both be at 127.0.0.4:2088"),
    ([dict(name='node-b', ip='127.0.0.2', port=4000), dict(name='node-d', ip='127.0.0.2', port=4000)],
     "node 'node-b' and node 'node-d' would both be at 127.0.0.2:4000"),
])
def test_plan_nodes_applies_the_identity_rule_to_the_declaration_as_a_whole(specs, message):
    with pytest.raises(RequestError) as caught:
        plan_nodes(STORED, [spec(zk_cluster='default', **s) for s in specs], CLUSTERS)
    assert message in str(caught.value)


def test_a_node_may_take_the_address_a_declared_node_leaves():
    plans = plan_nodes(STORED, [spec(name='node-c', ip='127.0.0.2', port=4000),
                                spec(name='node-d', ip='127.0.0.2', port=3088, zk_cluster='default')], CLUSTERS)
    assert [plan.action for _row, plan in plans] == ['update', 'create']


def test_row_report_of_a_ui_row():
    assert row_report(row(), CLUSTERS) == dict(
        id=1, name='node-a', ip='127.0.0.1', port=2088, download_port=2089, mbean_port=2090,
        zk_cluster=dict(id=1, name='default'), use_external_ip=False, external_ip=None, description='site A')


def test_node_report_takes_the_cluster_name_from_autokeeper_cluster():
    stored = json.loads(UI_PARAMETERS)
    stored['zkCluster']['clusterName'] = 'old name'
    assert node_report(1, 'n', 'ip', '2088', None, stored, CLUSTERS)['zk_cluster'] == dict(id=1, name='default')
    assert node_report(1, 'n', 'ip', 2088, None, stored, [])['zk_cluster'] == dict(id=1, name='old name')
    odd = node_report(1, 'n', 'ip', 2088, None, {'downloadPort': 'x', 'useExternalIp': 'maybe', 'externalIp': 5}, [])
    assert (odd['download_port'], odd['use_external_ip'], odd['external_ip'], odd['zk_cluster']) == (None, None, None, None)


# ---------------------------------------------------------------------------------------------
# plan_removal

PIPELINES_BY_ID = dict((p.id, p) for p in PIPELINES)


def node_rows(relations, node_id):
    return [r for r in relations if r.node_id == node_id]


def test_removal_of_an_unused_node():
    plan = plan_removal(3, [], {}, [], {1, 2, 3})
    assert plan == (([], [], '', ''))


def test_removal_of_the_only_node_of_locations_is_blocked():
    plan = plan_removal(1, node_rows(UI_STATE, 1), PIPELINES_BY_ID, UI_STATE, {1, 2})
    assert plan.usage == 'sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; sync-ab/b-to-a (pipeline 2) LOAD'
    assert plan.blocked == 'sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT; sync-ab/b-to-a (pipeline 2) LOAD'
    assert plan.relation_ids == [1, 2, 6]
    assert plan.removed == [(1, 1, 'SELECT'), (1, 1, 'EXTRACT'), (2, 1, 'LOAD')]


def test_removal_is_allowed_where_another_existing_node_remains():
    relations = UI_STATE + rows((7, 1, 3, 'SELECT'), (8, 1, 3, 'EXTRACT'), (9, 2, 2, 'LOAD'))
    plan = plan_removal(1, node_rows(relations, 1), PIPELINES_BY_ID, relations, {1, 2, 3})
    assert plan.blocked == ''
    assert plan.relation_ids == [1, 2, 6]


def test_a_remaining_node_missing_from_node_does_not_count():
    relations = UI_STATE + rows((7, 1, 9, 'SELECT'), (8, 1, 3, 'EXTRACT'), (9, 2, 2, 'LOAD'))
    plan = plan_removal(1, node_rows(relations, 1), PIPELINES_BY_ID, relations, {1, 2, 3})
    assert plan.blocked == 'sync-ab/a-to-b (pipeline 1) SELECT'


def test_a_location_that_is_empty_already_does_not_block():
    # pipeline 1 has no LOAD row at all; removing node 1 does not make that worse
    relations = rows((1, 1, 1, 'SELECT'), (2, 1, 2, 'SELECT'), (3, 1, 2, 'EXTRACT'), (4, 1, 1, 'EXTRACT'))
    plan = plan_removal(1, node_rows(relations, 1), PIPELINES_BY_ID, relations, {1, 2})
    assert plan.blocked == ''


def test_rows_of_deleted_pipelines_are_removed_without_blocking():
    relations = rows((11, 7, 1, 'SELECT'))
    plan = plan_removal(1, relations, {}, [], {1})
    assert plan.usage == 'pipeline 7 (not in PIPELINE) SELECT'
    assert plan.blocked == ''
    assert plan.relation_ids == [11]


def test_duplicate_and_odd_rows_of_the_node_are_all_removed():
    relations = UI_STATE + rows((7, 1, 1, 'SELECT'), (8, 1, 1, 'select'), (10, 1, 2, 'SELECT'),
                                (11, 1, 2, 'EXTRACT'), (12, 2, 2, 'LOAD'))
    plan = plan_removal(1, node_rows(relations, 1), PIPELINES_BY_ID, relations, {1, 2})
    assert plan.blocked == ''
    assert plan.relation_ids == [1, 2, 6, 7, 8]
    assert plan.usage == 'sync-ab/a-to-b (pipeline 1) SELECT, EXTRACT, select; sync-ab/b-to-a (pipeline 2) LOAD'
