# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one rule by which an inventory names nodes, channels, pipelines and clusters: an ID only
in canonical decimal, a name only exactly, and nothing guessed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import Channel, Node, Pipeline
from ansible_collections.otter.ha.plugins.module_utils.references import (
    referable,
    as_id, lookup_keys, resolve, resolve_pipelines, storable)


def node(ident, name):
    return Node(ident, name, '10.0.0.%d' % ident, 2088, None, None)


NODES = [node(1, 'node-a'), node(2, 'node-b'), node(3, 'twin'), node(4, 'twin'), node(5, '7'), node(6, '02'),
         node(8, ' 2 '), node(9, '9')]

CHANNELS = [Channel(1, 'sync-ab'), Channel(2, 'sync-cd'), Channel(3, 'empty')]
PIPELINES = [Pipeline(1, 'a-to-b', 1, 'sync-ab'), Pipeline(2, 'b-to-a', 1, 'sync-ab'),
             Pipeline(3, 'a-to-b', 2, 'sync-cd'), Pipeline(4, 'd-to-c', 2, 'sync-cd')]

EMOJI = u'n\U0001F600de'


def failure(*args, **kwargs):
    with pytest.raises(RequestError) as caught:
        resolve(*args, **kwargs)
    return str(caught.value)


# ---------------------------------------------------------------------------------------------
# as_id: canonical decimal within BIGINT, nothing else

@pytest.mark.parametrize('ref, expected', [
    ('12', 12), (12, 12), ('1', 1), ('9223372036854775807', 2 ** 63 - 1),
    (' 3 ', None), ('3 ', None), (' 3', None), ('02', None), ('0', None), ('00', None), ('-1', None), ('+1', None),
    ('1.5', None), ('1e3', None), ('0x10', None), ('node-a', None), ('', None),
    ('9223372036854775808', None), ('99999999999999999999', None),
    (u'\u0663', None), (u'\uff11', None), (u'1\u0663', None),  # Arabic-Indic and fullwidth digits
])
def test_as_id(ref, expected):
    assert as_id(ref) == expected


@pytest.mark.parametrize('ref', ['2\n', '12\n'])
def test_a_trailing_newline_is_not_canonical(ref):
    assert as_id(ref) is None


# ---------------------------------------------------------------------------------------------
# resolve

@pytest.mark.parametrize('refs, expected', [
    (['node-a', 'node-b'], [1, 2]),
    (['2', 1], [2, 1]),                 # order as given; an int is its decimal text
    (['7'], [5]),                       # no node has ID 7, so '7' is the name of node 5
    (['4'], [4]),
    (['9'], [9]),                       # the ID and the name of the same node: no ambiguity
    (['02'], [6]),                      # '02' is a name, never ID 2
    ([' 2 '], [8]),                     # so is ' 2 '
    (['2', '02', ' 2 '], [2, 6, 8]),    # three references, three nodes
    ([], []),
])
def test_resolve(refs, expected):
    assert [n.id for n in resolve(refs, NODES, 'node')] == expected


def test_an_id_that_is_also_the_name_of_another_object_is_ambiguous_naming_both():
    nodes = NODES + [node(11, '1')]
    message = failure(['1'], nodes, 'node', option='nodes', table='NODE')
    assert message.startswith("nodes: node '1' is ambiguous: ")
    assert 'it is the ID of node 1 node-a and the name of node 11 1' in message
    assert 'rename one of them' in message


def test_ambiguity_lists_every_object_of_that_name():
    nodes = NODES + [node(11, '2'), node(12, '2')]
    message = failure(['2'], nodes, 'node')
    assert 'the ID of node 2 node-b and the name of node 11 2, 12 2' in message


