# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Node registration planning: the NODE row of one Otter node, its PARAMETERS JSON and the
ZooKeeper cluster it names, and what removing a node does to the pipelines. Pure: no database,
no Ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.layout import plan_layout
from ansible_collections.otter.ha.plugins.module_utils.objects import (
    LOCATIONS, Cluster, dump_parameters, location_order, parse_parameters, pipeline_label, short)
from ansible_collections.otter.ha.plugins.module_utils.references import resolve, storable

NodeSpec = namedtuple('NodeSpec', [
    'name', 'ip', 'port', 'download_port', 'mbean_port', 'zk_cluster', 'use_external_ip', 'external_ip',
    'description'])

NodePlan = namedtuple('NodePlan', [
    'action',      # 'create', 'update' or 'none'
    'columns',     # [(column, value)] the UPDATE sets (GMT_MODIFIED aside), or the INSERT's values
    'parameters',  # the PARAMETERS text to write, None when it stays as it is
    'before',      # node report before the run, None when the node does not exist
    'after',       # node report after the run (id None for a node still to be created)
    'warnings',    # sentences for the operator
])

RemovalPlan = namedtuple('RemovalPlan', [
    'relation_ids',  # [row id] of PIPELINE_NODE_RELATION that reference the node
    'removed',       # [(pipeline_id, node_id, location)] those rows hold, sorted
    'usage',         # text naming the pipelines and locations that use the node, '' when none
    'blocked',       # text naming the locations the removal would leave without a node, '' when none
])

# varchar(200) columns of NODE (characters, not bytes, in a utf8 table).
NAME_MAX = 200
PORT_MIN, PORT_MAX = 1, 65535
# NODE.PORT of a new node when the task sets none, as the manager's node form suggests.
DEFAULT_PORT = 2088


# ---------------------------------------------------------------------------------------------
# What the task declares

def _check_text(option, value, required=True, storing=True):
    if value is None:
        return None
    if storing and not storable(value):
        raise RequestError("%s %s has a character NODE cannot store (NUL, or one beyond the Basic Multilingual "
                           "Plane, which the manager's utf8 tables do not hold)" % (option, short(value)))
    if required and not value.strip():
        raise RequestError('%s must not be empty, got %r' % (option, value))
    if len(value) > NAME_MAX:
        raise RequestError("%s '%s...' is %d characters long; NODE stores at most %d"
                           % (option, value[:40], len(value), NAME_MAX))
    return value


def _check_port(option, value, how=''):
    if not PORT_MIN <= value <= PORT_MAX:
        raise RequestError('%s %d%s is not a TCP port (%d..%d)' % (option, value, how, PORT_MIN, PORT_MAX))
    return value


def _distinct_ports(port, download_port, mbean_port, how=''):
    ports = [(o, v) for o, v in (('port', port), ('download_port', download_port), ('mbean_port', mbean_port))
             if v is not None]
    for index, (option, value) in enumerate(ports):
        for other, other_value in ports[index + 1:]:
            if value == other_value:
                raise RequestError('%s and %s are both %d%s; the node listens on each of them separately'
                                   % (option, other, value, how))


def node_spec(params, storing=True):
    """The node the task declares, from module parameters; every check that needs no database.

    A key left out (None) keeps the stored value of an existing node; a new node gets port 2088
    and download_port and mbean_port port + 1 and port + 2, as the manager's node form fills them in.
    storing: the values will be written, so each must be text NODE can hold (for a removal a name it
    cannot hold simply names no node).
    """
    name = _check_text('name', params['name'], storing=storing)
    ip = _check_text('ip', params['ip'], storing=storing)
    for option, value in (('name', name), ('ip', ip)):
        # NAME and IP are the node's identity; the server ignores trailing spaces when it compares
        # them, so a padded value would silently address another spelling of the node.
        if value != value.strip():
            raise RequestError("%s '%s' has leading or trailing whitespace" % (option, value))
    port = None if params.get('port') is None else _check_port('port', params['port'])
    download_port = None if params.get('download_port') is None else _check_port('download_port',
                                                                                 params['download_port'])
    mbean_port = None if params.get('mbean_port') is None else _check_port('mbean_port', params['mbean_port'])
    _distinct_ports(port, download_port, mbean_port)
    zk_cluster = params.get('zk_cluster')
    if zk_cluster is not None and not zk_cluster.strip():
        raise RequestError('zk_cluster must not be empty, got %r' % zk_cluster)
    use_external_ip = params.get('use_external_ip')
    external_ip = params.get('external_ip')
    if external_ip is not None:
        if external_ip != external_ip.strip():
            raise RequestError("external_ip '%s' has leading or trailing whitespace" % external_ip)
        _check_text('external_ip', external_ip, required=False)
    if use_external_ip and not external_ip:
        raise RequestError('use_external_ip is true but external_ip is %s'
                           % ('empty' if external_ip == '' else 'not set'))
    description = _check_text('description', params.get('description'), required=False)
    return NodeSpec(name, ip, port, download_port, mbean_port, zk_cluster, use_external_ip, external_ip,
                    description)


