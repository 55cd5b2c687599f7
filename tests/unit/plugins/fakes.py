# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-ins every unit test shares, one per outside system, each below the collection's own
adapter so that the adapter's code runs for real:

- FakeServer: the Otter manager database as the statements of sql.py see it, reached through a
  FakeConnection that has the part of a PyMySQL connection mysql.Database uses. Tables live in
  memory; every connection works in its own transaction, sees its own writes and publishes them
  on commit only (closing without commit rolls back).
- FakeKazoo: the part of a KazooClient zookeeper.ZooKeeper uses, over a dict of path -> data.
- FakeManager: an opener for manager_api.ManagerAPI that answers like the manager's api screens.
- FakeClock: time and sleep for the code that waits.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import io
import json
import re
import unicodedata
from collections import namedtuple

import pymysql
from pymysql.converters import escape_item

from ansible.module_utils.six.moves.urllib.error import URLError

from ansible_collections.otter.ha.plugins.module_utils import mysql
from ansible_collections.otter.ha.plugins.module_utils.objects import Channel, Cluster, Node, Pipeline, Relation
from ansible_collections.otter.ha.tests.unit.plugins import layouts

# What NOW() and a TIMESTAMP default read as, in seconds since the epoch (2025-12-01 00:00:00 UTC).
NOW = 1764547200
WRITES = ('INSERT ', 'UPDATE ', 'DELETE ')


def literal(value):
    """A value as PyMySQL renders it into a statement."""
    return escape_item(value, 'utf8mb4')


def collate(text):
    """A NAME as utf8_general_ci compares it: case, accents and trailing spaces ignored."""
    folded = unicodedata.normalize('NFD', text.rstrip(' '))
    return ''.join(c for c in folded if not unicodedata.combining(c)).lower()


def error(code, text):
    return pymysql.err.OperationalError(code, text)


# ---------------------------------------------------------------------------------------------
# Parsing what the adapter sends: statements rendered by PyMySQL

_VALUE = r"NULL|NOW\(\)|-?\d+|'(?:[^'\\]|\\.)*'"
_ITEM = re.compile(r'\s*(%s)\s*([,)])' % _VALUE, re.S)
_ASSIGN = re.compile(r'\s*(\w+) = (%s)\s*(,|WHERE)' % _VALUE, re.S)
_UNESCAPE = {'0': '\0', 'n': '\n', 'r': '\r', 'Z': '\x1a', 'b': '\b', 't': '\t'}


def _value(token):
    if token == 'NULL':
        return None
    if token == 'NOW()':
        return NOW
    if token.startswith("'"):
        return re.sub(r'\\(.)', lambda m: _UNESCAPE.get(m.group(1), m.group(1)), token[1:-1], flags=re.S)
    return int(token)


def _tuples(text):
    """[(value, ...)] from "(1, 'a', NOW()), (2, 'b', NOW())"."""
    found = []
    pos = 0
    while True:
        opening = re.compile(r'\s*\(').match(text, pos)
        if not opening:
            return found
        pos = opening.end()
        values = []
        while True:
            item = _ITEM.match(text, pos)
            assert item, 'cannot read the values at %r' % text[pos:pos + 40]
            values.append(_value(item.group(1)))
            pos = item.end()
            if item.group(2) == ')':
                break
        found.append(tuple(values))
        comma = re.compile(r'\s*,').match(text, pos)
        if not comma:
            return found
        pos = comma.end()


def _ids(text):
    return [int(v) for v in re.findall(r'-?\d+', text)]


# ---------------------------------------------------------------------------------------------
# The database