@pytest.mark.parametrize('refs, message', [
    (['node-x'], "node 'node-x' not found in NODE (known: 1 node-a, 2 node-b, 3 twin, 4 twin, 5 7, 6 02, 8  2 , 9 9)"),
    (['77'], "node '77' not found in NODE (known: "),
    (['twin'], "node name 'twin' is ambiguous, it matches nodes 3 twin, 4 twin; use the node ID"),
    (['node-a', '1'], "node 1 is listed more than once ('node-a', '1')"),
    (['node-a', 'node-a'], "node 1 is listed more than once ('node-a', 'node-a')"),
    (['02', '6'], "node 6 is listed more than once ('02', '6')"),
    (["x'; DROP TABLE NODE; --"], "node 'x'; DROP TABLE NODE; --' not found"),
    ([u'n\u00f6de'], u"node 'n\u00f6de' not found"),
    (['NODE-A'], "node 'NODE-A' not found"),     # names compare exactly, whatever the server's collation
    (['node-a '], "node 'node-a ' not found"),
    ([EMOJI], u"node '%s' not found in NODE" % EMOJI),
    (['-5'], "node '-5' not found"),
    (['9223372036854775807'], "node '9223372036854775807' not found"),
])
def test_resolve_errors_name_the_value(refs, message):
    text = failure(refs, NODES, 'node', option='select_nodes', table='NODE')
    assert message in text
    assert text.startswith('select_nodes: ')


def test_not_found_without_the_known_list_and_with_a_hint():
    text = failure(['zz'], NODES, 'node', known=False, hint=lambda ref: ' (try %s)' % ref.upper())
    assert text == "node 'zz' not found (try ZZ)"


def test_describe_names_the_objects_in_messages():
    text = failure(['twin'], NODES, 'node', describe=lambda n: '%d %s@%s' % (n.id, n.name, n.ip))
    assert '3 twin@10.0.0.3, 4 twin@10.0.0.4' in text


def test_named_limits_what_a_name_may_name_but_not_what_an_id_may():
    scope = NODES[:2]
    assert [n.id for n in resolve(['3'], NODES, 'node', named=scope)] == [3]
    assert 'not found' in failure(['twin'], NODES, 'node', named=scope)


# ---------------------------------------------------------------------------------------------
# lookup_keys and storable: what may be sent to the server as a name

def test_lookup_keys_send_every_canonical_id_and_every_storable_name():
    ids, names = lookup_keys(['2', '02', ' 2 ', 'node-a', 7, u'\u00e4', EMOJI, 'a\x00b', 'node-a'])
    assert ids == [2, 7]
    # a canonical ID is looked up as a name too: that is how an ID-vs-name ambiguity is seen
    assert names == [' 2 ', '02', '2', '7', 'node-a', u'\u00e4']


def test_lookup_keys_of_nothing():
    assert lookup_keys(None) == ([], [])
    assert lookup_keys([]) == ([], [])
    assert lookup_keys([EMOJI, u'\x00']) == ([], [])


@pytest.mark.parametrize('name, expected', [
    ('node-a', True), ('', True), (u'\u00e4\u8282\u70b9', True), (u'\uffff', True),
    (u'\U0001F600', False), (EMOJI, False), (u'\U00010000', False), ('a\x00b', False), ('\x00', False),
])
def test_storable(name, expected):
    assert storable(name) is expected


# ---------------------------------------------------------------------------------------------
# resolve_pipelines

@pytest.mark.parametrize('channels, pipelines, expected', [
    (['sync-ab'], None, [1, 2]),
    (['2'], None, [3, 4]),
    (['sync-ab', 'sync-cd'], None, [1, 2, 3, 4]),
    (['sync-cd', 'sync-ab'], None, [1, 2, 3, 4]),
    (None, ['b-to-a'], [2]),
    (None, ['4', 'b-to-a'], [2, 4]),
    (['sync-cd'], ['a-to-b'], [3]),
    (['sync-ab'], ['a-to-b', '2'], [1, 2]),
])
def test_resolve_pipelines(channels, pipelines, expected):
    assert [p.id for p in resolve_pipelines(channels, pipelines, CHANNELS, PIPELINES)] == expected


def test_resolve_pipelines_keeps_channel_names():
    (pipeline,) = resolve_pipelines(None, ['d-to-c'], CHANNELS, PIPELINES)
    assert (pipeline.name, pipeline.channel_id, pipeline.channel_name) == ('d-to-c', 2, 'sync-cd')


