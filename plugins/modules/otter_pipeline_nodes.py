#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_pipeline_nodes
short_description: Converge which Otter nodes run each pipeline stage (node high availability)
version_added: 1.0.0
description:
  - Manages the rows of the Otter manager table C(PIPELINE_NODE_RELATION), which list the nodes that run
    the C(SELECT), C(EXTRACT) and C(LOAD) stages of each pipeline.
  - Listing two or more nodes for every location of a pipeline is what Otter calls node high availability;
    ZooKeeper then elects one C(SELECT) node and the others stand by.
  - The whole call is one transaction. The C(PIPELINE) rows of the selected pipelines are locked before their
    relation rows are read, so concurrent runs on the same pipelines are serialised and never create duplicate
    rows, and the C(NODE) rows are share-locked, so no node the new layout uses can be removed under it. On any
    error nothing is written.
  - Refuses, before writing anything, when C(PIPELINE), C(PIPELINE_NODE_RELATION) or C(NODE) is not an InnoDB
    table (on MyISAM or Aria a failed run could not be rolled back and no lock would keep concurrent runs apart).
  - The manager UI's own pipeline edit writes without a transaction (it deletes the pipeline's rows, then inserts
    one row per node), so no lock can keep it apart from this module; the manager refuses that edit while the
    channel is started, so converge with the channel started, or before editing.
  - Rows are written as the manager writes them (explicit column list, C(NOW()) timestamps, values bound as
    parameters), so the module works under strict and non-strict C(sql_mode).
  - Running nodes pick up a changed layout only when the manager pushes the channel to them (stop and start the
    channel; its push action only for a change that adds nodes, see RV(changed_channels[].removes)) or when they
    restart. The rows the module writes are what that push sends.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - otter.ha.layout.selection
  - otter.ha.layout
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.state
options:
  state:
    description:
      - V(present) adds the nodes a managed location lacks and collapses duplicate rows of those nodes to the
        oldest row. Other rows are kept.
      - V(exact) makes each managed location list exactly the given nodes, once each. Rows of other nodes,
        duplicate rows and rows whose C(NODE_ID) does not exist in C(NODE) are deleted.
      - V(absent) deletes the rows of the given nodes from the managed locations.
      - Whatever the state, a run that would leave any location of a selected pipeline without a node that exists
        in C(NODE) fails and changes nothing.
    type: str
    choices: [present, exact, absent]
    default: present
  layouts:
    description:
      - Several layouts at once, converged in one transaction with one lock set - for example one entry per
        IDC pair or business of a fleet. Each entry declares pipelines and nodes as the top-level options do.
      - Two entries that manage one pipeline location with a different O(layouts[].state) or node set fail
        before anything is written, naming the pipeline and both entries.
      - Mutually exclusive with O(channel), O(pipeline), O(nodes), O(select_nodes), O(extract_nodes) and
        O(load_nodes).
    type: list
    elements: dict
    suboptions:
      name:
        description: A label for the entry in messages; C(layouts[N]) when not set.
        type: str
      channels:
        description: Channels whose pipelines the entry selects, as O(channel).
        type: list
        elements: str
      pipelines:
        description: Pipelines the entry selects, as O(pipeline).
        type: list
        elements: str
      nodes:
        description: Nodes for every location of the entry without a list of its own, as O(nodes).
        type: list
        elements: str
      select_nodes:
        description: Nodes for C(SELECT), as O(select_nodes).
        type: list
        elements: str
      extract_nodes:
        description: Nodes for C(EXTRACT), as O(extract_nodes).
        type: list
        elements: str
      load_nodes:
        description: Nodes for C(LOAD), as O(load_nodes).
        type: list
        elements: str
      locations:
        description: The locations the entry manages, as O(locations).
        type: list
        elements: str
        choices: [SELECT, EXTRACT, LOAD]
        default: [SELECT, EXTRACT, LOAD]
      state:
        description: As O(state), for this entry.
        type: str
        choices: [present, exact, absent]
        default: present
  planned_nodes:
    description:
      - Names of nodes that are not registered yet but will be before the real run, for example by
        M(otter.ha.otter_node) in the same play. In check mode, references to them resolve to placeholders with
        negative IDs, so that a plan that uses new nodes can be checked (references, conflicts, O(min_nodes))
        before anything is written.
      - Ignored outside check mode, where every node must exist.
    type: list
    elements: str
  only_channels:
    description:
      - IDs of channels (C(CHANNEL.ID)). The run converges only the selected pipelines of these channels and leaves
        every other selected pipeline as it is (not read, not locked, not changed), for example to converge a rolling
        apply one batch of stopped channels at a time.
      - Not set, every selected pipeline is converged. Must not be an empty list.
    type: list
    elements: int
  min_nodes:
    description:
      - The fewest distinct existing nodes every location of every selected pipeline must have after the run. A run
        that would leave a location with fewer fails before anything is written and names each such location.
      - V(1) refuses only a location left without any node, which is refused whatever this option says.
    type: int
    default: 1
  backup:
    description:
      - Before changing anything, save the current relation rows of the selected pipelines to a timestamped SQL
        file in O(backup_dir) on the host that runs the module. Feeding the file to the C(mysql) client puts the
        rows back exactly (same IDs and timestamps).
      - No file is written when nothing changes or in check mode.
    type: bool
    default: false
  backup_dir:
    description:
      - Directory for O(backup) files; created when missing.
    type: path
    default: ~/.otter_ha/backups