class FakeServer(object):
    """The manager database: NODE, AUTOKEEPER_CLUSTER, CHANNEL, PIPELINE, PIPELINE_NODE_RELATION.

    engines: {table: engine} for tables that are not InnoDB. fail_on(fragment, exc) makes every
    statement containing fragment (or 'COMMIT' for a commit) raise exc, as the server would.
    statements: every statement text the server received, from every connection, in order.
    """

    def __init__(self, nodes=(), clusters=(), channels=(), pipelines=(), relations=(), engines=None,
                 server_info='10.11.6-MariaDB-0+deb12u1'):
        self.tables = dict(
            nodes=[Node(*n) for n in nodes],
            clusters=[Cluster(*c) for c in clusters],
            channels=[Channel(*c) for c in channels],
            pipelines=[Pipeline(p[0], p[1], p[2], None, NOW if len(p) < 5 or p[4] is None else p[4]) for p in pipelines],
            relations=[Relation(r[0], r[1], r[2], r[3], NOW if len(r) < 5 or r[4] is None else r[4],
                                NOW if len(r) < 6 or r[5] is None else r[5]) for r in relations],
        )
        # AUTO_INCREMENT: the next ID of NODE and of PIPELINE_NODE_RELATION; deleting rows never lowers it.
        self.tables['next_id'] = dict(nodes=max([n.id for n in self.tables['nodes']] + [0]) + 1,
                                      relations=max([r.id for r in self.tables['relations']] + [0]) + 1)
        self.engines = dict(engines or {})
        self.server_info = server_info
        self.now = NOW + 3600  # what NOW() writes during the test, an hour after the rows were written
        self.statements = []
        self.connections = []
        self.connect_kwargs = []
        self.commits = 0
        self.failures = []

    @classmethod
    def bidirectional(cls, relations=None, **overrides):
        """The shared layout (tests/unit/plugins/layouts.py): channel sync-ab, its two pipelines,
        nodes node-a, node-b and node-c, clusters default and zk-b, and the UI's relation rows."""
        values = dict(nodes=layouts.NODES, clusters=layouts.CLUSTERS, channels=layouts.CHANNELS,
                      pipelines=layouts.PIPELINES, relations=layouts.UI_STATE if relations is None else relations)
        values.update(overrides)
        return cls(**values)

    # -- what tests look at

    @property
    def nodes(self):
        return sorted(self.tables['nodes'], key=lambda n: n.id)

    @property
    def relations(self):
        """(id, pipeline, node, location) of every committed relation row, by ID."""
        return [(r.id, r.pipeline_id, r.node_id, r.location) for r in sorted(self.tables['relations'], key=lambda r: r.id)]

    def writes(self):
        """The statements received that change something."""
        return [s for s in self.statements if s.startswith(WRITES)]

    def locking_reads(self):
        return [s for s in self.statements if 'FOR UPDATE' in s or 'LOCK IN SHARE MODE' in s]

    def fail_on(self, fragment, exc):
        self.failures.append((fragment, exc))

    # -- connecting

    def connect(self, **kwargs):
        """Stands in for pymysql.connect."""
        self.connect_kwargs.append(kwargs)
        for fragment, exc in self.failures:
            if fragment == 'CONNECT':
                raise exc
        connection = FakeConnection(self)
        self.connections.append(connection)
        return connection

    def open(self, check_mode=False, read_timeout=60):
        """A mysql.Database on a new connection, without the session statement of Database.open."""
        return mysql.Database(self.connect(), check_mode=check_mode, read_timeout=read_timeout)

    def _check_failures(self, text):
        for fragment, exc in self.failures:
            if fragment in text:
                raise exc


