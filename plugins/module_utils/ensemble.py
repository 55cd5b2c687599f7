# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ZooKeeper ensembles as Otter names them, and what a server says about itself: server lists
(a connection string, the manager's otter.zookeeper.cluster.default, AUTOKEEPER_CLUSTER.SERVER_LIST)
made comparable, and the answer to the four-letter word srvr read. Pure: no sockets, no Ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import short

DEFAULT_PORT = 2181
# The Mode line of srvr: standalone, or the server's role in a quorum.
MODES = ('standalone', 'leader', 'follower', 'observer', 'read-only')
# What a server answers instead of its statistics.
NOT_SERVING = 'This ZooKeeper instance is not currently serving requests'
NOT_WHITELISTED = 'is not executed because it is not in the whitelist'

_BRACKETED = re.compile(r'^\[([0-9A-Fa-f:.]+)\](?::(.*))?$')


def split_server(text):
    """(host, port) of one 'host[:port]' ('[v6]:port' for an IPv6 address); port 2181 when absent.
    The host is lower-cased, so that names compare as DNS compares them."""
    text = text.strip()
    match = _BRACKETED.match(text)
    if match:
        host, port = match.group(1), match.group(2)
    elif text.count(':') > 1:
        host, port = text, None
    elif ':' in text:
        host, port = text.rsplit(':', 1)
    else:
        host, port = text, None
    host = host.strip().lower()
    if not host:
        raise RequestError('ZooKeeper server %s has no host' % short(text))
    if port is None or port.strip() == '':
        return host, DEFAULT_PORT
    if not port.strip().isdigit() or not 0 < int(port) < 65536:
        raise RequestError('ZooKeeper server %s: the port must be a number from 1 to 65535' % short(text))
    return host, int(port)


def server_name(host, port):
    return '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)


def parse_connect_string(text):
    """(servers, chroot) of a ZooKeeper connection string 'host:port,host:port/chroot', as the
    ZooKeeper client reads it: servers as 'host:port' in the order given (each once), chroot or None.
    Blanks around entries are ignored and empty entries skipped."""
    text = (text or '').strip()
    chroot = None
    slash = text.find('/')
    if slash >= 0:
        text, chroot = text[:slash], text[slash:].rstrip('/') or None
    servers = []
    for item in text.split(','):
        if item.strip():
            name = server_name(*split_server(item))
            if name not in servers:
                servers.append(name)
    return servers, chroot


def parse_server_list(text):
    """The servers of AUTOKEEPER_CLUSTER.SERVER_LIST, a JSON array of 'host:port' strings (the manager
    joins its items with ',', so an item may itself hold several). Raises RequestError for text the
    manager would not have written."""
    try:
        items = json.loads(text) if isinstance(text, str) else text
    except ValueError as exc:
        raise RequestError('SERVER_LIST %s is not a JSON array (%s)' % (short(text), exc))
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise RequestError('SERVER_LIST %s is not a JSON array of strings' % short(text))
    servers, chroot = parse_connect_string(','.join(items))
    return servers, chroot


def server_list(values):
    """The servers named by a list of 'host[:port]' strings (each may hold several, comma separated,
    and end in a chroot, which is ignored): what a module takes as its servers option."""
    servers = []
    for value in values:
        for name in parse_connect_string(value)[0]:
            if name not in servers:
                servers.append(name)
    return servers


def parse_srvr(text):
    """What a server said to srvr: {'state': 'serving' | 'not_serving' | 'refused' | 'unknown',
    'mode', 'version', 'zxid', 'connections', 'outstanding', 'node_count', 'latency'}; the fields a
    server did not send are None."""
    text = text or ''
    fields = dict(mode=None, version=None, zxid=None, connections=None, outstanding=None, node_count=None,
                  latency=None)
    if NOT_SERVING in text:
        return dict(fields, state='not_serving')
    if NOT_WHITELISTED in text:
        return dict(fields, state='refused')
    values = {}
    for line in text.splitlines():
        if ':' in line:
            name, value = line.split(':', 1)
            values[name.strip().lower()] = value.strip()
    mode = values.get('mode')
    if mode is None:
        return dict(fields, state='unknown')
    for name, key in (('connections', 'connections'), ('outstanding', 'outstanding'), ('node_count', 'node count')):
        value = values.get(key)
        fields[name] = int(value) if value and value.isdigit() else None
    fields.update(mode=mode, version=values.get('zookeeper version'), zxid=values.get('zxid'),
                  latency=values.get('latency min/avg/max'))
    return dict(fields, state='serving')
