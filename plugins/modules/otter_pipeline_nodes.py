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
    rows. On any error nothing is written.
  - Rows are written as the manager writes them (explicit column list, C(NOW()) timestamps, values bound as
    parameters), so the module works under strict and non-strict C(sql_mode).
  - Running nodes pick up a changed layout only when the manager pushes the channel to them (stop and start the
    channel, or use its push action) or when they restart. The rows the module writes are what that push sends.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - action_common_attributes
attributes:
  check_mode:
    support: full
    details: Check mode runs the same reads and the same plan and reports the statements it would run.
  diff_mode:
    support: full
    details: The diff shows each selected pipeline's nodes per location before and after, in check mode too.
  platform:
    platforms: posix
options:
  channel:
    description:
      - Channels, by C(CHANNEL.ID) or C(CHANNEL.NAME), whose pipelines are selected.
      - When O(pipeline) is set too, the channels only scope it, see O(pipeline).
      - A value written in digits is an ID when a channel has that ID, otherwise a name.
      - At least one of O(channel) and O(pipeline) is required.
    type: list
    elements: str
  pipeline:
    description:
      - Pipelines, by C(PIPELINE.ID) or C(PIPELINE.NAME), to select.
      - A name is looked up inside the channels of O(channel) when that is set, otherwise in every channel; a
        name that matches more than one pipeline fails and lists the candidates.
      - A pipeline given by ID must belong to one of the channels of O(channel) when that is set.
    type: list
    elements: str
  nodes:
    description:
      - Nodes, by C(NODE.ID) or C(NODE.NAME), for every location in O(locations) that has no list of its own
        (O(select_nodes), O(extract_nodes), O(load_nodes)).
      - C(NODE.NAME) alone is not unique; a name shared by two nodes fails and lists them, use the ID then.
    type: list
    elements: str
  locations:
    description:
      - The locations (stages) this task manages. Locations not listed are left as they are.
    type: list
    elements: str
    choices: [SELECT, EXTRACT, LOAD]
    default: [SELECT, EXTRACT, LOAD]
  select_nodes:
    description:
      - Nodes for the C(SELECT) location, instead of O(nodes). C(SELECT) must be in O(locations).
      - The manager UI sets C(EXTRACT) from the C(SELECT) picker, so keeping the two equal survives a later UI edit.
    type: list
    elements: str
  extract_nodes:
    description:
      - Nodes for the C(EXTRACT) location, instead of O(nodes). C(EXTRACT) must be in O(locations).
    type: list
    elements: str
  load_nodes:
    description:
      - Nodes for the C(LOAD) location (which also runs the transform stage), instead of O(nodes).
        C(LOAD) must be in O(locations).
    type: list
    elements: str
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
  lock_timeout:
    description:
      - Seconds to wait for row locks held by other sessions (C(innodb_lock_wait_timeout) of this session).
      - When not set, the server's setting applies (50 seconds by default).
    type: int
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
layout:
  description: Each selected pipeline with its node IDs per location after the run, sorted, each once.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: C(PIPELINE.ID).
      type: int
    name:
      description: C(PIPELINE.NAME).
      type: str
    channel:
      description: The pipeline's channel, C(id) and C(name).
      type: dict
    nodes:
      description: C(SELECT), C(EXTRACT) and C(LOAD), each a sorted list of node IDs.
      type: dict
  sample:
    - id: 1
      name: a-to-b
      channel: {id: 1, name: sync-ab}
      nodes: {SELECT: [1, 2], EXTRACT: [1, 2], LOAD: [1, 2]}
added:
  description: The (pipeline, node, location) triples inserted.
  returned: success
  type: list
  elements: dict
  sample: [{pipeline_id: 1, node_id: 2, location: SELECT}]
removed:
  description: The (pipeline, node, location) triples that no longer exist after the run.
  returned: success
  type: list
  elements: dict
  sample: [{pipeline_id: 1, node_id: 9, location: LOAD}]
removed_duplicates:
  description: IDs of rows deleted because an older row holds the same triple.
  returned: success
  type: list
  elements: int
  sample: [17, 18]
changed_channels:
  description: The channels of the pipelines whose rows changed; their nodes need a push or restart to use them.
  returned: success
  type: list
  elements: dict
  sample: [{id: 1, name: sync-ab}]
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
  description: Before and after layout of the selected pipelines, as text.
  returned: when diff mode is on
  type: dict
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.otter.ha.plugins.module_utils.otter_db import (
    OtterError, connection_argument_spec, run_module)
from ansible_collections.otter.ha.plugins.module_utils.otter_layout import (
    LOCATIONS, OVERRIDES, LayoutRequestError, changed_pipelines, layout_report, layout_text, plan_layout,
    requested_nodes, triples_report)
from ansible_collections.otter.ha.plugins.module_utils.otter_model import (
    delete_relations, insert_relations, lock_and_read_relations, read_nodes, read_selection,
    relations_restore_sql, resolve_nodes, resolve_selection)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        channel=dict(type='list', elements='str'),
        pipeline=dict(type='list', elements='str'),
        nodes=dict(type='list', elements='str'),
        locations=dict(type='list', elements='str', choices=list(LOCATIONS), default=list(LOCATIONS)),
        select_nodes=dict(type='list', elements='str'),
        extract_nodes=dict(type='list', elements='str'),
        load_nodes=dict(type='list', elements='str'),
        state=dict(type='str', choices=['present', 'exact', 'absent'], default='present'),
        lock_timeout=dict(type='int'),
        backup=dict(type='bool', default=False),
        backup_dir=dict(type='path', default='~/.otter_ha/backups'),
    )
    return spec


