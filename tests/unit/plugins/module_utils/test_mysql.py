# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PyMySQL adapter: option files read as the MariaDB/MySQL client reads them, connection
settings, error wording, and mysql.Database over the shared fake connection."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pymysql
import pytest
from pymysql.constants import SERVER_STATUS

from ansible_collections.otter.ha.plugins.module_utils import mysql
from ansible_collections.otter.ha.plugins.module_utils.errors import DatabaseError, LockTimeout, RequestError
from ansible_collections.otter.ha.plugins.module_utils.mysql import (
    Database, connection_settings, describe_error, read_option_file)
from ansible_collections.otter.ha.tests.unit.plugins.fakes import FakeServer, error


def option_file(tmp_path, text, name='my.cnf'):
    path = tmp_path / name
    path.write_bytes(text.encode('utf-8') if not isinstance(text, bytes) else text)
    return str(path)


def password_of(tmp_path, line):
    return read_option_file(option_file(tmp_path, u'[client]\n' + line + u'\n')).get('password')


def params(**overrides):
    values = dict(login_db='otter', connect_timeout=5, read_timeout=7, lock_timeout=50, config_file='',
                  login_host=None, login_port=None, login_user=None, login_password=None, login_unix_socket=None,
                  ca_cert=None, client_cert=None, client_key=None, check_hostname=None)
    values.update(overrides)
    return values


# ---------------------------------------------------------------------------------------------
# Option files. Every expected value here is what `my_print_defaults` (MariaDB 10.11) prints.

@pytest.mark.parametrize('line, expected', [
    (u'password = secret', u'secret'),
    (u'password=secret', u'secret'),
    (u'password = "pa#ss"', u'pa#ss'),           # '#' inside quotes is text
    (u"password = 'pa#ss'", u'pa#ss'),
    (u'password = pa#ss', u'pa'),                # '#' after an unquoted value starts a comment
    (u'password = pa ss   # comment', u'pa ss'),
    (u"password = 'x y'", u'x y'),
    (u'password = "abc" # c', u'abc'),
    (u'password = ""', u''),
    (u'password =', u''),
    (u'password = "a\\"b"', u'a"b'),
    (u"password = \\'q", u"'q"),
    (u'password = a\\sb', u'a b'),
    (u'password = a\\nb\\tc\\\\d', u'a\nb\tc\\d'),
    (u'password = a\\rb\\bc', u'a\rb\bc'),
    (u'password = a\\qb', u'a\\qb'),             # an unknown escape keeps its backslash
    (u'password = x\\\\', u'x\\'),
    (u'password = p\u00e4$s-1', u'p\u00e4$s-1'),
    (u'password = abc\u5bc6def', u'abc\u5bc6def'),
])
def test_values_as_the_client_reads_them(tmp_path, line, expected):
    assert password_of(tmp_path, line) == expected


@pytest.mark.parametrize('line, expected', [
    (u'password = "ab"cd"', u'ab"cd'),
    (u"password = 'it''s'", u"it''s"),
    (u'password = ab"c#d"', u'ab"c#d"'),
    (u'password = "a#b" x', u'"a#b" x'),
    (u'password = a\\#b', u'a\\'),
])
def test_quotes_inside_values_as_the_client_reads_them(tmp_path, line, expected):
    assert password_of(tmp_path, line) == expected


def test_client_groups_are_read_and_later_lines_win(tmp_path):
    path = option_file(tmp_path, u'user = nogroup\n'
                                 u'[mysqld]\nuser = server\nport = 1\n'
                                 u'[client]\nuser = c\nhost = h1\n'
                                 u'[client-server]\nhost = cs\n'
                                 u'[mysql]\nsocket = /x\n'
                                 u'[client-mariadb]\nport = 3307\n'
                                 u'[CLIENT]\nssl_ca = /p q  \n')
    assert read_option_file(path) == {'user': 'c', 'host': 'cs', 'port': '3307', 'ssl-ca': '/p q'}