class FakeConnection(object):
    """The part of a PyMySQL connection mysql.Database uses; one transaction on a FakeServer."""

    def __init__(self, server):
        self.server = server
        self.work = copy.deepcopy(server.tables)
        for table in ('nodes', 'relations'):  # rows a test added to the tables directly count too
            self.work['next_id'][table] = max([self.work['next_id'][table]] + [r.id + 1 for r in self.work[table]])
        self.read_only = False
        self.closed = False
        self.committed = False
        self.last_insert_id = 0

    def get_server_info(self):
        return self.server.server_info

    def escape(self, value):
        return literal(value)

    def cursor(self):
        assert not self.closed, 'a statement on a closed connection'
        return FakeCursor(self)

    def commit(self):
        self.server._check_failures('COMMIT')
        self.server.tables = copy.deepcopy(self.work)
        self.server.commits += 1
        self.committed = True

    def close(self):
        self.closed = True

    # -- statements

    def run(self, sql, args):
        """(rows, rowcount) for a statement; sql as the adapter passed it, args its parameters."""
        text = sql if args is None else sql % tuple(literal(a) for a in args)
        self.server.statements.append(text)
        self.server._check_failures(text)
        if text.startswith(WRITES):
            if self.read_only:
                raise error(1792, 'Cannot execute statement in a READ ONLY transaction')
            return (), self._write(text)
        if self.read_only and ('FOR UPDATE' in text or 'LOCK IN SHARE MODE' in text):
            raise AssertionError('a locking read in a read-only transaction (check mode locks nothing): %s' % text)
        return self._read(sql, list(args or [])), -1

    def _read(self, sql, args):
        tables = self.work
        if sql.startswith('SET SESSION'):
            return ()
        if sql.startswith('START TRANSACTION'):
            self.read_only = 'READ ONLY' in sql
            return ()
        if sql == 'SELECT LAST_INSERT_ID()':
            return [(self.last_insert_id,)]
        if 'FROM information_schema.TABLES' in sql:
            wanted = re.search(r"TABLE_NAME IN \(([^)]*)\)", sql).group(1)
            names = sorted(re.findall(r"'(\w+)'", wanted))
            engines = ','.join('%s=%s' % (t, self.server.engines.get(t, 'InnoDB')) for t in names)
            nodes = sorted(tables['nodes'], key=lambda n: n.id)
            return [tuple(n) + (engines,) for n in nodes] or [(None,) * 6 + (engines,)]
        if 'FROM NODE n WHERE n.NAME = %s AND n.IP = %s' in sql:
            return [tuple(n) for n in tables['nodes']
                    if collate(n.name) == collate(args[0]) and collate(n.ip) == collate(args[1])][:1]
        if 'FROM NODE n ORDER BY n.ID' in sql:
            return [tuple(n) for n in sorted(tables['nodes'], key=lambda n: n.id)]
        if 'FROM AUTOKEEPER_CLUSTER' in sql:
            return [tuple(c) for c in sorted(tables['clusters'])]
        if 'FROM CHANNEL c LEFT JOIN PIPELINE p' in sql:
            return self._selection(sql, args)
        if 'FROM PIPELINE p LEFT JOIN CHANNEL c' in sql:
            names = dict((c.id, c.name) for c in tables['channels'])
            return [(p.id, p.name, p.channel_id, names.get(p.channel_id))
                    for p in sorted(tables['pipelines']) if p.id in args]
        if 'LEFT JOIN PIPELINE_NODE_RELATION r ON r.PIPELINE_ID = p.ID' in sql:
            # read_relations: one text column per row, as CONCAT_WS renders it (NULL columns left out).
            stamps = 'UNIX_TIMESTAMP' in sql
            found = []
            for pipeline in sorted(p for p in tables['pipelines'] if p.id in args):
                mine = sorted((r for r in tables['relations'] if r.pipeline_id == pipeline.id), key=lambda r: r.id)
                for r in mine:
                    values = (pipeline.id, r.id, r.node_id) + ((r.gmt_create, r.gmt_modified) if stamps else ()) + (r.location,)
                    found.append((' '.join(str(v) for v in values),))
                if not mine:
                    found.append((str(pipeline.id),))
            return found
        if 'FROM PIPELINE_NODE_RELATION r WHERE r.NODE_ID = %s' in sql:
            return [(r.id, r.pipeline_id, r.node_id, r.location)
                    for r in sorted(tables['relations'], key=lambda r: r.id) if r.node_id == args[0]]
        raise AssertionError('the fake database does not know this statement: %s' % sql)

    def _selection(self, sql, args):
        """read_selection: CHANNEL LEFT JOIN PIPELINE, filtered by the ID and NAME lists in order."""
        conditions = []
        for table, column, marks in re.findall(r'\b([cp])\.(ID|NAME) IN \(([^)]*)\)', sql):
            count = marks.count('%s')
            values, args = args[:count], args[count:]
            if column == 'NAME':
                for value in values:
                    if '\x00' in value or any(ord(c) > 0xFFFF for c in value):
                        # What MySQL answers when a utf8mb4 literal meets a utf8 (3-byte) column.
                        raise error(1267, "Illegal mix of collations (utf8_general_ci,IMPLICIT) and "
                                          "(utf8mb4_general_ci,COERCIBLE) for operation '='")
            conditions.append((table, column, values))
        filtered = ' WHERE ' in sql
        found = []
        for channel in sorted(self.work['channels']):
            pipelines = sorted(p for p in self.work['pipelines'] if p.channel_id == channel.id) or [None]
            for pipeline in pipelines:
                if filtered and not any(self._matches(channel, pipeline, *c) for c in conditions):
                    continue
                found.append((channel.id, channel.name) + ((pipeline.id, pipeline.name, pipeline.modified) if pipeline
                                                           else (None, None, None)))
        return found

    @staticmethod
    def _matches(channel, pipeline, table, column, values):
        row = channel if table == 'c' else pipeline
        if row is None:
            return False
        if column == 'ID':
            return row.id in values
        return any(collate(row.name) == collate(v) for v in values)

    def _write(self, text):
        tables = self.work
        if text.startswith('INSERT INTO PIPELINE_NODE_RELATION'):
            header, values = text.split(' VALUES ', 1)
            columns = re.search(r'\(([^)]*)\)', header).group(1).split(', ')
            inserted = _tuples(values)
            for item in inserted:
                row = dict(zip(columns, item))
                if 'ID' not in row:
                    row['ID'] = tables['next_id']['relations']
                tables['next_id']['relations'] = max(tables['next_id']['relations'], row['ID'] + 1)
                tables['relations'].append(Relation(row['ID'], row['PIPELINE_ID'], row['NODE_ID'], row['LOCATION'],
                                                    row['GMT_CREATE'], row['GMT_MODIFIED']))
            return len(inserted)
        if text.startswith('DELETE FROM PIPELINE_NODE_RELATION WHERE '):
            column = re.match(r'DELETE FROM PIPELINE_NODE_RELATION WHERE (ID|PIPELINE_ID) IN ', text).group(1)
            ids = set(_ids(text[text.index(' IN '):]))
            before = len(tables['relations'])
            key = (lambda r: r.id) if column == 'ID' else (lambda r: r.pipeline_id)
            tables['relations'] = [r for r in tables['relations'] if key(r) not in ids]
            return before - len(tables['relations'])
        if text.startswith('INSERT INTO NODE'):
            header, values = text.split(' VALUES ', 1)
            columns = re.search(r'\(([^)]*)\)', header).group(1).split(', ')
            row = dict(zip(columns, _tuples(values)[0]))
            for node in tables['nodes']:
                if collate(node.name) == collate(row['NAME']) and collate(node.ip) == collate(row['IP']):
                    raise pymysql.err.IntegrityError(1062, "Duplicate entry '%s-%s' for key 'NODEUNIQUE'"
                                                     % (row['NAME'], row['IP']))
            self.last_insert_id = tables['next_id']['nodes']
            tables['next_id']['nodes'] += 1
            tables['nodes'].append(Node(self.last_insert_id, row['NAME'], row['IP'], row['PORT'],
                                        row.get('DESCRIPTION'), row.get('PARAMETERS')))
            return 1
        if text.startswith('UPDATE NODE SET '):
            node_id = int(re.search(r'WHERE ID = (\d+)$', text).group(1))
            changes = {}
            pos = len('UPDATE NODE SET')
            while True:
                item = _ASSIGN.match(text, pos)
                assert item, 'cannot read the assignments at %r' % text[pos:pos + 40]
                changes[item.group(1)] = _value(item.group(2))
                pos = item.end()
                if item.group(3) == 'WHERE':
                    break
            fields = dict(NAME='name', IP='ip', PORT='port', DESCRIPTION='description', PARAMETERS='parameters')
            updated = 0
            for index, node in enumerate(tables['nodes']):
                if node.id == node_id:
                    tables['nodes'][index] = node._replace(**dict((fields[c], v) for c, v in changes.items() if c in fields))
                    updated = 1
            return updated
        if text.startswith('UPDATE PIPELINE SET GMT_MODIFIED = NOW() WHERE ID IN '):
            ids = set(_ids(text[text.index(' IN '):]))
            touched = [p for p in tables['pipelines'] if p.id in ids]
            tables['pipelines'] = [p._replace(modified=self.server.now) if p.id in ids else p for p in tables['pipelines']]
            return len(touched)
        if text.startswith('DELETE FROM NODE WHERE ID = '):
            node_id = int(text.rsplit(' ', 1)[1])
            before = len(tables['nodes'])
            tables['nodes'] = [n for n in tables['nodes'] if n.id != node_id]
            return before - len(tables['nodes'])
        raise AssertionError('the fake database does not know this write: %s' % text)


