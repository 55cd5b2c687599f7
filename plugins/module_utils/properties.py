# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Java .properties files as java.util.Properties.load reads them, and the one edit the collection
makes to them: the value of one key replaced, every other byte of the file kept. Pure: no files,
no Ansible.

Otter reads conf/otter.properties through Properties.load(InputStream) (Spring's properties loader
on the node, OtterManagerLauncher on the manager), which decodes ISO-8859-1: text here is the file's
bytes decoded as latin-1, so that decoding and encoding again gives back the same bytes.

The rules, as Properties.load applies them:
- a natural line ends at LF, CR or CR LF; leading spaces, tabs and form feeds are skipped, and so are
  blank lines;
- a line whose first other character is '#' or '!' is a comment, to its end (a trailing backslash
  does not continue a comment);
- a line ending in an odd number of backslashes continues on the next line, whose leading white
  space is skipped;
- the key ends at the first unescaped '=', ':' or white space; then white space and at most one
  '=' or ':' are skipped, and the rest of the line is the value (its trailing white space kept);
- in keys and values, \\t \\n \\r \\f and \\uXXXX are escapes, and a backslash before any other
  character stands for that character; a malformed \\uXXXX makes the whole file unreadable;
- a key given twice has its last value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

WHITE = ' \t\f'
_ESCAPES = {'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f'}
_WRITE_ESCAPES = {'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f'}

# One key/value line: key and value as Properties.load reads them; line: the 1-based number of its
# first natural line; start/end: the offsets of the logical line in the text (end before its line
# terminator); value_start: where its value begins (end when the value is empty); separator:
# whether '=' or ':' separates key and value.
Entry = namedtuple('Entry', ['key', 'value', 'line', 'start', 'value_start', 'end', 'separator'])


class PropertiesSyntaxError(ValueError):
    """Text that Properties.load refuses (a malformed \\uXXXX escape); line is 1-based."""

    def __init__(self, line, message):
        super(PropertiesSyntaxError, self).__init__('line %d: %s' % (line, message))
        self.line = line


def decode(data):
    """The text of a properties file's bytes, as Properties.load(InputStream) decodes them."""
    return data.decode('latin-1')


def encode(text):
    return text.encode('latin-1')


def _unescape(chars, line):
    out = []
    index = 0
    while index < len(chars):
        char = chars[index]
        index += 1
        if char != '\\':
            out.append(char)
            continue
        if index >= len(chars):
            break
        char = chars[index]
        index += 1
        if char == 'u':
            digits = ''.join(chars[index:index + 4])
            if len(digits) < 4 or any(c not in '0123456789abcdefABCDEF' for c in digits):
                raise PropertiesSyntaxError(line, 'malformed \\uxxxx escape: \\u%s' % digits)
            out.append(chr(int(digits, 16)))
            index += 4
        else:
            out.append(_ESCAPES.get(char, char))
    return ''.join(out)


def _line_end(text, index):
    """The offset of the line terminator at or after index (len(text) at the end)."""
    while index < len(text) and text[index] not in '\r\n':
        index += 1
    return index


def _past_terminator(text, index):
    if text.startswith('\r\n', index):
        return index + 2
    return index + 1 if index < len(text) else index


def _logical_lines(text):
    """(line number, start, end, [(offset, char)]) of every line that is not blank or a comment:
    its characters with continuations joined, each with its offset in text."""
    index = 0
    line = 1
    while index < len(text):
        while index < len(text) and text[index] in WHITE + '\r\n':
            if text[index] == '\n' or (text[index] == '\r' and not text.startswith('\r\n', index)):
                line += 1
            index += 1
        if index >= len(text):
            return
        start = index
        first_line = line
        if text[index] in '#!':
            index = _line_end(text, index)
            continue
        chars = []
        while True:
            end = _line_end(text, index)
            segment = text[index:end]
            backslashes = len(segment) - len(segment.rstrip('\\'))
            if backslashes % 2 == 0:
                chars.extend((index + i, c) for i, c in enumerate(segment))
                break
            chars.extend((index + i, c) for i, c in enumerate(segment[:-1]))
            if end >= len(text):
                break
            index = _past_terminator(text, end)
            line += 1
            while index < len(text) and text[index] in WHITE:
                index += 1
        yield first_line, start, end, chars
        index = end


