# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs defined once: every module builds its spec from these, and the doc fragments
of the same names document them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.layout import STATES
from ansible_collections.otter.ha.plugins.module_utils.objects import LOCATIONS


def database_spec():
    """The connection options of every database module (doc fragment otter.ha.otter_db)."""
    return dict(
        login_host=dict(type='str'),
        login_port=dict(type='int'),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_db=dict(type='str', default='otter'),
        login_unix_socket=dict(type='str'),
        config_file=dict(type='path', default='~/.my.cnf'),
        connect_timeout=dict(type='int', default=30),
        read_timeout=dict(type='int', default=60),
        lock_timeout=dict(type='int', default=50),
        ca_cert=dict(type='path', aliases=['ssl_ca']),
        client_cert=dict(type='path', aliases=['ssl_cert']),
        client_key=dict(type='path', aliases=['ssl_key']),
        check_hostname=dict(type='bool'),
    )


def layout_spec(state_default='present'):
    """The options that declare a layout (doc fragment otter.ha.layout), at the top level of
    otter_pipeline_nodes and under otter_info's expect."""
    return dict(
        nodes=dict(type='list', elements='str'),
        select_nodes=dict(type='list', elements='str'),
        extract_nodes=dict(type='list', elements='str'),
        load_nodes=dict(type='list', elements='str'),
        locations=dict(type='list', elements='str', choices=list(LOCATIONS), default=list(LOCATIONS)),
        state=dict(type='str', choices=list(STATES), default=state_default),
    )


def selection_spec():
    """channel and pipeline, which select the pipelines a module works on."""
    return dict(
        channel=dict(type='list', elements='str'),
        pipeline=dict(type='list', elements='str'),
    )


def zookeeper_spec():
    """The ZooKeeper options (doc fragment otter.ha.zookeeper)."""
    return dict(
        zk_hosts=dict(type='str', required=True),
        timeout=dict(type='float', default=10),
    )


def manager_spec():
    """The options of the manager's HTTP API."""
    return dict(
        manager_url=dict(type='str', required=True),
        request_timeout=dict(type='float', default=10),
        validate_certs=dict(type='bool', default=True),
    )


def check_database_params(params):
    """The checks of the connection options that need no server."""
    for option in ('connect_timeout', 'read_timeout', 'lock_timeout'):
        if params[option] < 1:
            raise RequestError('%s must be at least 1 second, got %d' % (option, params[option]))
