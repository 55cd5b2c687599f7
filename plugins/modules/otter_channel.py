#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: otter_channel
short_description: Start or stop an Otter channel through the manager
version_added: 1.0.0
description:
  - Starts or stops an Otter channel through the manager's JSON API (C(/api/channel_check.htm) to read the status,
    C(/api/channel_op.htm) to change it), then waits until the manager reports the wanted status.
  - Starting a channel is also how the manager pushes a changed node layout to the nodes, so the usual order for a
    layout change is stop, change the rows, start.
  - The channel is named by ID or name and resolved in the manager database (C(CHANNEL)), with the database
    connection options of the collection.
  - Reads the status first and sends nothing when the channel already has it. A C(PAUSE)d channel counts as not
    started.
author:
  - otter.ha maintainers (@otter-ha)
extends_documentation_fragment:
  - otter.ha.otter_db
  - action_common_attributes
  - otter.ha.attributes
  - otter.ha.attributes.state
options:
  channel:
    description:
      - The channel, by C(CHANNEL.ID) or C(CHANNEL.NAME). Digits are an ID when a channel has that ID, otherwise a
        name.
    type: str
    required: true
  state:
    description:
      - V(started) makes the channel C(START); V(stopped) makes it C(STOP).
    type: str
    choices: [started, stopped]
    required: true
  manager_url:
    description:
      - Base URL of the Otter manager's web UI, for example C(http://otter-manager:8080). The API needs no login.
    type: str
    required: true
  request_timeout:
    description:
      - Seconds one HTTP call of the manager may take, from connecting to the last byte of the answer. A manager
        that accepts the connection but answers slowly, or trickles bytes, fails the call after this long; an answer
        larger than 64 KiB, which the manager's API never sends, fails it at once.
    type: float
    default: 10
  timeout:
    description: Seconds to wait, after the command, for the manager to report the wanted status.
    type: int
    default: 60
  validate_certs:
    description: Whether to verify the manager's TLS certificate when O(manager_url) is C(https).
    type: bool
    default: true
  on_unreachable:
    description:
      - What to do when the manager does not answer at all (a refusal, C(success=false), always fails).
      - V(fail) fails the task.
      - V(report) changes nothing, warns, and returns RV(reachable=false), so that a play can go on and report the
        channel as pending.
    type: str
    choices: [fail, report]
    default: fail
notes:
  - The manager refuses to start a channel that has no live node, or whose two pipelines both have C(home) or both
    C(ddlSync) set; the task then fails with the manager's message.
seealso:
  - module: otter.ha.otter_zk_info
  - module: otter.ha.otter_pipeline_nodes
'''

EXAMPLES = r'''
- name: Stop channel sync-ab before changing its layout
  otter.ha.otter_channel:
    login_host: otter-manager-db.example.com
    login_user: otter_ha
    login_password: "{{ otter_db_password }}"
    manager_url: http://otter-manager.example.com:8080
    channel: sync-ab
    state: stopped

- name: Start it again (this pushes the new layout to the nodes) and wait up to 2 minutes for START
  otter.ha.otter_channel:
    manager_url: http://otter-manager.example.com:8080
    channel: sync-ab
    state: started
    timeout: 120

- name: Stop channel 3 if the manager is up, otherwise carry on and say so
  otter.ha.otter_channel:
    manager_url: http://otter-manager.example.com:8080
    channel: "3"
    state: stopped
    on_unreachable: report
  register: stop
'''

RETURN = r'''
changed:
  description: Whether the status changed (in check mode, whether it would).
  returned: always
  type: bool
executed_queries:
  description: Database statements that changed something; the module only reads the database, so always empty.
  returned: always
  type: list
  elements: str
  sample: []