def test_comments_and_blank_lines(tmp_path):
    path = option_file(tmp_path, u'# c\n; c2\n\n[client]\n  # indented\n  ; also\n  user = u1  \n')
    assert read_option_file(path) == {'user': 'u1'}


def test_include_and_includedir(tmp_path):
    extra = tmp_path / 'conf.d'
    extra.mkdir()
    option_file(extra, u'[client]\nuser = from-a\n', 'a.cnf')
    option_file(extra, u'[client]\nhost = from-b\n[mysqld]\nport = 1\n', 'b.cnf')
    option_file(extra, u'[client]\nhost = not-a-cnf\n', 'c.txt')
    included = option_file(tmp_path, u'[client]\nuser = before\n!include %s\nport = 3\n' % (extra / 'a.cnf'))
    assert read_option_file(included) == {'user': 'from-a', 'port': '3'}
    folder = option_file(tmp_path, u'[client]\n!includedir %s\nuser = after\n' % extra, 'dir.cnf')
    assert read_option_file(folder) == {'user': 'after', 'host': 'from-b'}
    missing = option_file(tmp_path, u'[client]\nuser = a\n!include /nonexistent/x.cnf\n!includedir /nonexistent\n',
                          'missing.cnf')
    assert read_option_file(missing) == {'user': 'a'}


def test_an_include_loop_ends(tmp_path):
    path = tmp_path / 'loop.cnf'
    path.write_text(u'[client]\nuser = x\n!include %s\n' % path)
    assert read_option_file(str(path)) == {'user': 'x'}


# ---------------------------------------------------------------------------------------------
# connection_settings

def test_options_the_task_leaves_unset_come_from_the_option_file(tmp_path):
    cnf = option_file(tmp_path, u'[client]\nhost=db.example\nport=3310\nuser=from-file\n')
    kwargs, target = connection_settings(params(config_file=cnf))
    assert (kwargs['host'], kwargs['port'], kwargs['user']) == ('db.example', 3310, 'from-file')
    assert target == 'db.example:3310 as from-file'
    kwargs, target = connection_settings(params(config_file=cnf, login_host='10.0.0.5', login_port=3400, login_user=''))
    assert (kwargs['host'], kwargs['port'], kwargs['user']) == ('10.0.0.5', 3400, '')
    assert 'read_default_file' not in kwargs


def test_defaults_without_an_option_file(tmp_path):
    kwargs, target = connection_settings(params(config_file=str(tmp_path / 'missing.cnf')))
    assert kwargs == dict(database='otter', connect_timeout=5, read_timeout=7, write_timeout=7, charset='utf8mb4',
                          autocommit=None, host='localhost', port=3306)
    assert target == 'localhost:3306 as the default user'


def test_the_option_file_path_expands_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    option_file(tmp_path, u'[client]\nhost = from-home\n', '.my.cnf')
    assert connection_settings(params(config_file='~/.my.cnf'))[0]['host'] == 'from-home'


def test_a_socket_replaces_host_and_port_in_messages(tmp_path):
    cnf = option_file(tmp_path, u'[client]\nsocket = /run/mysqld/mysqld.sock\n')
    kwargs, target = connection_settings(params(config_file=cnf, login_user='u'))
    assert kwargs['unix_socket'] == '/run/mysqld/mysqld.sock'
    assert target == 'socket /run/mysqld/mysqld.sock as u'
    assert connection_settings(params(login_unix_socket='/s'))[1] == 'socket /s as the default user'


