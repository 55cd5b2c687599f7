# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PyMySQL adapter: the only file that talks to the database driver. Connecting (options as
the Ansible MySQL modules name them, option files read as the MariaDB/MySQL clients read them),
one session set up for the collection's locking, one transaction, and error wording."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import traceback

from ansible_collections.otter.ha.plugins.module_utils.errors import DatabaseError, LockTimeout, RequestError

try:
    import pymysql
except ImportError:
    pymysql = None
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()
else:
    PYMYSQL_IMPORT_ERROR = None

# Groups of an option file that every MariaDB and MySQL client program reads.
OPTION_GROUPS = ('client', 'client-server', 'client-mariadb')
_ESCAPES = {'b': '\b', 't': '\t', 'n': '\n', 'r': '\r', '\\': '\\', 's': ' ', '"': '"', "'": "'"}


# ---------------------------------------------------------------------------------------------
# Option files, as the client library reads them (mysys my_default.c)

def _option_value(text):
    """The value of 'key = value' as the client reads it: a '#' outside quotes starts a comment, the
    rest is stripped, one pair of quotes is removed when the value starts and ends with the same quote,
    and backslash escapes are translated (an unknown one is kept as written)."""
    quote = None
    end = len(text)
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in ('"', "'"):
            quote = char
        elif char == '#':
            end = index
            break
    value = text[:end].strip()
    if len(value) >= 2 and value[0] in ('"', "'") and value[-1] == value[0]:
        value = value[1:-1]
    out = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == '\\' and index + 1 < len(value):
            nxt = value[index + 1]
            out.append(_ESCAPES.get(nxt, '\\' + nxt))
            index += 2
            continue
        out.append(char)
        index += 1
    return ''.join(out)


def read_option_file(path, depth=0):
    """{option: value} from the client groups of a MySQL option file, later groups and lines
    winning; '-' and '_' in option names are the same. Text is kept byte for byte (surrogateescape),
    so a password reaches the server exactly as the client would send it."""
    options = {}
    if depth > 10:
        return options
    with open(path, 'rb') as handle:
        lines = handle.read().decode('utf-8', 'surrogateescape').splitlines()
    group = None
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('!include '):
            included = line[len('!include '):].strip()
            if os.path.isfile(included):
                options.update(read_option_file(included, depth + 1))
            continue
        if line.startswith('!includedir '):
            folder = line[len('!includedir '):].strip()
            if os.path.isdir(folder):
                for name in sorted(os.listdir(folder)):
                    if name.endswith('.cnf'):
                        options.update(read_option_file(os.path.join(folder, name), depth + 1))
            continue
        if line.startswith('[') and line.endswith(']'):
            group = line[1:-1].strip().lower()
            continue
        if group not in OPTION_GROUPS:
            continue
        key, sep, value = line.partition('=')
        options[key.strip().lower().replace('_', '-')] = _option_value(value) if sep else ''
    return options


