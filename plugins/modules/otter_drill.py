#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_drill
short_description: A timed failover drill of one Otter pipeline - check, release or observe its SELECT takeover
version_added: 2.0.0
description:
  - Proves that a pipeline's node HA works by making its C(SELECT) lock (mainstem) change hands and timing what
    ZooKeeper shows, step by step, each step within a bound; the play C(otter.ha.drill) runs it for every pipeline
    of a channel, one at a time.
  - O(mode=check) refuses unless the channel is C(START), the lock is held by one of the pipeline's C(SELECT) nodes
    and another C(SELECT) node is alive to take over; it reports the holder and the standbys.
  - O(mode=release) releases the lock as the manager's switch does (a compare-and-set of C(active=false),
    C(SystemArbitrateEvent.switchWarmup)), then observes the takeover. When the old holder wins the lock back (every
    node competes after the same delay), it releases again, up to O(retries) times.
  - O(mode=observe) observes a takeover after the holder node was stopped by other means - the play runs the
    node's C(bin/stop.sh) on its host - from O(since) on - the holder's C(/otter/node/{nid}) vanishing first.
  - The steps observed - the holder's node znode gone (O(mode=observe)); the lock back, held by another
    C(SELECT) node of the layout; its C(TAKEING) turning into C(OVERTAKE); the channel C(START); no C(process)
    znode left owned by the old holder. Each has a bound, counted from the step before; the first step that misses
    its bound fails the task, naming it, with the timeline so far.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - otter.ha.zookeeper
  - action_common_attributes
  - otter.ha.attributes
attributes:
  check_mode:
    support: full
    details: In check mode every mode only checks the preconditions (as O(mode=check)); nothing is released.
  diff_mode:
    support: none
options:
  pipeline:
    description: The pipeline, by C(PIPELINE.ID) or C(PIPELINE.NAME) (a name must be unique), following the collection's reference rule.
    type: str
    required: true
  mode:
    description:
      - V(check) checks the preconditions; V(release) releases the lock and observes the takeover; V(observe)
        observes the takeover after O(holder) was stopped.
    type: str
    choices: [check, release, observe]
    default: check
  holder:
    description: With O(mode=observe), the node ID that held the lock when it was stopped.
    type: int
  since:
    description: With O(mode=observe), when the holder was stopped, in seconds since the epoch; now when not set.
    type: float
  retries:
    description: With O(mode=release), how many times to release at most while the old holder wins the lock back.
    type: int
    default: 5
  node_gone_timeout:
    description:
      - Seconds for the stopped holder's C(/otter/node/{nid}) to vanish. A graceful stop deletes it at once; a crash
        leaves it until the ZooKeeper session expires (C(otter.zookeeper.sessionTimeout), 60 seconds by default).
    type: float
    default: 75
  takeover_timeout:
    description:
      - Seconds for another C(SELECT) node to take the lock once it is free (the nodes wait C(MainstemMonitor.delayTime),
        5 seconds, before competing).
    type: float
    default: 30
  overtake_timeout:
    description: Seconds for the new holder to catch up (C(TAKEING) to C(OVERTAKE)).
    type: float
    default: 60
  channel_timeout:
    description:
      - Seconds for the channel to be C(START) again. After a node stops, the manager restarts its channels (pause,
        then start), after its dead-node delay of 60 seconds for a crash (C(DeadNodeListener)).
    type: float
    default: 90
  process_timeout:
    description: Seconds for the C(process) znodes of the old holder to go.
    type: float
    default: 30
seealso:
  - module: otter.ha.otter_mainstem
  - module: otter.ha.otter_zk_info
'''

EXAMPLES = r'''
- name: Is pipeline a-to-b ready for a drill?
  otter.ha.otter_drill:
    zk_hosts: zk1.example.com:2181
    pipeline: a-to-b
  register: ready

- name: Release its SELECT lock and time the takeover
  otter.ha.otter_drill:
    zk_hosts: zk1.example.com:2181
    pipeline: a-to-b
    mode: release
  register: drill

- name: Print the timeline
  ansible.builtin.debug:
    msg: "{{ drill.timeline | map(attribute='text') | list }}"
'''

RETURN = r'''
changed:
  description: Whether the lock was released (only O(mode=release) outside check mode).
  returned: always
  type: bool