seealso:
  - module: otter.ha.otter_info
  - module: otter.ha.otter_node
'''

EXAMPLES = r'''
- name: Converge a two-IDC fleet in one transaction - each pipeline selects in its source IDC and loads in the other
  otter.ha.otter_pipeline_nodes:
    layouts:
      - name: master to slave
        pipelines: ["3"]
        select_nodes: [node-212, node-213]
        extract_nodes: [node-212, node-213]
        load_nodes: [node-214, node-215]
        state: exact
      - name: slave to master
        pipelines: ["4"]
        select_nodes: [node-214, node-215]
        extract_nodes: [node-214, node-215]
        load_nodes: [node-212, node-213]
        state: exact
    min_nodes: 2

- name: Run every stage of both pipelines of channel sync-ab on node-a and node-b
  otter.ha.otter_pipeline_nodes:
    login_host: otter-manager-db.example.com
    login_user: otter_ha
    login_password: "{{ otter_db_password }}"
    channel: sync-ab
    nodes: [node-a, node-b]
    state: exact

- name: Add node 3 to one pipeline's SELECT and EXTRACT stages only, by IDs
  otter.ha.otter_pipeline_nodes:
    pipeline: [7]
    nodes: [3]
    locations: [SELECT, EXTRACT]

- name: Preview the change with the rows that would be written (run with --check --diff)
  otter.ha.otter_pipeline_nodes:
    channel: [sync-ab]
    select_nodes: [node-a, node-b]
    extract_nodes: [node-a, node-b]
    load_nodes: [node-c, node-d]
    state: exact
  check_mode: true
  register: preview

- name: Take node-c out of every stage of a channel, saving the rows first
  otter.ha.otter_pipeline_nodes:
    channel: [sync-ab]
    nodes: [node-c]
    state: absent
    backup: true
'''

RETURN = r'''
changed:
  description: Whether rows were (in check mode, would be) inserted or deleted.
  returned: always
  type: bool
layouts:
  description:
    - The selected pipelines after the run, grouped by identical node sets per location, so that the result stays
      compact however many pipelines share a layout. Every selected pipeline is in exactly one entry.
    - M(otter.ha.otter_info) returns the same layout pipeline by pipeline, with names.
  returned: success
  type: list
  elements: dict
  contains:
    pipelines:
      description: C(PIPELINE.ID) of each pipeline with this layout, sorted.
      type: list
      elements: int
    nodes:
      description: C(SELECT), C(EXTRACT) and C(LOAD), each a sorted list of node IDs, each once.
      type: dict
  sample:
    - pipelines: [1, 2]
      nodes: {SELECT: [1, 2], EXTRACT: [1, 2], LOAD: [1, 2]}
