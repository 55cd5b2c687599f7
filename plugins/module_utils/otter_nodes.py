# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Node registration: the NODE row of one Otter node, its PARAMETERS JSON and the ZooKeeper
cluster it names. The planning functions are pure (no database, no Ansible); the functions that
take ``db`` hold every query this needs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from collections import namedtuple

from ansible_collections.otter.ha.plugins.module_utils.otter_db import OtterError, placeholders
from ansible_collections.otter.ha.plugins.module_utils.otter_layout import LOCATIONS, plan_layout
from ansible_collections.otter.ha.plugins.module_utils.otter_model import Pipeline, Relation, ref_id

NodeRow = namedtuple('NodeRow', ['id', 'name', 'ip', 'port', 'description', 'parameters'])
Cluster = namedtuple('Cluster', ['id', 'name'])

# What the task declares, validated: see node_spec().
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


# ---------------------------------------------------------------------------------------------
# What the task declares

def _check_text(option, value, required=True):
    if value is None:
        return None
    if required and not value.strip():
        raise OtterError('%s must not be empty, got %r' % (option, value))
    if len(value) > NAME_MAX:
        raise OtterError("%s '%s...' is %d characters long; NODE stores at most %d"
                         % (option, value[:40], len(value), NAME_MAX))
    return value


def _check_port(option, value, how=''):
    if not PORT_MIN <= value <= PORT_MAX:
        raise OtterError('%s %d%s is not a TCP port (%d..%d)' % (option, value, how, PORT_MIN, PORT_MAX))
    return value


def node_spec(params):
    """The node the task declares, from module parameters; every check that needs no database.

    download_port and mbean_port default to port + 1 and port + 2, as the manager's node form
    fills them in when left empty.
    """
    name = _check_text('name', params['name'])
    ip = _check_text('ip', params['ip'])
    for option, value in (('name', name), ('ip', ip)):
        # NAME and IP are the node's identity; the server ignores trailing spaces when it compares
        # them, so a padded value would silently address another spelling of the node.
        if value != value.strip():
            raise OtterError("%s '%s' has leading or trailing whitespace" % (option, value))
    port = _check_port('port', params['port'])
    if params.get('download_port') is None:
        download_port = _check_port('download_port', port + 1, ' (port + 1)')
    else:
        download_port = _check_port('download_port', params['download_port'])
    if params.get('mbean_port') is None:
        mbean_port = _check_port('mbean_port', port + 2, ' (port + 2)')
    else:
        mbean_port = _check_port('mbean_port', params['mbean_port'])
    ports = (('port', port), ('download_port', download_port), ('mbean_port', mbean_port))
    for index, (option, value) in enumerate(ports):
        for other, other_value in ports[index + 1:]:
            if value == other_value:
                raise OtterError('%s and %s are both %d; the node listens on each of them separately'
                                 % (option, other, value))
    zk_cluster = params.get('zk_cluster')
    if zk_cluster is not None and not zk_cluster.strip():
        raise OtterError('zk_cluster must not be empty, got %r' % zk_cluster)
    use_external_ip = bool(params.get('use_external_ip'))
    external_ip = params.get('external_ip')
    if external_ip is not None:
        if external_ip != external_ip.strip():
            raise OtterError("external_ip '%s' has leading or trailing whitespace" % external_ip)
        _check_text('external_ip', external_ip, required=False)
    if use_external_ip and not external_ip:
        raise OtterError('use_external_ip is true but external_ip is %s'
                         % ('empty' if external_ip == '' else 'not set'))
    description = _check_text('description', params.get('description'), required=False)
    return NodeSpec(name, ip, port, download_port, mbean_port, zk_cluster, use_external_ip, external_ip,
                    description)