@pytest.mark.parametrize('channels, pipelines, message', [
    (['nope'], None, "channel 'nope' not found in CHANNEL"),
    (['0'], None, "channel '0' not found in CHANNEL"),
    (['empty'], None, "channel 'empty' (id 3) has no pipelines"),
    (['sync-ab', '1'], None, "channel 1 is listed more than once ('sync-ab', '1')"),
    (None, ['a-to-b'], "pipeline name 'a-to-b' is ambiguous, it matches pipelines 1 (sync-ab/a-to-b), "
                       "3 (sync-cd/a-to-b)"),
    (None, ['zz'], "pipeline 'zz' not found in PIPELINE"),
    (None, ['99999999999999999999999'], "pipeline '99999999999999999999999' not found in PIPELINE"),
    (None, ['01'], "pipeline '01' not found in PIPELINE"),
    (['sync-ab'], ['d-to-c'], "pipeline 'd-to-c' not found in PIPELINE (a pipeline of that name exists outside "
                              "the given channels: 4 (sync-cd/d-to-c))"),
    (['sync-ab'], ['4'], "pipeline '4' is pipeline 4 (sync-cd/d-to-c), which is not in the given channel(s) "
                         "1 (sync-ab)"),
    (None, ['1', 'sync-ab/a-to-b'], "pipeline 'sync-ab/a-to-b' not found in PIPELINE"),
    (['sync-ab'], ['1', 'a-to-b'], "pipeline 1 is listed more than once ('1', 'a-to-b')"),
])
def test_resolve_pipelines_errors_name_the_value(channels, pipelines, message):
    with pytest.raises(RequestError) as caught:
        resolve_pipelines(channels, pipelines, CHANNELS, PIPELINES)
    assert message in str(caught.value)


def test_resolve_pipelines_lists_no_known_objects():
    """Only the candidate rows were read, so a list of them would mislead."""
    for channels, pipelines in ((['nope'], None), (None, ['zz'])):
        with pytest.raises(RequestError) as caught:
            resolve_pipelines(channels, pipelines, CHANNELS, PIPELINES)
        assert 'known' not in str(caught.value)


def test_resolve_pipelines_applies_the_id_rule_to_channels_and_pipelines():
    channels = CHANNELS + [Channel(4, '1'), Channel(5, '02')]
    pipelines = PIPELINES + [Pipeline(6, 'p', 5, '02'), Pipeline(7, '3', 1, 'sync-ab')]
    assert [p.id for p in resolve_pipelines(['02'], None, channels, pipelines)] == [6]
    with pytest.raises(RequestError, match="channel '1' is ambiguous: it is the ID of channel 1 sync-ab and the name "
                                           "of channel 4 1"):
        resolve_pipelines(['1'], None, channels, pipelines)
    with pytest.raises(RequestError, match="pipeline '3' is ambiguous: it is the ID of pipeline 3 "):
        resolve_pipelines(['sync-ab'], ['3'], channels, pipelines)


# ---------------------------------------------------------------------------------------------
# referable: how a declaration names an object so that resolve reads it back

def test_referable_names_by_name_then_by_id_and_leaves_out_what_neither_names():
    nodes = [Node(1, 'node-a', 'h', 1, None, None), Node(2, '3', 'h', 1, None, None), Node(3, 'twin', 'h', 1, None, None),
             Node(4, 'twin', 'h', 1, None, None), Node(5, '5', 'h', 1, None, None), Node(6, 'dup', 'h', 1, None, None),
             Node(7, 'dup', 'h', 1, None, None), Node(8, '7', 'h', 1, None, None)]
    refs = referable(nodes)
    # 2 and 8 are named after another node's ID, 5 by its own ID, 4 and 6 share their names; 3 and 7 share
    # their names too and their IDs are other nodes' names (2's, 8's): nothing names them
    assert refs == {1: 'node-a', 2: '2', 4: '4', 5: '5', 6: '6', 8: '8'}
    for node_id, ref in refs.items():
        assert [n.id for n in resolve([ref], nodes, 'node')] == [node_id]
    for ref in ('3', 'twin', '7', 'dup'):
        with pytest.raises(RequestError, match='ambiguous'):
            resolve([ref], nodes, 'node')
