# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import otter_db


@pytest.fixture
def no_database(monkeypatch):
    """Connecting at all is a failure of the test that uses this."""
    def refuse(*_args, **_kwargs):
        raise AssertionError('the module connected although the arguments were invalid')
    monkeypatch.setattr(otter_db.OtterDB, 'connect', classmethod(refuse))