def resolve_cluster(ref, clusters):
    """The AUTOKEEPER_CLUSTER a reference names: an ID when written in digits and a cluster has
    that ID, otherwise a CLUSTER_NAME, which must then be unique."""
    by_id = dict((c.id, c) for c in clusters)
    ident = ref_id(ref)
    if ident in by_id:
        return by_id[ident]
    matches = [c for c in clusters if c.name == str(ref)]
    if len(matches) == 1:
        return matches[0]
    known = ', '.join('%d %s' % (c.id, c.name) for c in clusters) or 'none, add one in the manager first'
    if matches:
        raise OtterError("zk_cluster '%s' is ambiguous, it matches clusters %s; use the cluster ID"
                         % (ref, ', '.join(str(c.id) for c in matches)))
    raise OtterError("zk_cluster '%s' not found in AUTOKEEPER_CLUSTER (known: %s)" % (ref, known))


# ---------------------------------------------------------------------------------------------
# PARAMETERS: NodeParameter as fastjson writes it

def parse_parameters(text):
    """(dict, problem): the PARAMETERS object, and None or a sentence saying why it is unusable
    (the dict is then empty). NULL or an empty text is an empty object, as the manager reads it."""
    if text is None or not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return {}, 'is not valid JSON (%s)' % exc
    if not isinstance(value, dict):
        return {}, 'is JSON but not an object'
    return value, None


