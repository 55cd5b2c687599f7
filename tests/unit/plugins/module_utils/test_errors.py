# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The errors of the collection: one base class the frame catches, one subclass per source."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import inspect

import pytest

from ansible_collections.otter.ha.plugins.module_utils import errors


@pytest.mark.parametrize('cls', [errors.RequestError, errors.DatabaseError, errors.LockTimeout, errors.ZooKeeperError,
                                 errors.ManagerError, errors.ManagerUnreachable])
def test_every_error_is_an_otter_error_with_its_text(cls):
    exc = cls(u"node 'n\u00f6de' not found")
    assert isinstance(exc, errors.OtterError)
    assert isinstance(exc, Exception)
    assert str(exc) == u"node 'n\u00f6de' not found"


def test_unreachable_is_a_manager_error_and_the_others_are_apart():
    assert issubclass(errors.ManagerUnreachable, errors.ManagerError)
    assert issubclass(errors.LockTimeout, errors.DatabaseError)
    kinds = [errors.RequestError, errors.DatabaseError, errors.ZooKeeperError, errors.ManagerError]
    for cls in kinds:
        assert [other for other in kinds if other is not cls and issubclass(cls, other)] == []


def test_errors_import_nothing_of_the_collection():
    """Every layer may raise them, so they must not depend on any layer."""
    tree = ast.parse(inspect.getsource(errors))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert [name for name in imported if name and 'otter' in name] == []
