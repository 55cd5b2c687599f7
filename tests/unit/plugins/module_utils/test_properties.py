# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Java .properties files as Properties.load reads them, and the one-key edit that keeps every other byte."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.otter.ha.plugins.module_utils import properties
from ansible_collections.otter.ha.plugins.module_utils.properties import (
    PropertiesSyntaxError, decode, encode, escape_value, last_entry, load, parse, set_value)

LOAD_CASES = [
    # id, text, {key: value}
    ('equals', 'a=b', {'a': 'b'}),
    ('colon', 'a:b', {'a': 'b'}),
    ('white space separates', 'a b', {'a': 'b'}),
    ('white space around the separator', '  a \t = \f b', {'a': 'b'}),
    ('a second separator is value', 'a = = b', {'a': '= b'}),
    ('white space then colon', 'a :b', {'a': 'b'}),
    ('trailing white space is kept', 'a = b  ', {'a': 'b  '}),
    ('no value', 'a', {'a': ''}),
    ('empty value', 'a =', {'a': ''}),
    ('hash and bang comments', '# a = 1\n! b = 2\n  # c = 3\nd = 4', {'d': '4'}),
    ('a hash inside a value is text', 'a = b # c', {'a': 'b # c'}),
    ('blank lines', '\n\n  \na=1\n\n', {'a': '1'}),
    ('the last value wins', 'a=1\na=2', {'a': '2'}),
    ('continuation joins and skips leading white space', 'a = 1,\\\n    2,\\\n\t3', {'a': '1,2,3'}),
    ('an even number of backslashes does not continue', 'a = x\\\\\nb = y', {'a': 'x\\', 'b': 'y'}),
    ('a continuation line starting with hash is value', 'a = 1\\\n# 2', {'a': '1# 2'}),
    ('a comment ending in a backslash does not continue', '# c \\\na = 1', {'a': '1'}),
    ('a continuation into a blank line ends there', 'a = 1\\\n\nb = 2', {'a': '1', 'b': '2'}),
    ('a backslash at the end of the file is dropped', 'a = 1\\', {'a': '1'}),
    ('CR, LF and CR LF', 'a=1\rb=2\r\nc=3\n', {'a': '1', 'b': '2', 'c': '3'}),
    ('escapes', 'a = \\t\\n\\r\\f\\x\\\\\\u0041\\u00e9', {'a': '\t\n\r\fx\\A\u00e9'}),
    ('escaped separators in a key', 'a\\=b\\:c\\ d = e', {'a=b:c d': 'e'}),
    ('placeholders are text here', 'a = ${b:1}', {'a': '${b:1}'}),
]


@pytest.mark.parametrize('text, expected', [c[1:] for c in LOAD_CASES], ids=[c[0] for c in LOAD_CASES])
def test_load_reads_as_properties_load(text, expected):
    assert load(text) == expected


def test_a_malformed_unicode_escape_makes_the_file_unreadable_naming_the_line():
    with pytest.raises(PropertiesSyntaxError) as caught:
        parse('a = 1\n\n# x\nb = \\u12G4\n')
    assert caught.value.line == 4
    assert 'malformed \\uxxxx escape: \\u12G4' in str(caught.value)


def test_entries_carry_their_first_line_and_offsets():
    text = '# c\n\na = 1,\\\n  2\nb\n'
    entries = parse(text)
    assert [(e.key, e.value, e.line, e.separator) for e in entries] == [('a', '1,2', 3, True), ('b', '', 5, False)]
    assert text[entries[0].start:entries[0].end] == 'a = 1,\\\n  2'
    assert text[entries[0].value_start:entries[0].end] == '1,\\\n  2'
    assert last_entry(text + 'a = 3\n', 'a').value == '3'
    assert last_entry(text, 'z') is None


def test_latin1_round_trips_every_byte():
    data = bytes(range(256))
    assert encode(decode(data)) == data


SET_CASES = [
    # id, text, key, value, expected
    ('only the value changes', 'x = 1\na = old  \ny = 2\n', 'a', 'new', 'x = 1\na = new\ny = 2\n'),
    ('separator and spacing kept', 'a:old', 'a', 'new', 'a:new'),
    ('CR LF kept', 'a = old\r\nb = 1\r\n', 'a', 'new', 'a = new\r\nb = 1\r\n'),
    ('a continued value becomes one line', 'a = 1,\\\n   2\nb = 3\n', 'a', '9', 'a = 9\nb = 3\n'),
    ('the last entry is the one rewritten', 'a = 1\na = 2\n', 'a', '3', 'a = 1\na = 3\n'),
    ('a key without value gets a separator', 'a\nb = 1\n', 'a', 'v', 'a = v\nb = 1\n'),
    ('an empty value after the separator', 'a =\n', 'a', 'v', 'a =v\n'),
    ('a missing key is appended', 'b = 1\n', 'a', 'v', 'b = 1\na = v\n'),
    ('appended after a last line without newline, with the file newline', 'b = 1\r\nc = 2', 'a', 'v',
     'b = 1\r\nc = 2\r\na = v\r\n'),
    ('appended to an empty file', '', 'a', 'v', 'a = v\n'),
    ('appended after a continuation reaching the end', 'b = 1\\\n', 'a', 'v', 'b = 1\\\n\na = v\n'),
    ('comments and odd bytes kept', '# caf\xe9 \\\r\na = 1\r\n! end', 'a', '2', '# caf\xe9 \\\r\na = 2\r\n! end'),
    ('a key that needs escapes', 'x = 1\n', 'a b', 'v', 'x = 1\na\\ b = v\n'),
]


@pytest.mark.parametrize('text, key, value, expected', [c[1:] for c in SET_CASES], ids=[c[0] for c in SET_CASES])
def test_set_value_changes_one_value_and_keeps_every_other_byte(text, key, value, expected):
    result = set_value(text, key, value)
    assert result == expected
    assert load(result)[key] == value


@pytest.mark.parametrize('value, spelled', [
    ('127.0.0.1:1099,127.0.0.2:1099', '127.0.0.1:1099,127.0.0.2:1099'),
    (' lead', '\\ lead'),
    ('back\\slash', 'back\\\\slash'),
    ('tab\tand\nnewline', 'tab\\tand\\nnewline'),
    ('caf\u00e9 \u20ac \U0001F600', 'caf\\u00E9 \\u20AC \\uD83D\\uDE00'),
])
def test_escape_value_writes_what_load_reads_back(value, spelled):
    assert escape_value(value) == spelled
    assert load('k = ' + spelled)['k'] == value.replace('\U0001F600', '\ud83d\ude00')


def test_set_value_refuses_a_result_that_would_not_read_back(monkeypatch):
    monkeypatch.setattr(properties, 'escape_value', lambda value: value)
    with pytest.raises(ValueError):
        set_value('a = 1\n', 'a', 'x\\')