class FakeCursor(object):
    def __init__(self, connection):
        self._connection = connection
        self._rows = ()
        self.rowcount = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def mogrify(self, sql, args=None):
        return sql if args is None else sql % tuple(literal(a) for a in args)

    def execute(self, sql, args=None):
        self._rows, self.rowcount = self._connection.run(sql, args)
        return self.rowcount

    def fetchall(self):
        return tuple(self._rows)


# ---------------------------------------------------------------------------------------------
# ZooKeeper

ZnodeStat = namedtuple('ZnodeStat', ['version', 'mtime', 'ephemeralOwner'])


class FakeKazoo(object):
    """The part of KazooClient zookeeper.ZooKeeper uses, over {path: data}; a parent znode need not
    be listed for its children to be found. stats: {path: dict(version=, mtime= (ms), owner= (session))}
    for the znodes whose stat matters. on_set(client, path, data) runs after each successful set,
    so that a test can play the nodes' part (a holder releasing its lock, another taking it)."""

    def __init__(self, znodes, stats=None, start_error=None, read_error=None, on_set=None):
        self.znodes = dict(znodes)
        self.stats = dict((path, dict(stat)) for path, stat in (stats or {}).items())
        self.start_error = start_error
        self.read_error = read_error
        self.on_set = on_set
        self.calls = []

    def __call__(self, hosts=None, timeout=None, read_only=None):
        """Stands in for the KazooClient class."""
        self.calls.append(('client', hosts, timeout, read_only))
        return self

    def start(self, timeout=None):
        self.calls.append(('start', timeout))
        if self.start_error is not None:
            raise self.start_error

    def stop(self):
        self.calls.append('stop')

    def close(self):
        self.calls.append('close')

    def _exists(self, path):
        prefix = path.rstrip('/') + '/'
        return path in self.znodes or any(p.startswith(prefix) for p in self.znodes)

    def _stat(self, path):
        stat = self.stats.setdefault(path, {})
        return ZnodeStat(stat.get('version', 0), stat.get('mtime', NOW * 1000), stat.get('owner', 0))

    def _reading(self, path):
        from kazoo.exceptions import NoNodeError
        self.calls.append(('read', path))
        if self.read_error is not None:
            raise self.read_error
        if not self._exists(path):
            raise NoNodeError()

    def exists(self, path):
        self.calls.append(('exists', path))
        if self.read_error is not None:
            raise self.read_error
        return self._stat(path) if self._exists(path) else None

    def get_children(self, path):
        self._reading(path)
        prefix = path.rstrip('/') + '/'
        children = set(p[len(prefix):].split('/')[0] for p in self.znodes if p.startswith(prefix))
        return sorted(children)

    def get(self, path):
        self._reading(path)
        return self.znodes.get(path, b''), self._stat(path)

    def set(self, path, data, version=-1):
        from kazoo.exceptions import BadVersionError, NoNodeError
        self.calls.append(('set', path, data, version))
        if path not in self.znodes:
            raise NoNodeError()
        if version != -1 and version != self._stat(path).version:
            raise BadVersionError()
        self.znodes[path] = data
        self.stats[path]['version'] = self._stat(path).version + 1
        if self.on_set is not None:
            self.on_set(self, path, data)
        return self._stat(path)

    def delete(self, path):
        """What a node does to its ephemeral znode (not used by the collection)."""
        self.znodes.pop(path, None)
        self.stats.pop(path, None)

    def create(self, path, data, owner=0, mtime=None):
        """What a node does when it takes a lock (not used by the collection)."""
        self.znodes[path] = data
        self.stats[path] = dict(version=0, owner=owner, mtime=NOW * 1000 if mtime is None else mtime)


