# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host adapter: files of a home, a process's command line, and the interface addresses from /proc."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.otter.ha.plugins.module_utils.errors import OtterError
from ansible_collections.otter.ha.plugins.module_utils.localhost import LocalHost

FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 10.0.1.0/24 2 0 2
           |-- 10.0.1.0
              /24 link UNICAST
           |-- 10.0.1.11
              /32 host LOCAL
Local:
           |-- 127.0.0.1
              /32 host LOCAL
"""
IF_INET6 = """00000000000000000000000000000001 01 80 10 80       lo
fd000000000000000000000000000002 04 40 00 82     eth0
"""


@pytest.fixture
def root(tmp_path):
    net = tmp_path / 'proc' / 'net'
    net.mkdir(parents=True)
    (net / 'fib_trie').write_text(FIB_TRIE)
    (net / 'if_inet6').write_text(IF_INET6)
    (tmp_path / 'proc' / '42').mkdir()
    (tmp_path / 'proc' / '42' / 'cmdline').write_bytes(b'java\0-Dnid=1\0com.alibaba.otter.node.deployer.OtterLauncher\0')
    return tmp_path


def test_interface_addresses_from_proc(root):
    addresses, source = LocalHost(str(root)).interface_addresses()
    assert addresses == ['127.0.0.1', '10.0.1.11', '::1', 'fd00::2']
    assert source == '/proc/net/fib_trie, /proc/net/if_inet6'


def test_without_proc_the_ioctl_fallback_is_used(root, monkeypatch):
    os.remove(str(root / 'proc' / 'net' / 'fib_trie'))
    monkeypatch.setattr(LocalHost, '_ioctl_addresses', staticmethod(lambda: ['127.0.0.1', '10.0.1.11']))
    addresses, source = LocalHost(str(root)).interface_addresses()
    assert addresses == ['127.0.0.1', '10.0.1.11', '::1', 'fd00::2'] and source == 'SIOCGIFADDR, /proc/net/if_inet6'


def test_host_names_and_addresses(root):
    host = LocalHost(str(root)).host()
    assert set(host) == set(['hostname', 'fqdn', 'resolved', 'local_address', 'addresses', 'addresses_source'])
    assert host['hostname'] and host['addresses'][0] == '127.0.0.1'


def test_cmdline(root):
    assert LocalHost(str(root)).cmdline(42) == ['java', '-Dnid=1', 'com.alibaba.otter.node.deployer.OtterLauncher']
    assert LocalHost(str(root)).cmdline(43) is None


def test_read(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'\xe9\n')
    host = LocalHost()
    assert host.read(str(path)) == b'\xe9\n'
    assert host.read(str(tmp_path / 'missing')) is None
    with pytest.raises(OtterError, match='is a folder, not a file'):
        host.read(str(tmp_path))
    with pytest.raises(OtterError, match='is larger than 1 bytes'):
        host.read(str(path), limit=1)
    assert host.is_dir(str(tmp_path)) and not host.is_dir(str(path))


def test_an_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip('root reads every file')
    path = tmp_path / 'secret'
    path.write_text('x')
    path.chmod(0)
    with pytest.raises(OtterError, match='cannot read'):
        LocalHost().read(str(path))