def connection_settings(params):
    """What the connection will use: the task's options, then the option file's, then defaults.

    Options the task leaves unset are not forced: a task that sets no host must not override the
    host of ~/.my.cnf with 'localhost'. Returns (PyMySQL keyword arguments, description for messages).
    """
    from_file = {}
    config_file = params.get('config_file')
    if config_file:
        config_file = os.path.expanduser(config_file)
        if os.path.exists(config_file):
            try:
                from_file = read_option_file(config_file)
            except (IOError, OSError) as exc:
                raise RequestError("config_file '%s' exists but cannot be read: %s" % (config_file, exc.strerror))
    kwargs = dict(
        database=params['login_db'],
        connect_timeout=params['connect_timeout'],
        read_timeout=params['read_timeout'],
        write_timeout=params['read_timeout'],
        charset='utf8mb4',
        # Set by the session statement of Database.open, with the isolation level and lock timeouts.
        autocommit=None,
    )
    socket = params.get('login_unix_socket') or from_file.get('socket')
    host = params.get('login_host') or from_file.get('host') or 'localhost'
    port = params.get('login_port')
    if port is None and from_file.get('port'):
        try:
            port = int(from_file['port'])
        except ValueError:
            raise RequestError("config_file '%s': port %r is not a number" % (config_file, from_file['port']))
    user = params.get('login_user') if params.get('login_user') is not None else from_file.get('user')
    password = params.get('login_password')
    if password is not None:
        # PyMySQL encodes a text password as latin-1; servers store what clients send: UTF-8 here.
        kwargs['password'] = password.encode('utf-8')
    elif 'password' in from_file:
        kwargs['password'] = from_file['password'].encode('utf-8', 'surrogateescape')
    if socket:
        kwargs['unix_socket'] = socket
    kwargs['host'] = host
    kwargs['port'] = port or 3306
    if user is not None:
        kwargs['user'] = user
    for option in ('ca_cert', 'client_cert', 'client_key'):
        path = params.get(option)
        if path and not os.path.isfile(path):
            raise RequestError("%s '%s' is not a readable file" % (option, path))
    if params.get('ca_cert'):
        kwargs['ssl_ca'] = params['ca_cert']
        kwargs['ssl_verify_cert'] = True
        check_hostname = params.get('check_hostname')
        kwargs['ssl_verify_identity'] = True if check_hostname is None else check_hostname
    if params.get('client_cert'):
        kwargs['ssl_cert'] = params['client_cert']
    if params.get('client_key'):
        kwargs['ssl_key'] = params['client_key']
    where = 'socket %s' % socket if socket else '%s:%s' % (host, kwargs['port'])
    return kwargs, '%s as %s' % (where, user if user is not None else 'the default user')


# ---------------------------------------------------------------------------------------------
# Error wording

# Server error codes with a sentence an operator can act on. Every message keeps the server's
# own text too; neither contains the password (MySQL only says "using password: YES").
_ERROR_HINTS = {
    1044: 'access denied to database: check the grants of login_user on login_db',
    1045: 'access denied: check login_user and login_password',
    1049: 'unknown database: check login_db',
    1054: 'the database does not have the Otter manager schema this collection expects (a column is missing)',
    1142: 'login_user lacks a privilege this module needs (see the README for the exact GRANTs)',
    1143: 'login_user lacks a column privilege this module needs (see the README for the exact GRANTs)',
    1146: 'a table of the Otter manager schema is missing: is login_db an Otter manager database?',
    1205: 'timed out after lock_timeout waiting for a lock held by another session (a concurrent run, the '
          'manager, or a LOCK TABLES / FLUSH TABLES / ALTER TABLE in progress?)',
    1213: 'deadlock with another session; nothing was written, run again',
    1290: 'the server is read-only (read_only or super_read_only); only check mode and read-only modules work there',
    1698: 'access denied: check login_user and login_password',
    2003: 'cannot reach the database server',
    2006: 'the database server went away; nothing was committed',
    2013: 'lost the connection to the database server; nothing was committed',
}


def statement_error(exc, read_timeout=None):
    """The error to raise for a failed statement: a lock timeout apart, so that the reader of the rows
    it was locking can name them."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return (LockTimeout if code == 1205 else DatabaseError)(describe_error(exc, read_timeout))


def describe_error(exc, read_timeout=None):
    """One line for a PyMySQL error: what it means for the operator, then the server's words."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    server_text = exc.args[1] if len(exc.args) > 1 else str(exc)
    hint = _ERROR_HINTS.get(code)
    if code == 2003 and ('SSL' in str(server_text) or 'certificate' in str(server_text)):
        hint = 'the TLS handshake failed: check ca_cert, check_hostname and the host name the certificate names'
    if code in (2013, 2006) and 'timed out' in str(server_text):
        hint = ('the server did not answer within read_timeout=%s seconds (a frozen or overloaded server?); '
                'nothing was committed' % read_timeout)
    if hint:
        return '%s (MySQL error %s: %s)' % (hint, code, server_text)
    if code is not None:
        return 'MySQL error %s: %s' % (code, server_text)
    return 'database error: %s' % server_text


# ---------------------------------------------------------------------------------------------
# The adapter