def resolve_cluster(ref, clusters):
    """The AUTOKEEPER_CLUSTER a zk_cluster reference names (an ID or a CLUSTER_NAME)."""
    if not clusters:
        raise RequestError("zk_cluster '%s' not found in AUTOKEEPER_CLUSTER (known: none, add one in the manager "
                           "first)" % ref)
    return resolve([ref], clusters, 'zk_cluster', table='AUTOKEEPER_CLUSTER')[0]


# ---------------------------------------------------------------------------------------------
# PARAMETERS: NodeParameter as fastjson writes it

def _invalid(value):
    """A stored value the manager could not read as the field's type: unequal to every valid
    value (True == 1 in Python, so a bare value would not do), which makes it get rewritten."""
    return ('invalid', repr(value))


def _int_value(value):
    """An integer field as the manager's parser reads it: a number, or a string of digits."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return _invalid(value)


def _bool_value(value):
    if value is None:
        return False  # NodeParameter.useExternalIp defaults to false
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    return _invalid(value)


def cluster_id_of(parameters):
    """The zkCluster id a PARAMETERS object names, or None."""
    cluster = parameters.get('zkCluster')
    if isinstance(cluster, dict):
        ident = _int_value(cluster.get('id'))
        if isinstance(ident, int):
            return ident
    return None


def managed_view(parameters):
    """The managed fields of PARAMETERS, normalised: what the manager would load from them.
    Key order, the extra fields the UI copies into zkCluster (clusterName, serverList, gmtCreate,
    ...) and unknown keys do not appear, so they never make two objects differ; only the
    cluster's id does, because the manager reloads the cluster by id."""
    cluster = parameters.get('zkCluster')
    external_ip = parameters.get('externalIp')
    return dict(
        downloadPort=_int_value(parameters.get('downloadPort')),
        mbeanPort=_int_value(parameters.get('mbeanPort')),
        zkCluster=cluster_id_of(parameters) if cluster is None or isinstance(cluster, dict) else _invalid(cluster),
        useExternalIp=_bool_value(parameters.get('useExternalIp')),
        externalIp=external_ip if external_ip is None or isinstance(external_ip, str) else _invalid(external_ip),
    )


def merge_parameters(current, spec, cluster):
    """PARAMETERS with the declared values (spec with its ports already decided): keys this
    collection does not manage are kept, and so is the zkCluster object when it already names the
    declared cluster."""
    merged = dict(current)
    merged['downloadPort'] = spec.download_port
    merged['mbeanPort'] = spec.mbean_port
    if spec.use_external_ip is not None or 'useExternalIp' not in merged:
        merged['useExternalIp'] = bool(spec.use_external_ip)
    if cluster_id_of(current) != cluster.id:
        merged['zkCluster'] = dict(id=cluster.id, clusterName=cluster.name)
    if spec.external_ip:
        merged['externalIp'] = spec.external_ip
    elif spec.external_ip == '':
        merged.pop('externalIp', None)
    return merged


# ---------------------------------------------------------------------------------------------
# Reports and plans

def node_report(node_id, name, ip, port, description, parameters, clusters):
    """The `node` return value. The cluster name comes from AUTOKEEPER_CLUSTER, which is where the
    manager loads it from; the name inside PARAMETERS is used only when the ID is unknown."""
    view = managed_view(parameters)
    cluster_id = cluster_id_of(parameters)
    cluster = None
    if cluster_id is not None:
        names = dict((c.id, c.name) for c in clusters)
        stored = parameters['zkCluster'].get('clusterName')
        cluster = dict(id=cluster_id, name=names.get(cluster_id, stored))

    def number(value):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    use_external_ip = view['useExternalIp']
    return dict(
        id=node_id,
        name=name,
        ip=ip,
        port=int(port) if port is not None else None,
        download_port=number(view['downloadPort']),
        mbean_port=number(view['mbeanPort']),
        zk_cluster=cluster,
        use_external_ip=use_external_ip if isinstance(use_external_ip, bool) else None,
        external_ip=view['externalIp'] if isinstance(view['externalIp'], str) else None,
        description=description,
    )


def row_report(row, clusters):
    """node_report of a NODE row as it is; unusable PARAMETERS read as an empty object."""
    parameters, _problem = parse_parameters(row.parameters)
    return node_report(row.id, row.name, row.ip, row.port, row.description, parameters, clusters)


def _address(ip, port):
    return '%s:%d' % (ip, port)