# ---------------------------------------------------------------------------------------------
# The manager's HTTP API

class FakeClock(object):
    def __init__(self, now=1000.0):
        self.now = now
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class FakeResponse(object):
    """An HTTP answer read in chunks; each read may advance a clock (a manager that trickles)."""

    def __init__(self, body, status=200, chunk=None, clock=None, per_read=0):
        self._body = io.BytesIO(body)
        self.status = status
        self._chunk = chunk
        self._clock = clock
        self._per_read = per_read
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self._clock is not None:
            self._clock.now += self._per_read
        return self._body.read(min(size, self._chunk) if self._chunk else size)


class FakeManager(object):
    """An opener that answers like the manager's api/channel_check and api/channel_op screens; a
    status change takes `lag` more checks to show. refuse: errMessage of a refused command;
    down: no answer at all."""

    def __init__(self, status='STOP', lag=0, refuse=None, down=False):
        self.status, self.lag, self.refuse, self.down = status, lag, refuse, down
        self.pending = None
        self.urls = []
        self.options = []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        self.options.append(kwargs)
        if self.down:
            raise URLError(ConnectionRefusedError(111, 'Connection refused'))
        if '/api/channel_op.htm' in url:
            if self.refuse:
                return FakeResponse(json.dumps({'success': False, 'errMessage': self.refuse}).encode())
            self.pending = [self.lag, 'START' if 'command=start' in url else 'STOP']
            return FakeResponse(b'{"success":true}')
        if self.pending:
            if self.pending[0] == 0:
                self.status, self.pending = self.pending[1], None
            else:
                self.pending[0] -= 1
        return FakeResponse(json.dumps({'success': True, 'data': self.status}).encode())
