# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_home on homes in a temporary folder: its arguments, its report and findings, and the edit of
conf/otter.properties (check mode writes nothing, a second run changes nothing, a backup when asked)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.otter.ha.plugins.module_utils.localhost import LocalHost
from ansible_collections.otter.ha.plugins.modules import otter_home as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main

HOST = dict(hostname='node-a', fqdn='node-a', resolved=['10.0.1.11'], local_address='10.0.1.11',
            addresses=['127.0.0.1', '10.0.1.11'], addresses_source='test')
NODE = '# node\notter.zookeeper.sessionTimeout = 60000\r\notter.manager.address = 10.0.9.1:1099\r\n! end'
MANAGER = 'otter.database.driver.url = jdbc:mysql://db/otter\notter.manager.monitor.self.enable = true\n'
MANAGERS = ['10.0.9.1:1099', '10.0.9.2:1099']


@pytest.fixture(autouse=True)
def host(monkeypatch):
    monkeypatch.setattr(LocalHost, 'host', lambda self: dict(HOST))


def make_home(root, properties=NODE, nid='1\n', startup=None):
    for folder in ('bin', 'conf'):
        root.joinpath(folder).mkdir(parents=True, exist_ok=True)
    if properties is not None:
        root.joinpath('conf', 'otter.properties').write_bytes(properties.encode('latin-1'))
    if nid is not None:
        root.joinpath('conf', 'nid').write_text(nid)
    if startup is not None:
        root.joinpath('bin', 'startup.sh').write_text(startup)
    return root


def run(capsys, args, **kwargs):
    # AnsibleModule.warn keeps its warnings in a process-wide registry: start each run without the last run's.
    ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
    return run_main(capsys, module_under_test.main, args, **kwargs)


def warnings(result):
    """The texts of the module's warnings (ansible-core 2.19 may hand them over as warning events)."""
    return [w if isinstance(w, str) else (w.get('event') or w).get('msg', '') for w in result.get('warnings', [])]


@pytest.mark.parametrize('args, message', [
    ({'kind': 'manager', 'nid': 1}, 'nid only with kind=node (kind is manager)'),
    ({'kind': 'manager', 'manager_address': MANAGERS}, 'manager_address only with kind=node'),
    ({'monitor': True}, 'monitor only with kind=manager (kind is node)'),
    ({'nid': 0}, 'nid must be a positive NODE.ID'),
    ({'node_ip': ' '}, 'node_ip must not be empty'),
    ({'managers': ['m1']}, "managers: manager 'm1' is not host:port"),
    ({'managers': ['m1:x']}, "manager 'm1:x': the port is not a number (Integer.valueOf('x')"),
    ({'managers': ['m1:1099', 'M1:1099']}, 'managers lists M1:1099 more than once'),
    ({'manager_address': []}, 'manager_address must list at least one manager'),
])
def test_wrong_arguments_fail_before_reading(capsys, tmp_path, args, message):
    result = run(capsys, dict({'path': str(tmp_path / 'nowhere')}, **args))
    assert result['failed'] and message in result['msg'], result['msg']


def test_a_path_that_is_not_a_folder(capsys, tmp_path):
    result = run(capsys, {'path': str(tmp_path / 'nowhere')})
    assert result['failed'] and 'is not a folder on this host: give the Otter node home' in result['msg']


def test_a_node_home_as_declared(capsys, tmp_path):
    home = make_home(tmp_path / 'node', properties=NODE.replace('10.0.9.1:1099', ','.join(MANAGERS)))
    result = run(capsys, {'path': str(home), 'name': 'node-a', 'nid': 1, 'node_ip': '10.0.1.11', 'managers': MANAGERS})
    assert result['changed'] is False and result['ok'] is True and result['findings'] == []
    assert result['home']['nid']['value'] == 1
    assert [e['port'] for e in result['home']['manager_address']['entries']] == [1099, 1099]
    assert result['home']['host'] == HOST
    assert 'diff' not in result and 'backup_file' not in result


def test_findings_of_a_node_home(capsys, tmp_path):
    home = make_home(tmp_path / 'node', nid='2\n', startup='OTTER_OPTS="-Dotter.manager.address=10.0.9.1:1099"\n')
    result = run(capsys, {'path': str(home), 'name': 'node-a', 'nid': 1, 'node_ip': '198.51.100.7',
                          'managers': MANAGERS})
    assert [f['kind'] for f in result['findings']] == ['nid_differs', 'node_ip_not_local', 'manager_address_overridden',
                                                       'manager_address_missing', 'manager_address_single']
    assert result['ok'] is False


