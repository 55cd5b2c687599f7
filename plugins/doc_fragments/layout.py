# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options that select pipelines, written once for every module that takes them.
    SELECTION = r'''
options:
  channel:
    description:
      - Channels, by C(CHANNEL.ID) or C(CHANNEL.NAME), whose pipelines are selected.
      - When O(pipeline) is set too, the channels only scope it, see O(pipeline).
      - A reference is an ID when it is written in canonical decimal (no sign, spaces or leading zeros) and a
        channel has that ID, and a name when a channel has exactly that name; one that is the ID of one channel
        and the name of another fails as ambiguous, naming both.
    type: list
    elements: str
  pipeline:
    description:
      - Pipelines, by C(PIPELINE.ID) or C(PIPELINE.NAME), to select; IDs and names as for O(channel).
      - A name is looked up inside the channels of O(channel) when that is set, otherwise in every channel; a
        name that matches more than one pipeline fails and lists the candidates.
      - A pipeline given by ID must belong to one of the channels of O(channel) when that is set.
    type: list
    elements: str
'''

    # The options that declare which nodes run each location of the selected pipelines.
    DOCUMENTATION = r'''
options:
  nodes:
    description:
      - Nodes, by C(NODE.ID) or C(NODE.NAME), for every location in O(locations) that has no list of its own
        (O(select_nodes), O(extract_nodes), O(load_nodes)).
      - IDs and names follow the rule of O(channel); C(NODE.NAME) alone is not unique, and a name shared by two
        nodes fails and lists them (use the ID then).
    type: list
    elements: str
  locations:
    description:
      - The locations (stages) this task manages. Locations not listed are left as they are.
    type: list
    elements: str
    choices: [SELECT, EXTRACT, LOAD]
    default: [SELECT, EXTRACT, LOAD]
  select_nodes:
    description:
      - Nodes for the C(SELECT) location, instead of O(nodes). C(SELECT) must be in O(locations).
      - The manager UI sets C(EXTRACT) from the C(SELECT) picker, so keeping the two equal survives a later UI edit.
    type: list
    elements: str
  extract_nodes:
    description:
      - Nodes for the C(EXTRACT) location, instead of O(nodes). C(EXTRACT) must be in O(locations).
    type: list
    elements: str
  load_nodes:
    description:
      - Nodes for the C(LOAD) location (which also runs the transform stage), instead of O(nodes).
        C(LOAD) must be in O(locations).
    type: list
    elements: str
'''