def identify(rows, spec, readdress=False, declared=()):
    """The stored node a declared one is, by the manager's own identity rule (NodeServiceImpl and
    the NODE unique key): NAME names one node, and IP + PORT belong to one node. Returns the row or
    None for a new node.

    A declared node whose NAME is stored with another IP is refused unless readdress (then the row
    is updated in place: same ID, so conf/nid stays right); one whose address belongs to another
    NAME is refused; both name the stored and the declared values. NODE compares names
    case-insensitively, so a name that differs from a stored one only in case is refused too.
    """
    by_name = [r for r in rows if r.name == spec.name]
    row = by_name[0] if by_name else None
    port = spec.port if spec.port is not None else (row.port if row is not None else DEFAULT_PORT)
    label = "node '%s' at %s" % (spec.name, _address(spec.ip, port))
    if row is None:
        alike = [r for r in rows if r.name.lower() == spec.name.lower()]
        if alike:
            raise RequestError("%s: NODE already has node %d named '%s', and the manager compares names "
                               "case-insensitively; declare the node as it is registered, nothing was changed"
                               % (label, alike[0].id, alike[0].name))
    # A declared node may leave its address in the same run; plan_nodes checks the addresses after it.
    owners = [r for r in rows if r.ip == spec.ip and int(r.port) == port and (row is None or r.id != row.id)
              and r.name not in declared]
    if owners:
        other = owners[0]
        raise RequestError("%s: that address belongs to node %d '%s' (registered at %s); a node's IP and port are "
                           "its own in the manager; fix the inventory, nothing was changed"
                           % (label, other.id, other.name, _address(other.ip, other.port)))
    if row is not None and row.ip != spec.ip and not readdress:
        raise RequestError("%s: node %d '%s' is registered at %s, not at %s; fix the inventory, or set readdress "
                           "(node_ha_allow_readdress) to move the node to the new address, keeping its ID, "
                           "nothing was changed" % (label, row.id, row.name, _address(row.ip, row.port),
                                                    _address(spec.ip, port)))
    return row


def _decide_ports(row, spec, current):
    """The spec with every port decided: declared, else stored, else the manager form's default."""
    port = spec.port if spec.port is not None else (int(row.port) if row is not None else DEFAULT_PORT)
    view = managed_view(current) if row is not None else {}
    stored_download = view.get('downloadPort')
    stored_mbean = view.get('mbeanPort')
    # Ports derive from NODE.PORT only where nothing is stored, or where the port itself moves.
    keep = row is not None and port == int(row.port)
    download, mbean = spec.download_port, spec.mbean_port
    if download is None:
        download = stored_download if keep and isinstance(stored_download, int) else \
            _check_port('download_port', port + 1, ' (port + 1)')
    if mbean is None:
        mbean = stored_mbean if keep and isinstance(stored_mbean, int) else \
            _check_port('mbean_port', port + 2, ' (port + 2)')
    _distinct_ports(port, download, mbean, ' once the omitted ports are filled in')
    return spec._replace(port=port, download_port=download, mbean_port=mbean)


def plan_node(row, spec, clusters):
    """What state=present does to the NODE row of a declared node (row: the one identify found).

    row: the current Node or None. clusters: every AUTOKEEPER_CLUSTER as Cluster.
    The task's zk_cluster wins; without it an existing node keeps its cluster and a new node
    cannot be created. PARAMETERS is compared field by field (managed_view), never as text.
    A row at another IP (readdress) gets its IP updated in place.
    """
    warnings = []
    current, problem = parse_parameters(row.parameters) if row is not None else ({}, None)
    spec = _decide_ports(row, spec, current)
    label = "node '%s'@%s" % (spec.name, spec.ip)
    if problem:
        warnings.append('PARAMETERS of %s (id %d) %s; it is rewritten from the declared values'
                        % (label, row.id, problem))

    if spec.zk_cluster is not None:
        cluster = resolve_cluster(spec.zk_cluster, clusters)
    elif row is None:
        raise RequestError('zk_cluster is required to create %s: it is the ZooKeeper cluster the node '
                           'uses (an AUTOKEEPER_CLUSTER ID or CLUSTER_NAME; known: %s)'
                           % (label, ', '.join('%d %s' % (c.id, c.name) for c in clusters) or 'none'))
    else:
        current_id = cluster_id_of(current)
        if current_id is None:
            raise RequestError('zk_cluster is required: the PARAMETERS of %s (id %d) %s'
                               % (label, row.id, problem or 'name no ZooKeeper cluster'))
        known = dict((c.id, c) for c in clusters)
        stored = current['zkCluster'].get('clusterName')
        cluster = known.get(current_id, Cluster(current_id, stored))
        if current_id not in known:
            warnings.append('%s uses ZooKeeper cluster id %d, which is not in AUTOKEEPER_CLUSTER (known: %s); '
                            'set zk_cluster' % (label, current_id,
                                                ', '.join('%d %s' % (c.id, c.name) for c in clusters) or 'none'))

    merged = merge_parameters(current, spec, cluster)
    text = dump_parameters(merged)

    if row is None:
        columns = [('NAME', spec.name), ('IP', spec.ip), ('PORT', spec.port), ('DESCRIPTION', spec.description),
                   ('PARAMETERS', text)]
        after = node_report(None, spec.name, spec.ip, spec.port, spec.description, merged, clusters)
        return NodePlan('create', columns, text, None, after, warnings)

    columns = []
    if row.ip != spec.ip:
        columns.append(('IP', spec.ip))
        warnings.append("node %d '%s' moves from %s to %s: restart it on its new host (conf/nid keeps %d)"
                        % (row.id, row.name, _address(row.ip, row.port), _address(spec.ip, spec.port), row.id))
    if int(row.port) != spec.port:
        columns.append(('PORT', spec.port))
    description = row.description
    if spec.description is not None and (row.description or '') != spec.description:
        columns.append(('DESCRIPTION', spec.description))
        description = spec.description
    parameters = None
    if problem or managed_view(current) != managed_view(merged):
        columns.append(('PARAMETERS', text))
        parameters = text
    else:
        merged = current
    before = node_report(row.id, row.name, row.ip, row.port, row.description, current, clusters)
    after = node_report(row.id, row.name, spec.ip, spec.port, description, merged, clusters)
    return NodePlan('update' if columns else 'none', columns, parameters, before, after, warnings)