pipeline:
  description: The pipeline, with C(id), C(name) and C(channel) (C(id), C(name)).
  returned: success
  type: dict
holder:
  description: The node ID that held the lock before the drill (O(holder) with O(mode=observe)).
  returned: success
  type: int
standbys:
  description: The other alive C(SELECT) nodes, by ID (O(mode=check) and O(mode=release)).
  returned: success
  type: list
  elements: int
new_holder:
  description: The node ID that holds the lock after the drill; V(null) with O(mode=check).
  returned: success
  type: int
timeline:
  description:
    - What was observed, in order, each with C(t) (seconds since the drill's start), C(event) (the step) and
      C(text) (the time, the step and what was seen, as one line).
  returned: success
  type: list
  elements: dict
  sample:
    - {t: 0.0, event: released, text: 't+0.00 released: node 1 (node-a) released its lock (active=false)'}
    - {t: 1.41, event: taken, text: 't+1.41 taken: node 2 (node-b) holds the lock (TAKEING)'}
    - {t: 1.93, event: overtake, text: 't+1.93 overtake: node 2 (node-b) caught up (OVERTAKE)'}
requests:
  description: The compare-and-set writes sent to ZooKeeper (O(mode=release)), as M(otter.ha.otter_mainstem) returns them.
  returned: always
  type: list
  elements: dict
executed_queries:
  description: Database statements that changed something; the module only reads the database, so always empty.
  returned: always
  type: list
  elements: str
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import (
    check_database_params, database_spec, zookeeper_spec)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError, ZooKeeperError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.mainstem import (
    holder_path, read_holder, read_pipeline_select, release)
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import node_label, nodes_label, pipeline_label
from ansible_collections.otter.ha.plugins.module_utils.znodes import (
    NODE_ROOT, channel_path, parse_channel_status, parse_process)
from ansible_collections.otter.ha.plugins.module_utils.zookeeper import ZooKeeperWriter

BOUNDS = ('node_gone_timeout', 'takeover_timeout', 'overtake_timeout', 'channel_timeout', 'process_timeout')


def argument_spec():
    spec = database_spec()
    spec.update(zookeeper_spec())
    spec.update(
        pipeline=dict(type='str', required=True),
        mode=dict(type='str', choices=['check', 'release', 'observe'], default='check'),
        holder=dict(type='int'),
        since=dict(type='float'),
        retries=dict(type='int', default=5),
    )
    spec.update(dict((bound, dict(type='float', default=default))
                     for bound, default in zip(BOUNDS, (75, 30, 60, 90, 30))))
    return spec


def parse_request(params):
    check_database_params(params)
    if params['mode'] == 'observe' and params['holder'] is None:
        raise RequestError('mode=observe needs holder, the node ID that held the lock when it was stopped')
    for option in BOUNDS:
        if params[option] <= 0:
            raise RequestError('%s must be a positive number of seconds, got %s' % (option, params[option]))
    if params['retries'] < 1:
        raise RequestError('retries must be at least 1, got %d' % params['retries'])
    return params['pipeline']


class Drill(object):
    """The reads of one drill and its timeline."""

    def __init__(self, zk, pipeline, select, names, start, clock=time.time, sleep=time.sleep):
        self.zk = zk
        self.pipeline = pipeline
        self.select = select
        self.names = names
        self.start = start
        self.clock = clock
        self.sleep = sleep
        self.timeline = []
        self.path = holder_path(pipeline)

    def holder(self):
        return read_holder(self.zk, self.path)

    def alive(self, nid):
        return self.zk.read('%s/%d' % (NODE_ROOT, nid))[1] is not None

    def status(self):
        data = self.zk.read(channel_path(self.pipeline.channel_id))[0]
        return parse_channel_status(data, channel_path(self.pipeline.channel_id), []) if data is not None else None

    def processes_of(self, nid):
        root = '%s/%d/process' % (channel_path(self.pipeline.channel_id), self.pipeline.id)
        owned = []
        for name in self.zk.children(root):
            process = parse_process(self.zk.read('%s/%s' % (root, name))[0], '%s/%s' % (root, name), [])
            if process and process['nid'] == nid:
                owned.append(name)
        return owned

    def note(self, event, what):
        t = round(self.clock() - self.start, 2)
        self.timeline.append(dict(t=t, event=event, text='t+%.2f %s: %s' % (t, event, what)))

    def wait(self, event, bound, condition, what):
        """Poll condition() until it gives a value (then note it) or bound seconds after the last event."""
        since = self.start + (self.timeline[-1]['t'] if self.timeline else 0)
        while True:
            value = condition()
            if value:
                self.note(event, what(value))
                return value
            if self.clock() - since > bound:
                raise ZooKeeperError('%s: the drill missed its bound at step %s (%s s after the step before); timeline: '
                                     '%s' % (pipeline_label(self.pipeline), event, bound,
                                             '; '.join(e['text'] for e in self.timeline) or 'nothing observed'))
            self.sleep(0.2)


def drill(module, ref, db, zk, clock=time.time, sleep=time.sleep):
    params = module.params
    pipeline, nodes, select = read_pipeline_select(db, ref)
    select = set(select)
    names = dict((n.id, n.name) for n in nodes)
    label = pipeline_label(pipeline)
    start = params['since'] if params['mode'] == 'observe' and params['since'] else clock()
    run = Drill(zk, pipeline, select, names, start, clock, sleep)
    report = dict(changed=False, pipeline=dict(id=pipeline.id, name=pipeline.name,
                                               channel=dict(id=pipeline.channel_id, name=pipeline.channel_name)))

    if params['mode'] == 'observe' and not module.check_mode:
        old = params['holder']
    else:
        status = run.status()
        if status != 'START':
            raise RequestError('%s: its channel is %s, not START; a drill needs a running pipeline'
                               % (label, status or 'without a status znode'))
        current = run.holder()[0]
        if current is None or current['nid'] not in select:
            raise RequestError('%s: its lock is held by %s, not by one of its SELECT nodes (%s)'
                               % (label, node_label(current['nid'], names) if current else 'nobody',
                                  nodes_label(select, names)))
        old = current['nid']
        standbys = sorted(n for n in select - set([old]) if run.alive(n))
        if not standbys:
            raise RequestError('%s has no standby: no other SELECT node than %s is alive (SELECT nodes: %s); a drill '
                               'would stop its sync' % (label, node_label(old, names), nodes_label(select, names)))
        report.update(holder=old, standbys=standbys, new_holder=None, timeline=[])
        if params['mode'] == 'check' or module.check_mode:
            return report

    report['holder'] = old
    if params['mode'] == 'observe':
        run.wait('node_gone', params['node_gone_timeout'], lambda: not run.alive(old),
                 lambda _v: '%s has no /otter/node/%d any more' % (node_label(old, names), old))
    releases = 0
    while True:
        if params['mode'] == 'release':
            mainstem, version, data = run.holder()
            if mainstem is not None and mainstem['nid'] == old and mainstem['active']:
                if releases >= params['retries']:
                    raise ZooKeeperError('%s: %s won its lock back %d time(s) (retries); no other node took over'
                                         % (label, node_label(old, names), releases))
                if release(zk, run.path, data, version):
                    releases += 1
                    report['changed'] = True
                    run.note('released', '%s released its lock (active=false)' % node_label(old, names))

        def taken():
            mainstem = run.holder()[0]
            if mainstem is not None and mainstem['active'] and mainstem['nid'] in select:
                return mainstem
            return None
        mainstem = run.wait('taken', params['takeover_timeout'], taken,
                            lambda m: '%s holds the lock (%s)' % (node_label(m['nid'], names), m['status']))
        if mainstem['nid'] != old:
            break
        if params['mode'] != 'release':
            raise ZooKeeperError('%s: the lock came back to %s, the node that was stopped' % (label, node_label(old, names)))
    new = mainstem['nid']

    def caught_up():
        current = run.holder()[0]
        return current if current and current['nid'] == new and current['status'] == 'OVERTAKE' else None
    run.wait('overtake', params['overtake_timeout'], caught_up, lambda _m: '%s caught up (OVERTAKE)' % node_label(new, names))
    run.wait('channel_start', params['channel_timeout'], lambda: run.status() == 'START',
             lambda _v: 'channel %d is START' % pipeline.channel_id)
    run.wait('processes_gone', params['process_timeout'], lambda: not run.processes_of(old),
             lambda _v: 'no process znode of %s is left' % node_label(old, names))
    report.update(new_holder=new, timeline=run.timeline)
    return report


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (Database, ZooKeeperWriter), drill)


if __name__ == '__main__':
    main()
