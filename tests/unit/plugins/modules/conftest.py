# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import mysql
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeServer


@pytest.fixture(autouse=True)
def no_option_file(monkeypatch, tmp_path):
    """config_file defaults to ~/.my.cnf: no test reads the option file of whoever runs it."""
    monkeypatch.setenv('HOME', str(tmp_path))


@pytest.fixture
def no_database(monkeypatch):
    """Connecting at all is a failure of the test that uses this."""
    def refuse(*_args, **_kwargs):
        raise AssertionError('the module connected although the arguments were invalid')
    monkeypatch.setattr(mysql.pymysql, 'connect', refuse)


@pytest.fixture
def database(monkeypatch):
    """The shared fake database (tests/unit/plugins/fakes.py) with the shared layout, behind the
    real mysql.Database: pymysql.connect hands out its connections. Tests change the server
    (tables, engines, failures) before running the module and read it back after."""
    server = FakeServer.bidirectional()
    monkeypatch.setattr(mysql.pymysql, 'connect', server.connect)
    return server