class Database(object):
    """One connection, one transaction, the statements that change something recorded.

    Reads run always; writes are rendered into ``executed_queries`` and run only outside check
    mode, so check mode reports exactly the statements a real run would send. Nothing is
    committed unless ``commit()`` is called: closing without it rolls back.
    """

    RECORD = 'executed_queries'

    def __init__(self, connection, check_mode=False, read_timeout=None):
        self._conn = connection
        self.check_mode = check_mode
        self.read_timeout = read_timeout
        self.executed_queries = []

    @property
    def sent(self):
        return self.executed_queries

    @staticmethod
    def missing_requirement():
        return ('PyMySQL', PYMYSQL_IMPORT_ERROR) if pymysql is None else None

    @classmethod
    def open(cls, params, check_mode=False):
        """Connect and set the session up in one statement: no autocommit, REPEATABLE READ (the
        locking reads rely on its gap locks, whatever the server's default), and lock_timeout for
        both row locks and metadata locks (LOCK TABLES, FLUSH TABLES, a queued ALTER)."""
        kwargs, target = connection_settings(params)
        try:
            connection = pymysql.connect(**kwargs)
        except pymysql.MySQLError as exc:
            raise DatabaseError('cannot connect to the Otter manager database at %s: %s'
                                % (target, describe_error(exc, params['read_timeout'])))
        except (OSError, ValueError) as exc:
            raise DatabaseError('cannot connect to the Otter manager database at %s: %s' % (target, exc))
        db = cls(connection, check_mode=check_mode, read_timeout=params['read_timeout'])
        server = connection.get_server_info() or ''
        isolation = 'tx_isolation' if 'MariaDB' in server else 'transaction_isolation'
        timeout = int(params['lock_timeout'])
        try:
            db.fetch("SET SESSION autocommit = 0, %s = 'REPEATABLE-READ', innodb_lock_wait_timeout = %d, "
                     "lock_wait_timeout = %d" % (isolation, timeout, timeout))
        except DatabaseError:
            db.close()
            raise
        return db

    def fetch(self, sql, args=None):
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
        except pymysql.MySQLError as exc:
            raise statement_error(exc, self.read_timeout)

    def write(self, sql, args=None):
        """Record a state-changing statement and run it unless in check mode."""
        try:
            rendered = self.render(sql, args)
            self.executed_queries.append(rendered)
            if not self.check_mode:
                with self._conn.cursor() as cursor:
                    # PyMySQL renders values client-side anyway: send the text already rendered.
                    cursor.execute(rendered)
                    return cursor.rowcount
        except pymysql.MySQLError as exc:
            raise statement_error(exc, self.read_timeout)
        return 0

    def render(self, sql, args=None):
        """The statement as the server would receive it, values quoted by the driver's own escape
        (what cursor.mogrify does); nothing is sent. A multi-row write repeats few distinct values
        (a thousand pipeline IDs, three nodes, three locations in 18,000 values), so each distinct
        value is escaped once."""
        if args is None:
            return sql
        escape = self._conn.escape
        literals = {}
        quoted = []
        for value in args:
            # The type is part of the key: True and 1 are equal but quoted differently.
            key = (type(value), value)
            literal = literals.get(key)
            if literal is None:
                literal = literals[key] = escape(value)
            quoted.append(literal)
        try:
            return sql % tuple(quoted)
        except TypeError as exc:
            raise pymysql.err.ProgrammingError(str(exc))

    def commit(self):
        if self.check_mode:
            return
        try:
            self._conn.commit()
        except pymysql.MySQLError as exc:
            if exc.args and exc.args[0] in (2006, 2013):
                # The COMMIT may have reached the server before the connection died: the table holds
                # either the old or the new layout, and only a new read can tell which.
                raise DatabaseError('the connection was lost during COMMIT, so whether the change was written is '
                                    'unknown: the table holds either the old or the new layout, never a mix; run '
                                    'the task again, it converges either way (MySQL error %s: %s)'
                                    % (exc.args[0], exc.args[1] if len(exc.args) > 1 else exc))
            raise DatabaseError('commit failed, nothing was written: %s' % describe_error(exc, self.read_timeout))

    def close(self):
        """Close the connection; an uncommitted transaction is rolled back by the server."""
        try:
            self._conn.close()
        except Exception:  # pylint: disable=broad-except
            # Closing a connection the server already dropped raises; the outcome is the same.
            pass