@pytest.mark.parametrize('password', [u'p\u00e4$s-1', u'abc\u5bc6def', u'pw-\u03a9\u03bc', u'plain'])
def test_a_password_is_sent_as_its_exact_utf8_bytes(tmp_path, password):
    assert connection_settings(params(login_password=password))[0]['password'] == password.encode('utf-8')
    cnf = option_file(tmp_path, u'[client]\npassword = %s\n' % password)
    assert connection_settings(params(config_file=cnf))[0]['password'] == password.encode('utf-8')
    quoted = option_file(tmp_path, u'[client]\npassword = "%s"\n' % password, 'quoted.cnf')
    assert connection_settings(params(config_file=quoted))[0]['password'] == password.encode('utf-8')


def test_a_password_in_another_encoding_is_sent_byte_for_byte(tmp_path):
    cnf = option_file(tmp_path, b'[client]\npassword = p\xe4ss\n')
    assert connection_settings(params(config_file=cnf))[0]['password'] == b'p\xe4ss'


def test_the_task_password_wins_over_the_file(tmp_path):
    cnf = option_file(tmp_path, u'[client]\npassword = from-file\n')
    assert connection_settings(params(config_file=cnf, login_password=''))[0]['password'] == b''
    assert 'password' not in connection_settings(params())[0]


def test_tls_checks_the_host_name_unless_told_not_to(tmp_path):
    ca = option_file(tmp_path, u'not parsed here', 'ca.pem')
    kwargs = connection_settings(params(ca_cert=ca))[0]
    assert (kwargs['ssl_ca'], kwargs['ssl_verify_cert'], kwargs['ssl_verify_identity']) == (ca, True, True)
    assert connection_settings(params(ca_cert=ca, check_hostname=False))[0]['ssl_verify_identity'] is False
    assert 'ssl_ca' not in connection_settings(params(check_hostname=True))[0]
    cert = option_file(tmp_path, u'x', 'client.pem')
    key = option_file(tmp_path, u'x', 'client.key')
    kwargs = connection_settings(params(ca_cert=ca, client_cert=cert, client_key=key))[0]
    assert (kwargs['ssl_cert'], kwargs['ssl_key']) == (cert, key)


@pytest.mark.parametrize('option', ['ca_cert', 'client_cert', 'client_key'])
def test_a_tls_file_that_is_missing_fails_naming_it(tmp_path, option):
    path = str(tmp_path / u"missing'\u00fc.pem")
    with pytest.raises(RequestError) as caught:
        connection_settings(params(**{option: path}))
    assert str(caught.value) == "%s '%s' is not a readable file" % (option, path)


def test_option_file_errors(tmp_path):
    cnf = option_file(tmp_path, u'[client]\nport = three\n')
    with pytest.raises(RequestError, match="config_file '.*my.cnf': port 'three' is not a number"):
        connection_settings(params(config_file=cnf))
    with pytest.raises(RequestError, match="config_file '.*' exists but cannot be read"):
        connection_settings(params(config_file=str(tmp_path)))


# ---------------------------------------------------------------------------------------------
# describe_error