def plan_nodes(rows, specs, clusters, readdress=False):
    """Plans for every declared node (state=present), in the order given; the identity rule is applied
    to each and to the declaration as a whole, so that nothing is written unless all of them fit.

    rows: every NODE row. Two declared nodes with one name, or that would share an IP and port once
    planned, are refused naming both."""
    names = {}
    for spec in specs:
        if spec.name in names:
            raise RequestError("node name '%s' is declared twice; a name names one node in the manager" % spec.name)
        names[spec.name] = spec
    plans = []
    for spec in specs:
        row = identify(rows, spec, readdress, names)
        plans.append((row, plan_node(row, spec, clusters)))
    taken = {}
    moved = set(row.id for row, _plan in plans if row is not None)
    for row in rows:
        if row.id not in moved:
            taken[(row.ip, int(row.port))] = "node %d '%s'" % (row.id, row.name)
    for row, plan in plans:
        address = (plan.after['ip'], plan.after['port'])
        label = "node '%s'" % plan.after['name']
        if address in taken:
            raise RequestError('%s and %s would both be at %s; a node\'s IP and port are its own, nothing was '
                               'changed' % (taken[address], label, _address(*address)))
        taken[address] = label
    return plans


def _pipeline_label(pipeline_id, pipelines):
    pipeline = pipelines.get(pipeline_id)
    if pipeline is None:
        return 'pipeline %d (not in PIPELINE)' % pipeline_id
    return pipeline_label(pipeline)


def plan_removal(node_id, node_rows, pipelines, pipeline_rows, known_node_ids):
    """What removing a node does to PIPELINE_NODE_RELATION.

    node_rows: the relation rows that reference the node (objects with id, pipeline_id, node_id,
    location). pipelines: {pipeline_id: Pipeline} of the existing pipelines among them.
    pipeline_rows: every relation row of those pipelines. known_node_ids: the IDs in NODE.

    A location is blocking when it holds the node now and would hold no existing node after its
    rows are gone; a location that has no existing node already is not made worse by the removal.
    Rows of pipelines that no longer exist block nothing: no one reads them.
    """
    uses = {}
    for row in node_rows:
        uses.setdefault(row.pipeline_id, set()).add(row.location)

    existing = sorted(pid for pid in uses if pid in pipelines)
    plan = plan_layout(existing, pipeline_rows, dict((loc, [node_id]) for loc in LOCATIONS), 'absent',
                       known_node_ids)
    blocking = {}
    for pipeline_id, location, now in plan.unserved:
        if node_id in now:
            blocking.setdefault(pipeline_id, set()).add(location)
    removed = sorted(set((r.pipeline_id, r.node_id, r.location) for r in node_rows),
                     key=lambda t: (t[0], location_order(t[2])))
    return RemovalPlan(sorted(r.id for r in node_rows), removed, _locations_text(uses, pipelines),
                       _locations_text(blocking, pipelines))


def _locations_text(locations, pipelines):
    """'channel/pipeline (pipeline N) SELECT, EXTRACT; ...' from {pipeline_id: set of locations}."""
    return '; '.join('%s %s' % (_pipeline_label(pid, pipelines), ', '.join(sorted(locations[pid], key=location_order)))
                     for pid in sorted(locations))
