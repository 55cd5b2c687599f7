# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument handling of otter_pipeline_nodes: every mistake that needs no database must fail
before the module connects, with a message naming the bad value."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest


from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.otter.ha.plugins.modules import otter_pipeline_nodes as module_under_test
from ansible_collections.otter.ha.plugins.module_utils import otter_db


def run_module(capsys, args):
    return run_main(capsys, module_under_test.main, args)


BAD_ARGS = [
    ('no selection', dict(nodes=['1']), 'one of the following is required: channel, pipeline'),
    ('lowercase location', dict(channel=['c'], nodes=['1'], locations=['select']), 'select'),
    ('unknown location', dict(channel=['c'], nodes=['1'], locations=['SELECT', 'TRANSFORM']), 'TRANSFORM'),
    ('empty locations', dict(channel=['c'], nodes=['1'], locations=[]), 'locations must list at least one'),
    ('repeated location', dict(channel=['c'], nodes=['1'], locations=['LOAD', 'LOAD']), 'LOAD more than once'),
    ('no nodes at all', dict(channel=['c']), 'no nodes for location SELECT'),
    ('override outside locations', dict(channel=['c'], nodes=['1'], locations=['SELECT'], load_nodes=['2']),
     'load_nodes is set but LOAD is not in locations'),
    ('a location without a list', dict(channel=['c'], select_nodes=['1'], extract_nodes=['1']),
     'no nodes for location LOAD: set nodes or load_nodes'),
    ('empty channel list', dict(channel=[], pipeline=['p'], nodes=['1']), 'channel must not be an empty list'),
    ('empty pipeline list', dict(channel=['c'], pipeline=[], nodes=['1']), 'pipeline must not be an empty list'),
    ('bad state', dict(channel=['c'], nodes=['1'], state='sometimes'), 'sometimes'),
    ('lock timeout zero', dict(channel=['c'], nodes=['1'], lock_timeout=0), 'lock_timeout must be at least 1'),
    ('wrong type for port', dict(channel=['c'], nodes=['1'], login_port='three'), 'login_port'),
]


@pytest.mark.parametrize('args, message', [c[1:] for c in BAD_ARGS], ids=[c[0] for c in BAD_ARGS])
def test_invalid_arguments_fail_before_connecting(capsys, no_database, args, message):
    result = run_module(capsys, args)
    assert result['failed'] is True
    assert message in result['msg']
    assert 'Traceback' not in json.dumps(result)


def test_password_is_no_log_and_never_echoed(capsys, no_database):
    spec = module_under_test.argument_spec()
    assert spec['login_password']['no_log'] is True
    result = run_module(capsys, dict(channel=['c'], login_password='s3cret-Pw', locations=['SELECT']))
    assert result['failed'] is True
    assert 's3cret-Pw' not in json.dumps(result)


def test_check_request_applies_overrides_per_location():
    params = dict(locations=['SELECT', 'EXTRACT', 'LOAD'], nodes=['a', 'b'], select_nodes=None,
                  extract_nodes=None, load_nodes=['c'], channel=['x'], pipeline=None, lock_timeout=None)
    assert module_under_test.check_request(params) == {
        'SELECT': ('nodes', ['a', 'b']),
        'EXTRACT': ('nodes', ['a', 'b']),
        'LOAD': ('load_nodes', ['c']),
    }


def test_connect_kwargs_leave_unset_options_to_the_option_file(tmp_path):
    cnf = tmp_path / 'my.cnf'
    cnf.write_text(u'[client]\nhost=db.example\nport=3310\n')
    params = dict(login_db='otter', connect_timeout=5, config_file=str(cnf), login_host=None, login_port=None,
                  login_user=None, login_password=None, login_unix_socket=None, ca_cert=None, client_cert=None,
                  client_key=None, check_hostname=None)
    kwargs = otter_db.connect_kwargs(params)
    assert kwargs['read_default_file'] == str(cnf)
    assert 'host' not in kwargs and 'port' not in kwargs
    params.update(login_host='10.0.0.5', login_port=3400, config_file='')
    kwargs = otter_db.connect_kwargs(params)
    assert (kwargs['host'], kwargs['port']) == ('10.0.0.5', 3400)
    assert 'read_default_file' not in kwargs


def test_connect_kwargs_tls_checks_the_host_name_unless_told_not_to(tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text(u'not parsed here')
    params = dict(login_db='otter', connect_timeout=5, config_file='', login_host=None, login_port=None,
                  login_user=None, login_password=None, login_unix_socket=None, ca_cert=str(ca), client_cert=None,
                  client_key=None, check_hostname=None)
    kwargs = otter_db.connect_kwargs(params)
    assert (kwargs['ssl_ca'], kwargs['ssl_verify_cert'], kwargs['ssl_verify_identity']) == (str(ca), True, True)
    params['check_hostname'] = False
    assert otter_db.connect_kwargs(params)['ssl_verify_identity'] is False
    params['ca_cert'] = str(tmp_path / 'missing.pem')
    with pytest.raises(otter_db.OtterError, match='missing.pem'):
        otter_db.connect_kwargs(params)


def test_connect_kwargs_send_the_password_as_utf8():
    params = dict(login_db='otter', connect_timeout=5, config_file='', login_host=None, login_port=None,
                  login_user='u', login_password=u'pw-\u03a9\u03bc', login_unix_socket=None, ca_cert=None,
                  client_cert=None, client_key=None, check_hostname=None)
    assert otter_db.connect_kwargs(params)['password'] == u'pw-\u03a9\u03bc'.encode('utf-8')


class _LostDuringCommit(object):
    def __init__(self, code):
        self.code = code

    def commit(self):
        raise otter_db.pymysql.err.OperationalError(self.code, 'Lost connection to server during query')


@pytest.mark.parametrize('code, wording', [
    (2013, 'whether the change was written is unknown'),
    (2006, 'whether the change was written is unknown'),
    (1180, 'commit failed, nothing was written'),
])
def test_commit_failures_say_what_is_known(code, wording):
    db = otter_db.OtterDB(_LostDuringCommit(code))
    with pytest.raises(otter_db.OtterError) as caught:
        db.commit()
    assert wording in str(caught.value)
    assert str(code) in str(caught.value)


@pytest.mark.parametrize('exc, wording', [
    ((2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"),
     'cannot reach the database server'),
    ((2003, "Can't connect to MySQL server on 'h' ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed)"),
     'the TLS handshake failed'),
    ((1045, "Access denied for user 'u'@'h' (using password: YES)"), 'access denied'),
    ((9999, 'something new'), 'MySQL error 9999: something new'),
])
def test_describe_error_names_the_cause(exc, wording):
    assert wording in otter_db.describe_error(otter_db.pymysql.err.OperationalError(*exc))
