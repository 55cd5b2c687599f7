# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection to the Otter manager database: options, connecting, one transaction, error wording."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import configparser
import os
import traceback

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_native

try:
    import pymysql
except ImportError:
    pymysql = None
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()
else:
    PYMYSQL_IMPORT_ERROR = None


class OtterError(Exception):
    """An error worth showing to the operator as it is: the module fails with its text."""


def connection_argument_spec():
    """The connection options every module shares; documented in the otter_db doc fragment."""
    return dict(
        login_host=dict(type='str'),
        login_port=dict(type='int'),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_db=dict(type='str', default='otter'),
        login_unix_socket=dict(type='str'),
        config_file=dict(type='path', default='~/.my.cnf'),
        connect_timeout=dict(type='int', default=30),
        ca_cert=dict(type='path', aliases=['ssl_ca']),
        client_cert=dict(type='path', aliases=['ssl_cert']),
        client_key=dict(type='path', aliases=['ssl_key']),
        check_hostname=dict(type='bool'),
    )


def ensure_pymysql(module):
    if pymysql is None:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)


def connect_kwargs(params):
    """PyMySQL keyword arguments from module parameters.

    Options the task leaves unset are not passed at all, so that the option file (and then
    PyMySQL's own defaults) decide them: a task that sets no host must not override the
    host of ~/.my.cnf with 'localhost'.
    """
    kwargs = dict(
        database=params['login_db'],
        connect_timeout=params['connect_timeout'],
        charset='utf8mb4',
        autocommit=False,
    )
    config_file = params.get('config_file')
    if config_file:
        config_file = os.path.expanduser(config_file)
        if os.path.exists(config_file):
            if not os.access(config_file, os.R_OK):
                raise OtterError("config_file '%s' exists but cannot be read" % config_file)
            kwargs['read_default_file'] = config_file
    for option, keyword in (('login_host', 'host'), ('login_port', 'port'), ('login_user', 'user'),
                            ('login_unix_socket', 'unix_socket')):
        if params.get(option) is not None:
            kwargs[keyword] = params[option]
    if params.get('login_password') is not None:
        # PyMySQL encodes a text password as latin-1; servers store what clients send, UTF-8 here.
        kwargs['password'] = params['login_password'].encode('utf-8')
    for option in ('ca_cert', 'client_cert', 'client_key'):
        path = params.get(option)
        if path and not os.path.isfile(path):
            raise OtterError("%s '%s' is not a readable file" % (option, path))
    if params.get('ca_cert'):
        kwargs['ssl_ca'] = params['ca_cert']
        kwargs['ssl_verify_cert'] = True
        check_hostname = params.get('check_hostname')
        kwargs['ssl_verify_identity'] = True if check_hostname is None else check_hostname
    if params.get('client_cert'):
        kwargs['ssl_cert'] = params['client_cert']
    if params.get('client_key'):
        kwargs['ssl_key'] = params['client_key']
    return kwargs


def _option_file_client(path):
    """The [client] section of a MySQL option file, as PyMySQL reads it; {} when unreadable."""
    parser = configparser.RawConfigParser(allow_no_value=True, strict=False)
    try:
        parser.read(path)
        return dict(parser.items('client'))
    except (configparser.Error, OSError, UnicodeDecodeError):
        return {}


def effective_target(kwargs):
    """(socket or None, host, port, user) the connection will use, for messages."""
    from_file = _option_file_client(kwargs['read_default_file']) if kwargs.get('read_default_file') else {}

    def pick(keyword, file_key, default):
        return kwargs.get(keyword) or from_file.get(file_key, '').strip('"\'') or default
    return (pick('unix_socket', 'socket', None), pick('host', 'host', 'localhost'),
            pick('port', 'port', 3306), pick('user', 'user', 'the default user'))


def describe_target(kwargs):
    socket, host, port, user = effective_target(kwargs)
    where = 'socket %s' % socket if socket else '%s:%s' % (host, port)
    return '%s as %s' % (where, user)


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
    1205: 'timed out waiting for a lock held by another session (a concurrent run or the manager?)',
    1213: 'deadlock with another session; nothing was written, run again',
    1698: 'access denied: check login_user and login_password',
    2003: 'cannot reach the database server',
    2006: 'the database server went away; nothing was committed',
    2013: 'lost the connection to the database server; nothing was committed',
}