def dump_parameters(parameters):
    """Compact JSON with keys in alphabetical order, as fastjson writes NodeParameter."""
    return json.dumps(parameters, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


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
    if isinstance(value, str) and ref_id(value) is not None:
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
    """PARAMETERS with the declared values: keys this collection does not manage are kept, and
    so is the zkCluster object when it already names the declared cluster."""
    merged = dict(current)
    merged['downloadPort'] = spec.download_port
    merged['mbeanPort'] = spec.mbean_port
    merged['useExternalIp'] = spec.use_external_ip
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


def check_identity(row, spec):
    """The row found by (NAME, IP) must be spelt as declared. NODE's collation ignores case (and
    accents, and trailing spaces), so 'Node-A' finds 'node-a': adopting that row would rename or
    delete a node the task did not name."""
    if row is not None and (row.name != spec.name or row.ip != spec.ip):
        raise OtterError("name '%s' and ip '%s' match node %d, registered as name '%s' and ip '%s', because the "
                         "unique key NODEUNIQUE compares them case-insensitively; declare the node as it is "
                         "registered" % (spec.name, spec.ip, row.id, row.name, row.ip))


def plan_node(row, spec, clusters):
    """What state=present does to the NODE row of (name, ip).

    row: the current NodeRow or None. clusters: every AUTOKEEPER_CLUSTER as Cluster.
    The task's zk_cluster wins; without it an existing node keeps its cluster and a new node
    cannot be created. PARAMETERS is compared field by field (managed_view), never as text.
    """
    check_identity(row, spec)
    warnings = []
    current, problem = parse_parameters(row.parameters) if row is not None else ({}, None)
    label = "node '%s'@%s" % (spec.name, spec.ip)
    if problem:
        warnings.append('PARAMETERS of %s (id %d) %s; it is rewritten from the declared values'
                        % (label, row.id, problem))

    if spec.zk_cluster is not None:
        cluster = resolve_cluster(spec.zk_cluster, clusters)
    elif row is None:
        raise OtterError('zk_cluster is required to create %s: it is the ZooKeeper cluster the node '
                         'uses (an AUTOKEEPER_CLUSTER ID or CLUSTER_NAME; known: %s)'
                         % (label, ', '.join('%d %s' % (c.id, c.name) for c in clusters) or 'none'))
    else:
        current_id = cluster_id_of(current)
        if current_id is None:
            raise OtterError('zk_cluster is required: the PARAMETERS of %s (id %d) %s'
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
    after = node_report(row.id, row.name, row.ip, spec.port, description, merged, clusters)
    return NodePlan('update' if columns else 'none', columns, parameters, before, after, warnings)


def _pipeline_label(pipeline_id, pipelines):
    pipeline = pipelines.get(pipeline_id)
    if pipeline is None:
        return 'pipeline %d (not in PIPELINE)' % pipeline_id
    return '%s/%s (pipeline %d)' % (pipeline.channel_name or '?', pipeline.name, pipeline_id)


def _location_key(location):
    return (LOCATIONS.index(location) if location in LOCATIONS else len(LOCATIONS), location)


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
    for pipeline_id, location, now in plan.empty:
        if node_id in now:
            blocking.setdefault(pipeline_id, set()).add(location)
    removed = sorted(set((r.pipeline_id, r.node_id, r.location) for r in node_rows),
                     key=lambda t: (t[0], _location_key(t[2])))
    return RemovalPlan(sorted(r.id for r in node_rows), removed, _locations_text(uses, pipelines),
                       _locations_text(blocking, pipelines))


def _locations_text(locations, pipelines):
    """'channel/pipeline (pipeline N) SELECT, EXTRACT; ...' from {pipeline_id: set of locations}."""
    return '; '.join('%s %s' % (_pipeline_label(pid, pipelines), ', '.join(sorted(locations[pid], key=_location_key)))
                     for pid in sorted(locations))


# ---------------------------------------------------------------------------------------------
# Queries

def read_clusters(db):
    return [Cluster(int(r[0]), r[1]) for r in db.fetch('SELECT ID, CLUSTER_NAME FROM AUTOKEEPER_CLUSTER ORDER BY ID')]


def lock_node(db, name, ip):
    """The NODE row of (NAME, IP), locked until the transaction ends, or None. The lock on the
    unique key also holds off a concurrent run that would insert the same node."""
    rows = db.fetch('SELECT ID, NAME, IP, PORT, DESCRIPTION, PARAMETERS FROM NODE WHERE NAME = %s AND IP = %s '
                    'FOR UPDATE', (name, ip))
    if not rows:
        return None
    r = rows[0]
    return NodeRow(int(r[0]), r[1], r[2], int(r[3]), r[4], r[5])


def read_node_ids(db):
    return set(int(r[0]) for r in db.fetch('SELECT ID FROM NODE'))


def lock_node_relations(db, node_id):
    """The relation rows that reference a node, as a locking read. NODE_ID has no index, so the
    server locks the whole table until the transaction ends: no relation row for the node can
    appear between this read and the delete."""
    rows = db.fetch('SELECT ID, PIPELINE_ID, NODE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED FROM PIPELINE_NODE_RELATION '
                    'WHERE NODE_ID = %s ORDER BY ID FOR UPDATE', (node_id,))
    return [Relation(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5]) for r in rows]


def read_pipelines(db, pipeline_ids):
    """{id: Pipeline} of the pipelines among these IDs that exist."""
    ids = sorted(set(pipeline_ids))
    if not ids:
        return {}
    rows = db.fetch('SELECT p.ID, p.NAME, p.CHANNEL_ID, c.NAME FROM PIPELINE p LEFT JOIN CHANNEL c ON c.ID = '
                    'p.CHANNEL_ID WHERE p.ID IN (%s) ORDER BY p.ID' % placeholders(ids), ids)
    return dict((int(r[0]), Pipeline(int(r[0]), r[1], int(r[2]), r[3])) for r in rows)


def insert_node(db, columns):
    """INSERT the node with the manager's column list; returns its ID (None in check mode)."""
    names = [c for c, _v in columns]
    db.write('INSERT INTO NODE (%s, GMT_CREATE, GMT_MODIFIED) VALUES (%s, NOW(), NOW())'
             % (', '.join(names), placeholders(names)), [v for _c, v in columns])
    if db.check_mode:
        return None
    return int(db.fetch('SELECT LAST_INSERT_ID()')[0][0])


def update_node(db, node_id, columns):
    db.write('UPDATE NODE SET %s, GMT_MODIFIED = NOW() WHERE ID = %%s' % ', '.join('%s = %%s' % c for c, _v in columns),
             [v for _c, v in columns] + [node_id])


def delete_node(db, node_id):
    db.write('DELETE FROM NODE WHERE ID = %s', (node_id,))
