# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Relation rows the unit tests share: the manager UI's bidirectional channel and its HA layout."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.otter.ha.plugins.module_utils.otter_model import Relation

ALL = ('SELECT', 'EXTRACT', 'LOAD')


def rows(*specs):
    """Relation rows from (id, pipeline, node, location) tuples."""
    return [Relation(i, p, n, loc, None, None) for i, p, n, loc in specs]


# The manager UI's bidirectional channel: pipeline 1 = a->b, pipeline 2 = b->a, one node per location.
UI_STATE = rows(
    (1, 1, 1, 'SELECT'), (2, 1, 1, 'EXTRACT'), (3, 1, 2, 'LOAD'),
    (4, 2, 2, 'SELECT'), (5, 2, 2, 'EXTRACT'), (6, 2, 1, 'LOAD'),
)
# Both nodes everywhere, rows 10..21: pipeline 1 is rows 10..15, pipeline 2 rows 16..21.
FULL = rows(*[(10 + i, p, n, loc) for i, (p, n, loc) in enumerate(
    (p, n, loc) for p in (1, 2) for loc in ALL for n in (1, 2))])