def describe_error(exc):
    """One line for a PyMySQL error: what it means for the operator, then the server's words."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    server_text = exc.args[1] if len(exc.args) > 1 else str(exc)
    hint = _ERROR_HINTS.get(code)
    if code == 2003 and ('SSL' in str(server_text) or 'certificate' in str(server_text)):
        hint = 'the TLS handshake failed: check ca_cert, check_hostname and the host name the certificate names'
    if hint:
        return '%s (MySQL error %s: %s)' % (hint, code, server_text)
    if code is not None:
        return 'MySQL error %s: %s' % (code, server_text)
    return 'database error: %s' % server_text


def placeholders(values):
    """'%s, %s, ...' for an IN list of these values (never empty: callers check)."""
    return ', '.join(['%s'] * len(values))


class OtterDB(object):
    """One connection, one transaction.

    Reads run always; writes are rendered into ``executed_queries`` and run only outside
    check mode, so check mode reports exactly the statements a real run would send.
    Nothing is committed unless ``commit()`` is called: closing without it rolls back.
    """

    def __init__(self, connection, check_mode=False):
        self._conn = connection
        self.check_mode = check_mode
        self.executed_queries = []

    @classmethod
    def connect(cls, params, check_mode=False):
        kwargs = connect_kwargs(params)
        try:
            connection = pymysql.connect(**kwargs)
        except pymysql.MySQLError as exc:
            raise OtterError('cannot connect to the Otter manager database at %s: %s'
                             % (describe_target(kwargs), describe_error(exc)))
        except (OSError, ValueError) as exc:
            raise OtterError('cannot connect to the Otter manager database at %s: %s'
                             % (describe_target(kwargs), exc))
        return cls(connection, check_mode=check_mode)

    def fetch(self, sql, args=None):
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
        except pymysql.MySQLError as exc:
            raise OtterError(describe_error(exc))

    def write(self, sql, args=None):
        """Record a state-changing statement and run it unless in check mode."""
        try:
            with self._conn.cursor() as cursor:
                rendered = cursor.mogrify(sql, args)
                self.executed_queries.append(rendered)
                if not self.check_mode:
                    # PyMySQL renders values client-side anyway: send the text already rendered.
                    cursor.execute(rendered)
                    return cursor.rowcount
        except pymysql.MySQLError as exc:
            raise OtterError(describe_error(exc))
        return 0

    def render(self, sql, args=None):
        """The statement as the server would receive it, values quoted; nothing is sent."""
        with self._conn.cursor() as cursor:
            return cursor.mogrify(sql, args)

    def set_lock_timeout(self, seconds):
        self.fetch('SET SESSION innodb_lock_wait_timeout = %s', (int(seconds),))

    def commit(self):
        if self.check_mode:
            return
        try:
            self._conn.commit()
        except pymysql.MySQLError as exc:
            if exc.args and exc.args[0] in (2006, 2013):
                # The COMMIT may have reached the server before the connection died: the table holds
                # either the old or the new layout, and only a new read can tell which.
                raise OtterError('the connection was lost during COMMIT, so whether the change was written is '
                                 'unknown: the table holds either the old or the new layout, never a mix; run the '
                                 'task again, it converges either way (MySQL error %s: %s)'
                                 % (exc.args[0], exc.args[1] if len(exc.args) > 1 else exc))
            raise OtterError('commit failed, nothing was written: %s' % describe_error(exc))

    def close(self):
        """Close the connection; an uncommitted transaction is rolled back by the server."""
        try:
            self._conn.close()
        except Exception:  # pylint: disable=broad-except
            # Closing a connection the server already dropped raises; the outcome is the same.
            pass


def run_module(module, check, work):
    """The frame every module of the collection shares, and with it one return contract.

    check(params) validates what needs no database and returns the request, so a wrong task fails
    before connecting; work(module, db, request) does the reads and writes on one connection and
    returns the result. An OtterError fails the task with its text and the statements sent before
    it (rolled back: nothing is committed unless work commits). Every result carries
    executed_queries.
    """
    ensure_pymysql(module)
    db = None
    try:
        request = check(module.params)
        db = OtterDB.connect(module.params, check_mode=module.check_mode)
        result = work(module, db, request)
    except OtterError as exc:
        module.fail_json(msg=to_native(exc), changed=False, executed_queries=db.executed_queries if db else [])
    finally:
        if db is not None:
            db.close()
    module.exit_json(executed_queries=db.executed_queries, **result)
