# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ZooKeeper server lists made comparable, and srvr answers read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.ensemble import (
    parse_connect_string, parse_server_list, parse_srvr, server_list, split_server)
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError

LEADER = """Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC
Latency min/avg/max: 0/0.5/3
Received: 12
Sent: 11
Connections: 3
Outstanding: 0
Zxid: 0x100000002
Mode: leader
Node count: 12
Proposal sizes last/min/max: 48/48/48
"""


@pytest.mark.parametrize('text, expected', [
    ('zk1:2181', ('zk1', 2181)),
    (' ZK1.Example.COM:2182 ', ('zk1.example.com', 2182)),
    ('zk1', ('zk1', 2181)),
    ('zk1:', ('zk1', 2181)),
    ('[::1]:2183', ('::1', 2183)),
    ('[fd00::2]', ('fd00::2', 2181)),
    ('fd00::2', ('fd00::2', 2181)),
])
def test_split_server(text, expected):
    assert split_server(text) == expected


@pytest.mark.parametrize('text', [':2181', 'zk1:x', 'zk1:0', 'zk1:65536'])
def test_split_server_refuses(text):
    with pytest.raises(RequestError):
        split_server(text)


def test_connect_strings_compare_as_sets_of_servers():
    assert parse_connect_string('zk2:2181, zk1 ,,zk2:2181/otter/') == (['zk2:2181', 'zk1:2181'], '/otter')
    assert parse_connect_string('') == ([], None)
    assert parse_connect_string('[::1]:2181,zk1') == (['[::1]:2181', 'zk1:2181'], None)
    assert server_list(['zk1:2181,zk2:2181/chroot', 'zk3', 'zk1:2181']) == ['zk1:2181', 'zk2:2181', 'zk3:2181']


def test_server_list_of_autokeeper_cluster():
    assert parse_server_list('["127.0.0.1:2181","zk2:2181,zk3:2181"]') == (
        ['127.0.0.1:2181', 'zk2:2181', 'zk3:2181'], None)
    for text in ('not json', '{"a": 1}', '[1, 2]'):
        with pytest.raises(RequestError):
            parse_server_list(text)


def test_srvr_answers():
    leader = parse_srvr(LEADER)
    assert leader == dict(state='serving', mode='leader',
                          version='3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC',
                          zxid='0x100000002', connections=3, outstanding=0, node_count=12, latency='0/0.5/3')
    assert parse_srvr('This ZooKeeper instance is not currently serving requests\n')['state'] == 'not_serving'
    assert parse_srvr('srvr is not executed because it is not in the whitelist.\n')['state'] == 'refused'
    assert parse_srvr('imok')['state'] == 'unknown'
    assert parse_srvr('')['mode'] is None
