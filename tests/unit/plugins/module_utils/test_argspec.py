# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs defined once, documented by the doc fragments of the same names, used by every module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml

from ansible_collections.otter.ha.plugins.doc_fragments import layout as layout_fragment
from ansible_collections.otter.ha.plugins.doc_fragments import otter_db as otter_db_fragment
from ansible_collections.otter.ha.plugins.doc_fragments import zookeeper as zookeeper_fragment
from ansible_collections.otter.ha.plugins.module_utils import argspec
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.layout import STATES
from ansible_collections.otter.ha.plugins.module_utils.objects import LOCATIONS


def test_database_spec():
    spec = argspec.database_spec()
    assert sorted(spec) == sorted(['login_host', 'login_port', 'login_user', 'login_password', 'login_db',
                                   'login_unix_socket', 'config_file', 'connect_timeout', 'read_timeout',
                                   'lock_timeout', 'ca_cert', 'client_cert', 'client_key', 'check_hostname'])
    assert spec['login_password'] == dict(type='str', no_log=True)
    assert [name for name, option in spec.items() if option.get('no_log')] == ['login_password']
    assert (spec['login_db']['default'], spec['config_file']['default']) == ('otter', '~/.my.cnf')
    assert (spec['connect_timeout']['default'], spec['read_timeout']['default'], spec['lock_timeout']['default']) == (
        30, 60, 50)
    assert (spec['ca_cert']['aliases'], spec['client_cert']['aliases'], spec['client_key']['aliases']) == (
        ['ssl_ca'], ['ssl_cert'], ['ssl_key'])
    assert all('default' not in spec[o] for o in ('login_host', 'login_port', 'login_user', 'login_password'))


@pytest.mark.parametrize('default', ['present', 'exact'])
def test_layout_spec(default):
    spec = argspec.layout_spec(default)
    assert spec['state'] == dict(type='str', choices=list(STATES), default=default)
    assert spec['locations'] == dict(type='list', elements='str', choices=list(LOCATIONS), default=list(LOCATIONS))
    for option in ('nodes', 'select_nodes', 'extract_nodes', 'load_nodes'):
        assert spec[option] == dict(type='list', elements='str')
    assert argspec.layout_spec()['state']['default'] == 'present'


def test_selection_zookeeper_and_manager_specs():
    assert argspec.selection_spec() == dict(channel=dict(type='list', elements='str'),
                                            pipeline=dict(type='list', elements='str'))
    assert argspec.zookeeper_spec() == dict(zk_hosts=dict(type='str', required=True), timeout=dict(type='float', default=10))
    assert argspec.manager_spec() == dict(manager_url=dict(type='str', required=True),
                                          request_timeout=dict(type='float', default=10),
                                          validate_certs=dict(type='bool', default=True))


def test_every_call_builds_a_new_spec():
    first = argspec.layout_spec()
    first['locations']['default'].append('TRANSFORM')
    first['nodes']['required'] = True
    assert argspec.layout_spec()['locations']['default'] == list(LOCATIONS)
    assert 'required' not in argspec.layout_spec()['nodes']
    assert argspec.database_spec() is not argspec.database_spec()


@pytest.mark.parametrize('option', ['connect_timeout', 'read_timeout', 'lock_timeout'])
@pytest.mark.parametrize('value', [0, -1])
def test_check_database_params_names_the_option_and_value(option, value):
    params = dict(connect_timeout=1, read_timeout=1, lock_timeout=1)
    argspec.check_database_params(params)
    params[option] = value
    with pytest.raises(RequestError) as caught:
        argspec.check_database_params(params)
    assert str(caught.value) == '%s must be at least 1 second, got %d' % (option, value)


def _documented(text):
    return yaml.safe_load(text)['options']


@pytest.mark.parametrize('fragment, spec, undocumented', [
    (otter_db_fragment.ModuleDocFragment.DOCUMENTATION, argspec.database_spec(), []),
    (layout_fragment.ModuleDocFragment.DOCUMENTATION, argspec.layout_spec(), ['state']),   # each module documents state
    (layout_fragment.ModuleDocFragment.SELECTION, argspec.selection_spec(), []),
    (zookeeper_fragment.ModuleDocFragment.DOCUMENTATION, argspec.zookeeper_spec(), []),
], ids=['otter_db', 'layout', 'layout.selection', 'zookeeper'])
def test_the_doc_fragment_of_the_same_name_documents_the_spec(fragment, spec, undocumented):
    documented = _documented(fragment)
    assert sorted(documented) == sorted(set(spec) - set(undocumented))
    for name, doc in documented.items():
        option = spec[name]
        for key in ('type', 'elements', 'default', 'choices', 'aliases', 'required'):
            assert doc.get(key, False if key == 'required' else None) == option.get(
                key, False if key == 'required' else None), (name, key)