@pytest.mark.parametrize('args, wording', [
    ((2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"),
     "cannot reach the database server (MySQL error 2003: Can't connect to MySQL server on '127.0.0.1'"),
    ((2003, "Can't connect to MySQL server on 'h' ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed)"),
     'the TLS handshake failed: check ca_cert, check_hostname'),
    ((1045, "Access denied for user 'u'@'h' (using password: YES)"), 'access denied: check login_user and login_password'),
    ((1049, "Unknown database 'not_otter'"), "unknown database: check login_db (MySQL error 1049: Unknown database"),
    ((1146, "Table 'x.NODE' doesn't exist"), 'is login_db an Otter manager database?'),
    ((1205, 'Lock wait timeout exceeded; try restarting transaction'), 'timed out after lock_timeout'),
    ((1290, 'The MariaDB server is running with the --read-only option'), 'the server is read-only'),
    ((2013, 'Lost connection to server during query'), 'lost the connection to the database server; nothing was '
                                                       'committed'),
    ((9999, 'something new'), 'MySQL error 9999: something new'),
])
def test_describe_error_names_the_cause_and_keeps_the_server_text(args, wording):
    text = describe_error(pymysql.err.OperationalError(*args))
    assert wording in text
    assert args[1] in text


@pytest.mark.parametrize('code', [2013, 2006])
def test_a_read_timeout_is_worded_with_read_timeout(code):
    text = describe_error(pymysql.err.OperationalError(code, 'Lost connection to MySQL server during query (timed out)'),
                          read_timeout=7)
    assert text.startswith('the server did not answer within read_timeout=7 seconds')
    assert 'nothing was committed' in text


def test_an_error_without_a_code():
    assert describe_error(pymysql.err.InterfaceError('not connected')) == 'database error: not connected'


# ---------------------------------------------------------------------------------------------
# Database

@pytest.fixture
def server(monkeypatch):
    server = FakeServer.bidirectional()
    monkeypatch.setattr(mysql.pymysql, 'connect', server.connect)
    return server


@pytest.mark.parametrize('info, variable', [('10.11.6-MariaDB-0+deb12u1', 'tx_isolation'),
                                            ('8.0.36', 'transaction_isolation')])
def test_open_sets_the_session_up_in_one_statement(server, info, variable):
    server.server_info = info
    db = Database.open(params(login_password=u'p\u00e4ss', lock_timeout=9), check_mode=True)
    assert server.statements == ["SET SESSION autocommit = 0, %s = 'REPEATABLE-READ', innodb_lock_wait_timeout = 9, "
                                 "lock_wait_timeout = 9" % variable]
    assert server.connect_kwargs[0]['password'] == u'p\u00e4ss'.encode('utf-8')
    assert (db.check_mode, db.read_timeout, db.executed_queries, db.sent) == (True, 7, [], [])
    assert Database.RECORD == 'executed_queries'
    assert Database.missing_requirement() is None


def test_open_names_the_target_and_the_cause(server):
    server.fail_on('CONNECT', error(2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"))
    with pytest.raises(DatabaseError) as caught:
        Database.open(params(login_host='127.0.0.1', login_port=1, login_user='u', login_password='s3cret-Pw'))
    assert str(caught.value).startswith('cannot connect to the Otter manager database at 127.0.0.1:1 as u: cannot reach '
                                        'the database server (MySQL error 2003: ')
    assert 's3cret-Pw' not in str(caught.value)


def test_open_reports_os_errors_of_the_driver(server):
    server.fail_on('CONNECT', OSError(2, 'No such file or directory'))
    with pytest.raises(DatabaseError, match=r'cannot connect to the Otter manager database at localhost:3306 as the '
                                            r'default user: .*No such file or directory'):
        Database.open(params())


def test_a_failed_session_statement_closes_the_connection(server):
    server.fail_on('SET SESSION', error(1193, "Unknown system variable 'lock_wait_timeout'"))
    with pytest.raises(DatabaseError, match="Unknown system variable 'lock_wait_timeout'"):
        Database.open(params())
    assert server.connections[0].closed


def test_a_read_that_times_out_is_worded(server):
    db = server.open(read_timeout=7)
    server.fail_on('FROM NODE', error(2013, 'Lost connection to MySQL server during query (timed out)'))
    with pytest.raises(DatabaseError, match='did not answer within read_timeout=7 seconds'):
        db.fetch('SELECT n.ID, n.NAME, n.IP, n.PORT, n.DESCRIPTION, n.PARAMETERS FROM NODE n ORDER BY n.ID')


def test_writes_are_recorded_rendered_and_sent_only_outside_check_mode(server):
    sql = 'DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (%s, %s)'
    checked = server.open(check_mode=True)
    assert checked.write(sql, [1, 2]) == 0
    assert checked.executed_queries == ['DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (1, 2)']
    assert server.statements == []
    real = server.open()
    assert real.write(sql, [1, 2]) == 2
    assert server.statements == ['DELETE FROM PIPELINE_NODE_RELATION WHERE ID IN (1, 2)']
    assert real.sent is real.executed_queries
    assert real.render("SELECT %s, %s", ["it's", None]) == "SELECT 'it\\'s', NULL"
    assert len(server.statements) == 1


@pytest.mark.parametrize('server_status', [0, SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES])
def test_a_statement_is_rendered_as_the_driver_renders_it(server_status):
    # A connection that is never opened quotes values as an open one does; the server's
    # NO_BACKSLASH_ESCAPES mode changes how.
    connection = pymysql.connect(defer_connect=True, charset='utf8mb4')
    connection.server_status = server_status
    db = mysql.Database(connection)
    args = [1, True, 1, 'a', "it's", None, 1.5, b'x\x00', datetime.datetime(2025, 12, 1, 0, 0, 1), 'a', 0, False]
    sql = 'INSERT INTO T VALUES (%s)' % ', '.join(['%s'] * len(args))
    assert db.render(sql, args) == connection.cursor().mogrify(sql, args)
    connection.server_status = 0
    assert db.render(sql, args).startswith("INSERT INTO T VALUES (1, 1, 1, 'a', 'it\\'s', NULL, 1.5e0, ")
    assert db.render('SELECT 1') == 'SELECT 1'
    with pytest.raises(pymysql.err.ProgrammingError):
        db.render('SELECT %s, %s', [1])


def test_a_failed_write_is_recorded_and_worded(server):
    db = server.open()
    server.fail_on('DELETE', error(1205, 'Lock wait timeout exceeded; try restarting transaction'))
    with pytest.raises(LockTimeout, match='timed out after lock_timeout'):
        db.write('DELETE FROM NODE WHERE ID = %s', [3])
    assert db.executed_queries == ['DELETE FROM NODE WHERE ID = 3']


@pytest.mark.parametrize('code, kind', [(1205, LockTimeout), (1213, DatabaseError), (2013, DatabaseError)])
def test_only_a_lock_timeout_is_raised_as_one(server, code, kind):
    server.fail_on('SELECT', error(code, 'server text'))
    with pytest.raises(DatabaseError) as raised:
        server.open().fetch('SELECT ID FROM NODE')
    assert isinstance(raised.value, LockTimeout) is (kind is LockTimeout)


def test_nothing_is_committed_without_commit_and_check_mode_never_commits(server):
    db = server.open()
    db.write('DELETE FROM NODE WHERE ID = %s', [3])
    db.close()
    assert len(server.nodes) == 3
    checked = server.open(check_mode=True)
    checked.commit()
    assert server.commits == 0 and not server.connections[-1].committed
    db = server.open()
    db.write('DELETE FROM NODE WHERE ID = %s', [3])
    db.commit()
    assert [n.id for n in server.nodes] == [1, 2]


@pytest.mark.parametrize('code, wording', [
    (2013, 'the connection was lost during COMMIT, so whether the change was written is unknown'),
    (2006, 'whether the change was written is unknown'),
    (1180, 'commit failed, nothing was written'),
])
def test_commit_failures_say_what_is_known(server, code, wording):
    db = server.open()
    server.fail_on('COMMIT', error(code, 'Lost connection to server during query'))
    with pytest.raises(DatabaseError) as caught:
        db.commit()
    assert wording in str(caught.value)
    assert str(code) in str(caught.value)


def test_close_of_a_dropped_connection_is_quiet(server):
    db = server.open()

    def dropped():
        raise pymysql.err.InterfaceError(0, '')
    server.connections[0].close = dropped
    db.close()


def test_missing_driver_is_a_missing_requirement(monkeypatch):
    monkeypatch.setattr(mysql, 'pymysql', None)
    monkeypatch.setattr(mysql, 'PYMYSQL_IMPORT_ERROR', 'Traceback: No module named pymysql')
    assert Database.missing_requirement() == ('PyMySQL', 'Traceback: No module named pymysql')