def test_the_process_of_bin_otter_pid(capsys, tmp_path, monkeypatch):
    home = make_home(tmp_path / 'node')
    home.joinpath('bin', 'otter.pid').write_text('4242\n')
    monkeypatch.setattr(LocalHost, 'cmdline', lambda self, pid: ['java', '-Dnid=5', 'com.alibaba.otter.node.deployer.OtterLauncher']
                        if pid == 4242 else None)
    result = run(capsys, {'path': str(home), 'nid': 1})
    assert result['home']['process'] == dict(pid=4242, running=True, node=True, nid=5)
    assert [f['kind'] for f in result['findings']] == ['process_nid_differs']


def test_setting_the_manager_address(capsys, tmp_path):
    home = make_home(tmp_path / 'node')
    path = home / 'conf' / 'otter.properties'
    before = path.read_bytes()
    args = {'path': str(home), 'manager_address': MANAGERS, 'managers': MANAGERS, 'backup': True}

    checked = run(capsys, args, check_mode=True, diff=True)
    assert checked['changed'] is True and path.read_bytes() == before
    assert 'backup_file' not in checked
    assert checked['diff']['before'] == NODE and checked['diff']['after'] == NODE.replace('10.0.9.1:1099', ','.join(MANAGERS))
    assert checked['findings'] == [], 'check mode reports the home as the change would leave it'
    assert any('would set otter.manager.address' in w for w in warnings(checked))

    changed = run(capsys, args)
    assert changed['changed'] is True
    assert path.read_bytes() == before.replace(b'10.0.9.1:1099\r\n', b'10.0.9.1:1099,10.0.9.2:1099\r\n')
    assert os.path.isfile(changed['backup_file']) and open(changed['backup_file'], 'rb').read() == before
    assert any('restart it to use it (nothing was restarted)' in w for w in warnings(changed))
    assert changed['findings'] == []

    again = run(capsys, args)
    assert again['changed'] is False and 'backup_file' not in again and warnings(again) == []


def test_an_address_the_node_already_reads_that_way_is_kept(capsys, tmp_path):
    home = make_home(tmp_path / 'node', properties='otter.manager.address =  10.0.9.1:1099;10.0.9.2:1099 \n')
    result = run(capsys, {'path': str(home), 'manager_address': MANAGERS})
    assert result['changed'] is False


def test_an_override_still_wins_and_the_module_says_so(capsys, tmp_path):
    home = make_home(tmp_path / 'node', startup='X="-Dotter.manager.address=10.0.9.1:1099"\n')
    result = run(capsys, {'path': str(home), 'manager_address': MANAGERS})
    assert result['changed'] is True
    assert any('bin/startup.sh:1 overrides otter.manager.address' in w for w in warnings(result))


@pytest.mark.parametrize('properties, message', [
    (None, 'conf/otter.properties does not exist (nothing was written)'),
    ('a = \\u1\n', 'malformed \\uxxxx escape'),
])
def test_no_edit_of_a_file_that_is_missing_or_unreadable(capsys, tmp_path, properties, message):
    home = make_home(tmp_path / 'node', properties=properties)
    result = run(capsys, {'path': str(home), 'manager_address': MANAGERS})
    assert result['failed'] and message in result['msg']


def test_setting_the_self_monitor(capsys, tmp_path):
    home = make_home(tmp_path / 'manager', properties=MANAGER, nid=None)
    path = home / 'conf' / 'otter.properties'
    first = run(capsys, {'path': str(home), 'kind': 'manager', 'monitor': False})
    assert first['changed'] is True and first['home']['monitor_self_enable'] is False
    assert path.read_text() == MANAGER.replace('= true', '= false')
    assert run(capsys, {'path': str(home), 'kind': 'manager', 'monitor': False})['changed'] is False
    path.write_text(MANAGER.replace('= true', '= on'))
    assert run(capsys, {'path': str(home), 'kind': 'manager', 'monitor': True})['changed'] is False


def test_a_manager_home(capsys, tmp_path):
    home = make_home(tmp_path / 'manager', properties=MANAGER, nid=None)
    result = run(capsys, {'path': str(home), 'kind': 'manager'})
    assert result['home']['kind'] == 'manager' and result['home']['monitor_self_enable'] is True
    assert result['home']['zookeeper_servers'] == ['127.0.0.1:2181']
    assert 'nid' not in result['home'] and result['findings'] == []
