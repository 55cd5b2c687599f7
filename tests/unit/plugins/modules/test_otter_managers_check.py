# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""otter_managers_check against managers that answer like the manager's api/ChannelCheck screen (or not at all),
with the nodes' cluster from a fake database: arguments, probes (reads only), findings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.otter.ha.plugins.module_utils import sql
from ansible_collections.otter.ha.plugins.module_utils.manager_api import ManagerAPI
from ansible_collections.otter.ha.plugins.module_utils.objects import Cluster
from ansible_collections.otter.ha.plugins.modules import otter_managers_check as module_under_test
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeResponse
from ansible_collections.otter.ha.tests.unit.plugins.modules.module_runner import run_main


def home(monitor=True, url='jdbc:mysql://db:3306/otter', servers=('zk1:2181',)):
    return dict(kind='manager', path='/home/admin/manager', monitor_self_enable=monitor, database_url=url,
                zookeeper_servers=list(servers), zookeeper_chroot=None)


class Managers(object):
    """Answers per base URL: a channel status, 'missing' (the JSON error of a missing channel), 'down', or an HTTP code."""

    def __init__(self, **answers):
        self.answers = answers
        self.urls = []

    def __call__(self, url, **_kwargs):
        self.urls.append(url)
        name = url.split('//', 1)[1].split(':', 1)[0]
        answer = self.answers.get(name, 'down')
        if answer == 'down':
            raise URLError(ConnectionRefusedError(111, 'Connection refused'))
        if isinstance(answer, int):
            raise HTTPError(url, answer, 'error', {}, None)
        if answer == 'missing':
            cid = url.rsplit('=', 1)[1]
            return FakeResponse(json.dumps({'success': False, 'errMessage': 'error happens while [check status] channel '
                                                                            'with id [%s]' % cid}).encode())
        return FakeResponse(json.dumps({'success': True, 'data': answer}).encode())


@pytest.fixture
def managers(monkeypatch):
    fake = Managers(m1='missing', m2='missing')

    class API(ManagerAPI):
        def __init__(self, base_url, **kwargs):
            super(API, self).__init__(base_url, opener=fake, **kwargs)
    monkeypatch.setattr(module_under_test, 'ManagerAPI', API)
    return fake


def run(capsys, args):
    return run_main(capsys, module_under_test.main, args)


def pair(m1=None, m2=None, **args):
    entries = [dict(name='m1', url='http://m1:8080', home=m1 or home()),
               dict(name='m2', url='http://m2:8080', home=m2 or home(monitor=False))]
    return dict(args, managers=entries)


def test_a_pair_that_answers(capsys, managers):
    result = run(capsys, pair(zk_servers='zk1:2181', monitor_owner='m1'))
    assert result['changed'] is False and result['ok'] is True, result['findings']
    assert result['monitor_owner'] == 'm1'
    assert result['cluster'] == dict(id=None, name=None, servers=['zk1:2181'])
    assert managers.urls == ['http://m1:8080/api/channel_check.htm?id=0', 'http://m2:8080/api/channel_check.htm?id=0']
    assert [r['url'] for r in result['requests']] == managers.urls
    assert [m['answered'] for m in result['managers']] == [True, True]
    assert 'executed_queries' not in result


def test_a_real_channel_must_be_reported_alike(capsys, managers):
    managers.answers.update(m1='START', m2='STOP')
    result = run(capsys, pair(channel_id=1))
    assert [f['kind'] for f in result['findings']] == ['manager_status_differs']
    assert [m['status'] for m in result['managers']] == ['START', 'STOP']
    managers.answers.update(m2='missing')
    result = run(capsys, pair(channel_id=1))
    assert [f['kind'] for f in result['findings']] == ['manager_api_error']
    assert 'it cannot report the channel' in result['findings'][0]['message']


def test_unreachable_and_http_errors(capsys, managers):
    managers.answers.update(m2='down')
    result = run(capsys, pair())
    assert [f['kind'] for f in result['findings']] == ['manager_unreachable']
    assert result['managers'][1]['answered'] is False
    managers.answers.update(m2=404)
    result = run(capsys, pair())
    assert [f['kind'] for f in result['findings']] == ['manager_api_error']
    assert 'HTTP 404' in result['findings'][0]['message']


def test_both_monitor_and_other_ensembles(capsys, managers):
    result = run(capsys, pair(m2=home(servers=('zk9:2181',)), zk_servers=['zk1:2181']))
    assert [f['kind'] for f in result['findings']] == ['manager_zookeeper_differs', 'manager_zookeeper_not_cluster',
                                                       'monitor_several']
    assert result['monitor_owner'] is None


def test_the_whole_registered_result_is_accepted(capsys, managers):
    result = run(capsys, pair(m1=dict(changed=False, home=home(), findings=[])))
    assert result['ok'] is True


def test_the_nodes_cluster_from_the_database(capsys, managers, database, monkeypatch):
    monkeypatch.setattr(module_under_test, 'read_cluster_servers', lambda db: [
        (Cluster(1, 'default'), '["zk1:2181"]'), (Cluster(2, 'zk-b'), '["zk7:2181","zk8:2181"]')])
    result = run(capsys, pair(zk_cluster='default', login_host='db', config_file=''))
    assert result['ok'] is True and result['cluster'] == dict(id=1, name='default', servers=['zk1:2181'])
    result = run(capsys, pair(zk_cluster='2', login_host='db', config_file=''))
    assert [f['kind'] for f in result['findings']] == ['manager_zookeeper_not_cluster'] * 2
    assert "(the SERVER_LIST of cluster 'zk-b' (AUTOKEEPER_CLUSTER 2))" in result['findings'][0]['message']
    result = run(capsys, pair(zk_cluster='nope', login_host='db', config_file=''))
    assert result['failed'] and "zk_cluster: ZooKeeper cluster 'nope' not found in AUTOKEEPER_CLUSTER" in result['msg']


def test_read_cluster_servers():
    class DB(object):
        def fetch(self, statement, args=None):
            assert statement == 'SELECT ID, CLUSTER_NAME, SERVER_LIST FROM AUTOKEEPER_CLUSTER ORDER BY ID'
            return [(1, 'default', '["127.0.0.1:2181"]')]
    assert sql.read_cluster_servers(DB()) == [(Cluster(1, 'default'), '["127.0.0.1:2181"]')]


@pytest.mark.parametrize('args, message', [
    (dict(managers=[]), 'managers must list at least one manager'),
    (pair(monitor_owner='m3'), "monitor_owner 'm3' is not one of the managers (m1, m2)"),
    (pair(channel_id=0), 'channel_id must be a positive CHANNEL.ID'),
    (pair(zk_servers=['zk1:x']), "the port must be a number"),
    (pair(zk_servers=['zk1'], zk_cluster='default'), 'parameters are mutually exclusive: zk_servers|zk_cluster'),
    (dict(managers=[dict(name='m1', url='m1:8080', home=home())]), "url 'm1:8080' must start with http://"),
    (dict(managers=[dict(name='m1', url='http://m1', home=home()), dict(name='m1', url='http://m2', home=home())]),
     "the name 'm1' is given more than once"),
    (dict(managers=[dict(name='m1', url='http://m1', home={'kind': 'node'})]),
     'home is not what otter.ha.otter_home returns for a manager home'),
])
def test_wrong_arguments(capsys, managers, args, message):
    result = run(capsys, args)
    assert result['failed'] and message in result['msg'], result['msg']
    assert managers.urls == []