def check_request(params):
    """The layout this task asks for, {location: (option, references)}; every mistake that needs
    no database raises here, so a wrong task fails before connecting."""
    for option in ('channel', 'pipeline'):
        if params[option] is not None and not params[option]:
            raise OtterError('%s must not be an empty list' % option)
    if params['lock_timeout'] is not None and params['lock_timeout'] < 1:
        raise OtterError('lock_timeout must be at least 1 second, got %d' % params['lock_timeout'])
    try:
        return requested_nodes(params['locations'], params['nodes'],
                               dict((option, params[option]) for _loc, option in OVERRIDES))
    except LayoutRequestError as exc:
        raise OtterError(str(exc))


def empty_location_message(empty, pipelines):
    by_id = dict((p.id, p) for p in pipelines)
    parts = []
    for pipeline_id, location, now in empty:
        pipeline = by_id[pipeline_id]
        parts.append('%s/%s (pipeline %d) %s%s' % (
            pipeline.channel_name, pipeline.name, pipeline_id, location,
            ' (has node %s now)' % ', '.join(str(n) for n in now) if now else ' (has no node now either)'))
    return ('refusing to leave a pipeline location without a node, nothing was changed: %s'
            % '; '.join(parts))


def layout_warnings(pipelines, after, known_node_ids):
    warnings = []
    for pipeline in pipelines:
        locations = after[pipeline.id]
        label = '%s/%s (pipeline %d)' % (pipeline.channel_name, pipeline.name, pipeline.id)
        if set(locations['SELECT']) != set(locations['EXTRACT']):
            warnings.append('%s: EXTRACT nodes %s differ from SELECT nodes %s; the manager UI sets EXTRACT from '
                            'the SELECT picker, so the next edit of this pipeline in the UI rewrites EXTRACT'
                            % (label, sorted(set(locations['EXTRACT'])), sorted(set(locations['SELECT']))))
        dangling = sorted(set(n for loc in LOCATIONS for n in locations[loc] if n not in known_node_ids))
        if dangling:
            warnings.append('%s keeps rows for node IDs %s, which do not exist in NODE; state=exact deletes them'
                            % (label, dangling))
        odd = sorted(loc for loc in locations if loc not in LOCATIONS)
        if odd:
            warnings.append('%s has rows with LOCATION %s, which the manager cannot read; delete them by hand'
                            % (label, ', '.join(repr(loc) for loc in odd)))
    return warnings


def write_backup(module, db, pipelines, rows):
    directory = module.params['backup_dir']
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        stamp = datetime.datetime.now().strftime('%Y%m%dT%H%M%S.%f')
        path = os.path.join(directory, 'otter-relations-%s.sql' % stamp)
        content = relations_restore_sql(db, [p.id for p in pipelines], rows)
        with open(path, 'w') as handle:
            handle.write(content)
    except (IOError, OSError) as exc:
        raise OtterError("cannot write the backup to backup_dir '%s': %s; nothing was changed"
                         % (directory, to_native(exc)))
    return path


def converge(module, db, requested):
    params = module.params
    if params['lock_timeout'] is not None:
        db.set_lock_timeout(params['lock_timeout'])

    nodes = read_nodes(db)
    desired = dict((loc, resolve_nodes(refs, nodes, option)) for loc, (option, refs) in requested.items())
    pipelines = resolve_selection(params['channel'], params['pipeline'],
                                  read_selection(db, params['channel'], params['pipeline']))
    rows = lock_and_read_relations(db, pipelines, timestamps=params['backup'] and not module.check_mode)
    pipeline_ids = [p.id for p in pipelines]

    known = set(n.id for n in nodes)
    plan = plan_layout(pipeline_ids, rows, desired, params['state'], known)
    if plan.empty:
        raise OtterError(empty_location_message(plan.empty, pipelines))

    result = dict(changed=bool(plan.inserts or plan.deletes))
    if result['changed'] and params['backup'] and not module.check_mode:
        result['backup_file'] = write_backup(module, db, pipelines, rows)
    delete_relations(db, plan.deletes)
    insert_relations(db, plan.inserts)
    if result['changed']:
        db.commit()

    touched = set(changed_pipelines(plan))
    channels = dict((p.channel_id, p.channel_name) for p in pipelines if p.id in touched)
    for warning in layout_warnings(pipelines, plan.after, known):
        module.warn(warning)
    result.update(
        layout=layout_report(pipelines, plan.after),
        added=triples_report(plan.added),
        removed=triples_report(plan.removed),
        removed_duplicates=plan.duplicates,
        changed_channels=[dict(id=cid, name=channels[cid]) for cid in sorted(channels)],
    )
    if module._diff:
        result['diff'] = dict(before=layout_text(pipelines, plan.before), after=layout_text(pipelines, plan.after))
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[('channel', 'pipeline')],
        supports_check_mode=True,
    )
    run_module(module, check_request, converge)


if __name__ == '__main__':
    main()