def parse(text):
    """Every key/value line of the text, in order (Entry)."""
    entries = []
    for line, start, end, chars in _logical_lines(text):
        letters = [c for _o, c in chars]
        key_end = 0
        value_at = len(letters)
        separator = False
        backslash = False
        while key_end < len(letters):
            char = letters[key_end]
            if not backslash and char in '=:':
                value_at = key_end + 1
                separator = True
                break
            if not backslash and char in WHITE:
                value_at = key_end + 1
                break
            backslash = char == '\\' and not backslash
            key_end += 1
        while value_at < len(letters):
            char = letters[value_at]
            if char not in WHITE:
                if separator or char not in '=:':
                    break
                separator = True
            value_at += 1
        value_start = chars[value_at][0] if value_at < len(chars) else end
        entries.append(Entry(_unescape(letters[:key_end], line), _unescape(letters[value_at:], line), line, start,
                             value_start, end, separator))
    return entries


def load(text):
    """{key: value} as Properties.load leaves it: the last value of a key given twice."""
    return dict((entry.key, entry.value) for entry in parse(text))


def last_entry(text, key):
    """The Entry that gives key its value (the last one), or None."""
    found = None
    for entry in parse(text):
        if entry.key == key:
            found = entry
    return found


def escape_value(value):
    """The value as a properties file spells it: backslashes, control characters and leading white
    space escaped, and every character outside printable ASCII as \\uXXXX (the file is latin-1)."""
    out = []
    for index, char in enumerate(value):
        if char in _WRITE_ESCAPES:
            out.append(_WRITE_ESCAPES[char])
        elif index == 0 and char == ' ':
            out.append('\\ ')
        elif ord(char) < 0x20 or ord(char) > 0x7e:
            units = char.encode('utf-16-be')
            out.extend('\\u%02X%02X' % (units[i], units[i + 1]) for i in range(0, len(units), 2))
        else:
            out.append(char)
    return ''.join(out)


def escape_key(key):
    """The key as a properties file spells it: separators and white space escaped too."""
    out = []
    for char in escape_value(key):
        out.append('\\' + char if char in '=: #!' else char)
    return ''.join(out)


def _newline(text):
    """The file's line terminator: the first one it uses, LF when it has none."""
    for index, char in enumerate(text):
        if char == '\r':
            return '\r\n' if text.startswith('\r\n', index) else '\r'
        if char == '\n':
            return '\n'
    return '\n'


def set_value(text, key, value):
    """The text with key's value replaced by value, every other character kept.

    The entry that gives the key its value (the last one) has its value replaced in place: its key,
    separator and line terminator stay, and a value continued over several lines becomes one line.
    Earlier entries of the key are left as they are (the last one wins). Without an entry, a line
    'key = value' is appended, with the file's line terminator."""
    entry = last_entry(text, key)
    escaped = escape_value(value)
    if entry is None:
        newline = _newline(text)
        prefix = text if not text or text.endswith(('\n', '\r')) else text + newline
        result = '%s%s = %s%s' % (prefix, escape_key(key), escaped, newline)
        if load(result).get(key) != value:
            # The file ends in a continued line, which would swallow the new one: a blank line ends it.
            result = '%s%s%s = %s%s' % (prefix, newline, escape_key(key), escaped, newline)
    elif entry.value_start == entry.end and not entry.separator:
        # 'key' alone (or 'key ' with white space): a separator makes the new value unambiguous.
        result = '%s = %s%s' % (text[:entry.end].rstrip(WHITE), escaped, text[entry.end:])
    else:
        result = text[:entry.value_start] + escaped + text[entry.end:]
    if load(result).get(key) != value:
        raise ValueError('writing %r = %r would not read back as written' % (key, value))
    return result
