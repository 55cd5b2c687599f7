# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Otter manager's objects as this collection sees them: rows, locations, statuses, the
node PARAMETERS JSON, and how each is named in a message. Pure: no database, no Ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from collections import namedtuple

# PipelineNodeRelationDO.Location: the manager maps exactly these strings to its enum.
LOCATIONS = ('SELECT', 'EXTRACT', 'LOAD')
# ChannelStatus (shared/common), as the manager and ZooKeeper spell it.
CHANNEL_STATUSES = ('START', 'PAUSE', 'STOP')
# MainStemEventData.Status: TAKEING while the holder catches up, OVERTAKE once it has.
MAINSTEM_STATUSES = ('TAKEING', 'OVERTAKE')

Node = namedtuple('Node', ['id', 'name', 'ip', 'port', 'description', 'parameters'])
Cluster = namedtuple('Cluster', ['id', 'name'])
Channel = namedtuple('Channel', ['id', 'name'])
# modified: PIPELINE.GMT_MODIFIED in seconds since the epoch, where it was read.
Pipeline = namedtuple('Pipeline', ['id', 'name', 'channel_id', 'channel_name', 'modified'], defaults=(None,))
Relation = namedtuple('Relation', ['id', 'pipeline_id', 'node_id', 'location', 'gmt_create', 'gmt_modified'])


def location_order(location):
    """Sort key: SELECT, EXTRACT, LOAD, then any other value (which the manager cannot read) by text."""
    if location in LOCATIONS:
        return (LOCATIONS.index(location), '')
    return (len(LOCATIONS), location)


def pipeline_label(pipeline):
    """How every message names a pipeline: 'channel/pipeline (pipeline N)'."""
    return '%s/%s (pipeline %d)' % (pipeline.channel_name or '?', pipeline.name, pipeline.id)


def describe_node(node):
    """A NODE row in a list of candidates: 'ID name@ip'."""
    return '%d %s@%s' % (node.id, node.name, node.ip)


def node_label(node_id, names):
    """'node N (name)', or 'node N' when the name is unknown."""
    name = names.get(node_id)
    return 'node %d (%s)' % (node_id, name) if name else 'node %d' % node_id


def nodes_label(node_ids, names):
    return ', '.join(node_label(n, names) for n in sorted(node_ids)) or 'none'


def listing(items, limit=20):
    """Items joined for a message, cut after limit so that a message stays short."""
    items = list(items)
    shown = ', '.join(items[:limit])
    if len(items) > limit:
        shown += ', ... (%d more)' % (len(items) - limit)
    return shown or 'none'


def short(value, limit=80):
    """A value from outside as a message shows it - JSON values as JSON (true, null), text and bytes
    quoted - cut so that the message stays short."""
    if isinstance(value, (bool, int, float, list, dict)) or value is None:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + '... (%d characters)' % len(text)


# ---------------------------------------------------------------------------------------------
# NODE.PARAMETERS: NodeParameter as fastjson writes it

def parse_parameters(text):
    """(dict, problem): the PARAMETERS object, and None or a sentence saying why it is unusable
    (the dict is then empty). NULL or an empty text is an empty object, as the manager reads it."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError:
            return {}, 'is not UTF-8 text'
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


# ---------------------------------------------------------------------------------------------
# Channel status changes, as the manager's api/ChannelOp makes them

# state option -> (status it leads to, ChannelOp command that gets there)
CHANNEL_TARGETS = {'started': ('START', 'start'), 'stopped': ('STOP', 'stop')}


def channel_command(status, state):
    """The command that brings a channel from status to state, or None when it is there.
    PAUSE counts as not started (the manager restarts a paused channel with start)."""
    wanted, command = CHANNEL_TARGETS[state]
    return None if status == wanted else command
