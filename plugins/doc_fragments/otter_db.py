# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module that talks to the Otter manager database.
    DOCUMENTATION = r'''
options:
  login_host:
    description:
      - Host of the Otter manager database server.
      - When not set, the C(host) of O(config_file) applies, then C(localhost).
    type: str
  login_port:
    description:
      - TCP port of the Otter manager database server.
      - When not set, the C(port) of O(config_file) applies, then C(3306).
    type: int
  login_user:
    description:
      - Database user. When not set, the C(user) of O(config_file) applies.
    type: str
  login_password:
    description:
      - Password of O(login_user). When not set, the C(password) of O(config_file) applies.
    type: str
  login_db:
    description:
      - Name of the Otter manager database (schema).
    type: str
    default: otter
  login_unix_socket:
    description:
      - Path to a Unix socket of a local server; used instead of O(login_host) and O(login_port).
    type: str
  config_file:
    description:
      - A MySQL option file whose C([client]) section supplies the values of options the task does not set,
        including host and port.
      - A file that does not exist is ignored. Set to an empty string to read no option file.
    type: path
    default: ~/.my.cnf
  connect_timeout:
    description:
      - Seconds to wait for the TCP connection to the server.
    type: int
    default: 30
  read_timeout:
    description:
      - Seconds to wait for any answer of the server once connected (its greeting included), and for each write
        to it. A server that accepts the connection but never answers, or freezes mid-run, fails the task after
        this long; nothing is committed then.
    type: int
    default: 60
  lock_timeout:
    description:
      - Seconds to wait for a lock held by another session, row locks (C(innodb_lock_wait_timeout)) and
        metadata locks (C(lock_wait_timeout), held by C(LOCK TABLES), C(FLUSH TABLES WITH READ LOCK) or a queued
        C(ALTER TABLE)) alike, set for this module's session only.
    type: int
    default: 50
  ca_cert:
    description:
      - CA certificate that the server certificate must chain to. Setting it enables TLS and certificate verification.
    type: path
    aliases: [ssl_ca]
  client_cert:
    description:
      - Client certificate for TLS client authentication.
    type: path
    aliases: [ssl_cert]
  client_key:
    description:
      - Private key of O(client_cert).
    type: path
    aliases: [ssl_key]
  check_hostname:
    description:
      - Whether the server certificate must name the host connected to. Only used together with O(ca_cert).
      - When not set, the host name is checked whenever O(ca_cert) is set.
    type: bool
requirements:
  - PyMySQL >= 0.10 on the host that runs the module
notes:
  - The modules connect with PyMySQL only.
  - Every transaction runs at C(REPEATABLE READ), set for the module's session whatever the server's default, because
    the locking that keeps concurrent runs apart relies on it.
  - O(config_file) is read as the MariaDB and MySQL clients read it - the groups C([client]), C([client-server]) and
    C([client-mariadb]), quotes, backslash escapes, C(#) comments, C(!include) and C(!includedir) - and
    its password is sent byte for byte as the client sends it.
  - Values the task sets always win over the option file; option file values win over built-in defaults.
'''
