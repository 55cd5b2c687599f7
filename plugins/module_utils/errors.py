# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The errors of the collection. This file imports nothing of the collection, so every layer can
raise them; the module frame catches the base class once and fails the task with its text."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class OtterError(Exception):
    """An error worth showing to the operator as it is: the task fails with its text."""


class RequestError(OtterError):
    """The task asks for something wrong or contradictory; found before anything is sent."""


class DatabaseError(OtterError):
    """The Otter manager database refused, failed or did not answer."""


class LockTimeout(DatabaseError):
    """A lock another session holds was waited for until lock_timeout (MySQL error 1205): the caller
    that knows which rows it was locking can say so."""


class ZooKeeperError(OtterError):
    """ZooKeeper did not answer, or holds data Otter would not have written."""


class ManagerError(OtterError):
    """The Otter manager's API answered with an error or with something it never sends."""


class ManagerUnreachable(ManagerError):
    """No HTTP answer from the manager at all (as opposed to an answer saying no)."""