requests:
  description:
    - The HTTP calls sent to the manager, in order, with the HTTP status (V(null) without an answer) and the JSON
      answer.
    - On failure too, up to the call that failed.
  returned: always
  type: list
  elements: dict
  sample:
    - {method: GET, url: "http://manager:8080/api/channel_check.htm?id=1", status: 200, answer: {success: true, data: START}}
    - {method: GET, url: "http://manager:8080/api/channel_op.htm?id=1&command=stop", status: 200, answer: {success: true}}
reachable:
  description: Whether the manager answered; V(false) only with O(on_unreachable=report).
  returned: success
  type: bool
channel:
  description: The channel, with its status after the task (in check mode, the status it would have).
  returned: success
  type: dict
  contains:
    id:
      description: C(CHANNEL.ID).
      type: int
    name:
      description: C(CHANNEL.NAME).
      type: str
    status:
      description: C(START), C(PAUSE) or C(STOP); V(null) when the manager could not be reached.
      type: str
  sample: {id: 1, name: sync-ab, status: STOP}
diff:
  description: The status before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {status: START}, after: {status: STOP}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.otter.ha.plugins.module_utils.argspec import (
    check_database_params, database_spec, manager_spec)
from ansible_collections.otter.ha.plugins.module_utils.errors import ManagerUnreachable, OtterError, RequestError
from ansible_collections.otter.ha.plugins.module_utils.frame import run_module
from ansible_collections.otter.ha.plugins.module_utils.manager_api import ManagerAPI
from ansible_collections.otter.ha.plugins.module_utils.mysql import Database
from ansible_collections.otter.ha.plugins.module_utils.objects import CHANNEL_TARGETS, channel_command
from ansible_collections.otter.ha.plugins.module_utils.references import resolve
from ansible_collections.otter.ha.plugins.module_utils.sql import read_selection


def argument_spec():
    spec = database_spec()
    spec.update(manager_spec())
    spec.update(
        channel=dict(type='str', required=True),
        state=dict(type='str', choices=list(CHANNEL_TARGETS), required=True),
        timeout=dict(type='int', default=60),
        on_unreachable=dict(type='str', choices=['fail', 'report'], default='fail'),
    )
    return spec


def parse_request(params):
    """Checks that need neither the database nor the manager."""
    check_database_params(params)
    if not params['channel'].strip():
        raise RequestError('channel must not be empty; give a CHANNEL.ID or CHANNEL.NAME')
    url = params['manager_url'].strip()
    if not url.startswith(('http://', 'https://')):
        raise RequestError("manager_url '%s' must start with http:// or https://" % url)
    if params['timeout'] < 0:
        raise RequestError('timeout must not be negative, got %d' % params['timeout'])
    if params['request_timeout'] <= 0:
        raise RequestError('request_timeout must be positive, got %s' % params['request_timeout'])
    return params['channel']


def switch(module, ref, db, api):
    params = module.params
    channels, _pipelines = read_selection(db, [ref], None)
    channel = resolve([ref], channels, 'channel', table='CHANNEL', known=False)[0]
    wanted = CHANNEL_TARGETS[params['state']][0]
    label = 'channel %d (%s)' % (channel.id, channel.name)
    try:
        before = api.status(channel.id)
        command = channel_command(before, params['state'])
        if command and not module.check_mode:
            api.command(channel.id, command)
            api.wait_for(channel.id, wanted, params['timeout'])
    except ManagerUnreachable as exc:
        if params['on_unreachable'] == 'fail':
            raise ManagerUnreachable('%s: %s' % (label, exc))
        module.warn('%s; %s left as it is' % (exc, label))
        return dict(changed=False, reachable=False, channel=dict(id=channel.id, name=channel.name, status=None),
                    diff=dict(before=dict(status=None), after=dict(status=None)))
    except OtterError as exc:
        raise type(exc)('%s: %s' % (label, exc))
    after = wanted if command else before
    return dict(changed=command is not None, reachable=True,
                channel=dict(id=channel.id, name=channel.name, status=after),
                diff=dict(before=dict(status=before), after=dict(status=after)))


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, parse_request, (Database, ManagerAPI), switch)


if __name__ == '__main__':
    main()