changes:
  description:
    - What the run changes (in check mode, would change), grouped by identical change - one entry per location and
      set of node IDs added and removed, with the pipelines it applies to; empty when nothing changes.
  returned: success
  type: list
  elements: dict
  contains:
    location:
      description: C(SELECT), C(EXTRACT) or C(LOAD).
      type: str
    added:
      description: IDs of the nodes the location gains, sorted.
      type: list
      elements: int
    removed:
      description: IDs of the nodes the location no longer lists, sorted.
      type: list
      elements: int
    pipelines:
      description: C(PIPELINE.ID) of each pipeline with this change, sorted.
      type: list
      elements: int
  sample: [{location: SELECT, added: [2], removed: [9], pipelines: [1, 2]}]
removed_duplicates:
  description: IDs of rows deleted because an older row holds the same triple.
  returned: success
  type: list
  elements: int
  sample: [17, 18]
changed_channels:
  description:
    - The channels of the pipelines whose rows changed (in check mode, would change); their running nodes use the new
      layout only once the channel is pushed or restarted.
    - The module stamps those pipelines' C(PIPELINE.GMT_MODIFIED), as the manager's own edit does, so that
      M(otter.ha.otter_zk_info) reports the channel as C(push_pending) until it is started again - on any later
      run, from any controller.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(CHANNEL.ID).
      type: int
    name:
      description: C(CHANNEL.NAME).
      type: str
    removes:
      description:
        - Whether the change takes a node out of a location. Such a change must reach the nodes by stopping and
          starting the channel, never by a push - the manager pushes only to the live nodes of the new layout, so a
          removed node would keep its tasks.
      type: bool
  sample: [{id: 1, name: sync-ab, removes: false}]
executed_queries:
  description:
    - The statements that changed (in check mode, would change) the database, with values rendered. Reads are
      not listed; a run that changes nothing has none.
    - On failure, the statements sent before the failure; they were rolled back.
  returned: always
  type: list
  elements: str
  sample:
    - "INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
      VALUES (2, 1, 'SELECT', NOW(), NOW())"
backup_file:
  description: The backup file written before the change.
  returned: when O(backup=true) and rows changed outside check mode
  type: str
  sample: /root/.otter_ha/backups/otter-relations-20261125T193000.123456.sql
diff:
  description: Before and after layout of the selected pipelines, as text, each node by ID and name.
  returned: when diff mode is on
  type: dict
