# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one rule by which an inventory names nodes, channels, pipelines and ZooKeeper clusters.

A reference is an ID when it is written in canonical decimal (digits, no sign, no spaces, no
leading zero) and a row has that ID; it is a name when a row has exactly that NAME. A reference
that is the ID of one row and the NAME of another is ambiguous and fails naming both: nothing is
guessed. '02' and ' 2 ' are names, never IDs. Pure: no database, no Ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import listing

_CANONICAL = re.compile(r'\A[1-9][0-9]*\Z')
_MAX_BIGINT = 2 ** 63 - 1


def as_id(ref):
    """The ID a reference spells, or None when it is not canonical decimal within BIGINT."""
    text = ref if isinstance(ref, str) else str(ref)
    if _CANONICAL.match(text):
        value = int(text)
        if value <= _MAX_BIGINT:
            return value
    return None


def storable(name):
    """Whether a name can be stored in the manager's utf8 (3-byte) columns: a character beyond the
    Basic Multilingual Plane cannot, so such a reference names nothing (and sending it to the
    server would fail on collations instead of saying 'not found')."""
    return all(ord(c) <= 0xFFFF for c in name) and '\x00' not in name


def resolve(refs, candidates, kind, option=None, table=None, describe=None, named=None, known=True, hint=None):
    """The candidates the references name, in the order given.

    candidates: objects with ``id`` and ``name`` that an ID may name; named: those a name may
    name (default: candidates). describe(obj) names one in a message (default 'ID name').
    known: list the candidates when a reference is not found (only where all rows were read).
    hint(ref): extra words for a reference that is not found.
    Raises RequestError for a reference that names nothing, names two rows, or names a row
    that another reference names too.
    """
    describe = describe or (lambda obj: '%d %s' % (obj.id, obj.name))
    prefix = '%s: ' % option if option else ''
    named = candidates if named is None else named
    by_id = dict((obj.id, obj) for obj in candidates)
    by_name = {}
    for obj in named:
        by_name.setdefault(obj.name, []).append(obj)
    chosen = []
    for ref in refs:
        text = ref if isinstance(ref, str) else str(ref)
        ident = as_id(text)
        id_match = by_id.get(ident) if ident is not None else None
        name_matches = [obj for obj in by_name.get(text, []) if id_match is None or obj.id != id_match.id]
        if id_match is not None and name_matches:
            raise RequestError(
                "%s%s '%s' is ambiguous: it is the ID of %s %s and the name of %s %s; rename one of them, "
                "or refer to the second one by its ID" % (prefix, kind, text, kind, describe(id_match), kind,
                                                          listing(describe(o) for o in name_matches)))
        if id_match is not None:
            chosen.append((text, id_match))
        elif len(name_matches) == 1:
            chosen.append((text, name_matches[0]))
        elif name_matches:
            raise RequestError("%s%s name '%s' is ambiguous, it matches %ss %s; use the %s ID"
                               % (prefix, kind, text, kind, listing(describe(o) for o in name_matches), kind))
        else:
            where = ' in %s' % table if table else ''
            extra = ' (known: %s)' % listing(describe(o) for o in candidates) if known else ''
            raise RequestError("%s%s '%s' not found%s%s%s" % (prefix, kind, text, where, extra,
                                                              hint(text) if hint else ''))
    seen = {}
    for text, obj in chosen:
        seen.setdefault(obj.id, []).append(text)
    for ident, texts in seen.items():
        if len(texts) > 1:
            raise RequestError('%s%s %d is listed more than once (%s)'
                               % (prefix, kind, ident, ', '.join("'%s'" % t for t in texts)))
    return [obj for _text, obj in chosen]


def referable(objects):
    """{id: reference} naming each object the way resolve reads it back: by NAME where no other object
    has that name and the name is no other object's ID, else by ID where no other object has that ID as
    its name. An object that neither can name (its name shared or another's ID, and its ID another's
    name) is missing: no reference to it can be written (audit.unreferable says why)."""
    named = {}
    for obj in objects:
        named.setdefault(obj.name, []).append(obj.id)
    ids = set(str(obj.id) for obj in objects)
    refs = {}
    for obj in objects:
        own = str(obj.id)
        if named[obj.name] == [obj.id] and (obj.name not in ids or obj.name == own):
            refs[obj.id] = obj.name
        elif all(other == obj.id for other in named.get(own, [])):
            refs[obj.id] = own
    return refs


def lookup_keys(refs):
    """(IDs, names) to read the rows these references may name: every canonical ID, and every
    reference that a utf8 column could hold as a name."""
    texts = [r if isinstance(r, str) else str(r) for r in refs or []]
    ids = sorted(set(i for i in (as_id(t) for t in texts) if i is not None))
    names = sorted(set(t for t in texts if storable(t)))
    return ids, names


def resolve_pipelines(channel_refs, pipeline_refs, channels, pipelines):
    """The pipelines that the channel and pipeline references select, sorted by ID, from the
    channels and pipelines read for them (sql.read_selection).

    - channels only: every pipeline of those channels;
    - pipelines only: those pipelines, names looked up across all channels;
    - both: those pipelines, each of which must belong to one of the channels, names looked up
      inside those channels only.
    """
    chosen = None
    if channel_refs:
        chosen = resolve(channel_refs, channels, 'channel', table='CHANNEL', known=False)
    if not pipeline_refs:
        by_channel = {}
        for pipeline in pipelines:
            by_channel.setdefault(pipeline.channel_id, []).append(pipeline)
        selected = []
        for channel in chosen or []:
            members = by_channel.get(channel.id)
            if not members:
                raise RequestError("channel '%s' (id %d) has no pipelines" % (channel.name, channel.id))
            selected.extend(members)
        return sorted(selected, key=lambda p: p.id)

    scope_ids = None if chosen is None else set(c.id for c in chosen)
    scope = [p for p in pipelines if scope_ids is None or p.channel_id in scope_ids]

    def describe(pipeline):
        return '%d (%s/%s)' % (pipeline.id, pipeline.channel_name, pipeline.name)

    def hint(ref):
        elsewhere = [p for p in pipelines if p.name == ref and p not in scope]
        if not elsewhere:
            return ''
        return ' (a pipeline of that name exists outside the given channels: %s)' % listing(
            describe(p) for p in elsewhere)

    selected = resolve(pipeline_refs, pipelines, 'pipeline', table='PIPELINE', describe=describe, named=scope,
                       known=False, hint=hint)
    for ref, pipeline in zip(pipeline_refs, selected):
        if scope_ids is not None and pipeline.channel_id not in scope_ids:
            raise RequestError("pipeline '%s' is pipeline %s, which is not in the given channel(s) %s"
                               % (ref, describe(pipeline), listing('%d (%s)' % (c.id, c.name) for c in chosen)))
    return sorted(selected, key=lambda p: p.id)