'''

import datetime
import os
from collections import namedtuple

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.otter.ha.plugins.module_utils.argspec import (
    check_database_params, database_spec, layout_spec, selection_spec)
from ansible_collections.otter.ha.plugins.module_utils.audit import audit_findings, clean_layout
from ansible_collections.otter.ha.plugins.module_utils.errors import OtterError, RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.layout import (
    OVERRIDES, changed_pipelines, changes_report, layout_text, layouts_report, merge_wants, plan_fleet,
    requested_nodes, rows_after)
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import Node, describe_node, nodes_label, pipeline_label
from ansible_collections.otter.ha.plugins.module_utils.references import resolve, resolve_pipelines
from ansible_collections.otter.ha.plugins.module_utils.sql import (
    begin_read_only, delete_relations, insert_relations, read_nodes, read_relations, read_selection,
    relations_restore_sql, touch_pipelines)

# The tables a converge writes or locks: each must be transactional.
WRITES = ('NODE', 'PIPELINE', 'PIPELINE_NODE_RELATION')


def argument_spec():
    spec = database_spec()
    spec.update(selection_spec())
    spec.update(layout_spec('present'))
    entry = dict(name=dict(type='str'), channels=dict(type='list', elements='str'),
                 pipelines=dict(type='list', elements='str'))
    entry.update(layout_spec('present'))
    spec.update(
        layouts=dict(type='list', elements='dict', options=entry),
        min_nodes=dict(type='int', default=1),
        planned_nodes=dict(type='list', elements='str'),
        only_channels=dict(type='list', elements='int'),
        backup=dict(type='bool', default=False),
        backup_dir=dict(type='path', default='~/.otter_ha/backups'),
    )
    return spec


Entry = namedtuple('Entry', ['label', 'channels', 'pipelines', 'requested', 'state'])


def _entry(label, channels, pipelines, params):
    for option, value in (('channels', channels), ('pipelines', pipelines)):
        if value is not None and not value:
            raise RequestError('%s: %s must not be an empty list' % (label, option))
    if not channels and not pipelines:
        raise RequestError('%s selects no pipeline: set channels or pipelines' % label)
    try:
        requested = requested_nodes(params['locations'], params['nodes'],
                                    dict((option, params[option]) for _loc, option in OVERRIDES))
    except RequestError as exc:
        raise RequestError('%s: %s' % (label, exc))
    return Entry(label, channels, pipelines, requested, params['state'])


def parse_request(params):
    """The layouts this task asks for, as Entry tuples; every mistake that needs no database
    raises here, so a wrong task fails before connecting."""
    check_database_params(params)
    if '\x00' in params['backup_dir']:
        raise RequestError('backup_dir %r contains a NUL character' % params['backup_dir'])
    if params['min_nodes'] < 1:
        raise RequestError('min_nodes must be at least 1, got %d' % params['min_nodes'])
    if params['only_channels'] is not None and not params['only_channels']:
        raise RequestError('only_channels must not be an empty list')
    if params['layouts'] is None:
        for option in ('channel', 'pipeline'):
            if params[option] is not None and not params[option]:
                raise RequestError('%s must not be an empty list' % option)
        try:
            return [_entry('the task', params['channel'], params['pipeline'], params)]
        except RequestError as exc:
            raise RequestError(str(exc).replace('the task: ', '', 1))
    if not params['layouts']:
        raise RequestError('layouts must list at least one layout')
    entries = []
    for index, item in enumerate(params['layouts']):
        label = 'layouts[%d]%s' % (index, " ('%s')" % item['name'] if item.get('name') else '')
        entries.append(_entry(label, item['channels'], item['pipelines'], item))
    return entries


def unserved_message(unserved, pipelines):
    by_id = dict((p.id, p) for p in pipelines)
    parts = []
    for pipeline_id, location, now in unserved:
        parts.append('%s %s%s' % (pipeline_label(by_id[pipeline_id]), location,
                                  ' (has node %s now)' % ', '.join(str(n) for n in now) if now
                                  else ' (has no node now either)'))
    return 'refusing to leave a pipeline location without a node, nothing was changed: %s' % '; '.join(parts)


def under_message(under, pipelines, names, min_nodes):
    by_id = dict((p.id, p) for p in pipelines)
    parts = ['%s %s (%s)' % (pipeline_label(by_id[pid]), location, nodes_label(left, names))
             for pid, location, left in under]
    return ('refusing to leave a pipeline location with fewer than min_nodes=%d nodes, nothing was changed: %s'
            % (min_nodes, '; '.join(parts)))


def write_backup(directory, db, pipelines, rows):
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        stamp = datetime.datetime.now().strftime('%Y%m%dT%H%M%S.%f')
        path = os.path.join(directory, 'otter-relations-%s.sql' % stamp)
        content = relations_restore_sql(db, [p.id for p in pipelines], rows)
        with open(path, 'w') as handle:
            handle.write(content)
    except (IOError, OSError, ValueError) as exc:
        raise OtterError("cannot write the backup to backup_dir '%s': %s; nothing was changed"
                         % (directory, to_native(exc)))
    return path


def planned(names, nodes):
    """Placeholders (negative IDs) for the planned nodes that NODE does not hold yet."""
    known = set(n.name for n in nodes)
    new = [name for name in dict.fromkeys(names) if name not in known]
    return [Node(-index, name, '(planned)', 0, None, None) for index, name in enumerate(new, 1)]


def _all_refs(entries, key):
    refs = [ref for entry in entries for ref in (getattr(entry, key) or [])]
    return refs if any(getattr(entry, key) is not None for entry in entries) else None


def only_channels(resolved, channel_ids):
    """The resolved entries with their pipelines cut down to those of channel_ids (None: all of them)."""
    if channel_ids is None:
        return resolved
    keep = set(channel_ids)
    return [([p for p in selected if p.channel_id in keep], desired, state) for selected, desired, state in resolved]


def converge(module, entries, db):
    params = module.params
    real = not module.check_mode
    if not real:
        begin_read_only(db)
    nodes = read_nodes(db, lock='share', writes=WRITES)
    if not real and params['planned_nodes']:
        nodes = nodes + planned(params['planned_nodes'], nodes)
    channels, candidates = read_selection(db, _all_refs(entries, 'channels'), _all_refs(entries, 'pipelines'))
    resolved = []
    for entry in entries:
        prefix = '' if len(entries) == 1 and params['layouts'] is None else entry.label + ': '
        try:
            desired = dict((loc, [n.id for n in resolve(refs, nodes, 'node', option, table='NODE',
                                                        describe=describe_node)])
                           for loc, (option, refs) in entry.requested.items())
            selected = resolve_pipelines(entry.channels, entry.pipelines, channels, candidates)
        except RequestError as exc:
            raise RequestError(prefix + str(exc))
        resolved.append((selected, desired, entry.state))
    resolved = only_channels(resolved, params['only_channels'])
    wants = merge_wants(resolved, lambda index: entries[index].label)
    pipelines = sorted(dict((p.id, p) for selected, _d, _s in resolved for p in selected).values(), key=lambda p: p.id)
    rows = read_relations(db, pipelines, lock=real, timestamps=params['backup'] and real)

    names = dict((n.id, n.name) for n in nodes)
    plan = plan_fleet([p.id for p in pipelines], rows, wants, names, params['min_nodes'])
    if plan.unserved:
        raise RequestError(unserved_message(plan.unserved, pipelines))
    if plan.under:
        raise RequestError(under_message(plan.under, pipelines, names, params['min_nodes']))

    result = dict(changed=bool(plan.inserts or plan.deletes))
    if result['changed'] and params['backup'] and real:
        result['backup_file'] = write_backup(params['backup_dir'], db, pipelines, rows)
    delete_relations(db, plan.deletes)
    insert_relations(db, plan.inserts)
    touched = set(changed_pipelines(plan))
    touch_pipelines(db, touched)
    if result['changed']:
        db.commit()

    # The warnings are the audit of the layout the run leaves. Most pipelines of a converged fleet have
    # no finding, which clean_layout tells from the planned node IDs: only the others are audited row by row.
    suspects = [p for p in pipelines if not clean_layout(plan.after[p.id], names, 1)]
    if suspects:
        suspect_ids = frozenset(p.id for p in suspects)
        for found in audit_findings(suspects, rows_after(rows, plan, suspect_ids), names, 1):
            module.warn(found['message'])
    losing = set(pid for pid, _node, _loc in plan.removed)
    changed_channels = {}
    for pipeline in pipelines:
        if pipeline.id in touched:
            entry = changed_channels.setdefault(
                pipeline.channel_id, dict(id=pipeline.channel_id, name=pipeline.channel_name, removes=False))
            entry['removes'] = entry['removes'] or pipeline.id in losing
    result.update(
        layouts=layouts_report([p.id for p in pipelines], plan.after),
        changes=changes_report(plan.added, plan.removed),
        removed_duplicates=plan.duplicates,
        changed_channels=[changed_channels[cid] for cid in sorted(changed_channels)],
    )
    if module._diff:
        result['diff'] = dict(before=layout_text(pipelines, plan.before, names),
                              after=layout_text(pipelines, plan.after, names))
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[('channel', 'pipeline', 'layouts')],
        mutually_exclusive=[('layouts', option)
                            for option in ('channel', 'pipeline', 'nodes', 'select_nodes', 'extract_nodes', 'load_nodes')],
        supports_check_mode=True,
    )
    run_module(module, parse_request, (Database,), converge)


if __name__ == '__main__':
    main()
