# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Otter homes - the folders upstream's deployer unpacks a node or a manager into (bin/startup.sh,
conf/otter.properties, conf/nid) - read as the Otter processes read them. Pure: the adapter
(localhost.py) hands over the files' bytes and the host's names and addresses; this file turns them
into the facts a module returns, and plans the one edit it makes. What is wrong with those facts is
the audit's (audit.py) to say.

The rules, from upstream (alibaba/otter 4.2.18, unchanged at HEAD):
- conf/nid: node/deployer bin/startup.sh passes -Dnid=$(cat conf/nid) unquoted, and
  ConfigClientServiceImpl.afterPropertiesSet reads it with Long.valueOf; startup.sh starts nothing when
  the file is missing.
- conf/otter.properties is on the node's class path; applicationContext.xml loads it with
  ignoreResourceNotFound and SYSTEM_PROPERTIES_MODE_OVERRIDE, so a -D option (or an environment variable
  of the key's name) beats the file, and a missing file or key leaves the defaults of the Spring files:
  otter.manager.address is ${otter.manager.address:127.0.0.1:1099} (otter-node-communication.xml).
  The placeholder configurer (shared/common PropertyPlaceholderConfigurer.resolvePlaceholder) trims the
  value; NodeCommmunicationClient.setManagerAddress replaces ';' by ',' and splits on ',' (empty items
  dropped, nothing trimmed); DefaultCommunicationClientImpl.buildParams splits each item on ':' and
  wants exactly two parts, the port read by Integer.valueOf.
- The manager's OtterManagerLauncher loads conf/otter.properties (-Dotter.conf) and copies every key
  into the system properties, so for a key the file has the file wins over -D options; Spring's
  CustomBooleanEditor reads otter.manager.monitor.self.enable (default true, otter-manager-monitor.xml).
- OtterController.checkNidVaild refuses to start a node unless AddressUtils.isHostIp(NODE.IP); see
  startup_check.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.otter.ha.plugins.module_utils import properties
from ansible_collections.otter.ha.plugins.module_utils.ensemble import parse_connect_string
from ansible_collections.otter.ha.plugins.module_utils.errors import RequestError
from ansible_collections.otter.ha.plugins.module_utils.objects import short

KINDS = ('node', 'manager')
PROPERTIES = 'conf/otter.properties'
NID = 'conf/nid'
STARTUP = 'bin/startup.sh'
PID = 'bin/otter.pid'

MANAGER_ADDRESS = 'otter.manager.address'
# otter-node-communication.xml: ${otter.manager.address:127.0.0.1:1099}
MANAGER_ADDRESS_DEFAULT = '127.0.0.1:1099'
MONITOR = 'otter.manager.monitor.self.enable'
DATABASE_URL = 'otter.database.driver.url'
DATABASE_USER = 'otter.database.driver.username'
ZOOKEEPER = 'otter.zookeeper.cluster.default'
COMMUNICATION_PORT = 'otter.communication.manager.port'
HTTP_PORT = 'otter.port'
# The manager's keys this collection reads, with the default its Spring files (or jetty.xml) give a key
# the file does not set; None: no default, the manager cannot start without it.
MANAGER_KEYS = (
    (DATABASE_URL, None),
    (DATABASE_USER, None),
    (ZOOKEEPER, '127.0.0.1:2181'),
    (MONITOR, 'true'),
    (COMMUNICATION_PORT, '1099'),
    (HTTP_PORT, '8080'),
)
NODE_LAUNCHER = 'com.alibaba.otter.node.deployer.OtterLauncher'
MANAGER_LAUNCHER = 'com.alibaba.otter.manager.deployer.OtterManagerLauncher'

# Spring's CustomBooleanEditor, which turns the text into SelfMonitor.setEnable(boolean).
_TRUE = ('true', 'on', 'yes', '1')
_FALSE = ('false', 'off', 'no', '0')
# Integer.valueOf / Long.valueOf: an optional sign and decimal digits.
_JAVA_INTEGER = re.compile(r'^[+-]?[0-9]+$')
# AddressUtils.IP_PATTERN, matched against the whole address.
_IP_PATTERN = re.compile(r'^[0-9]{1,3}(\.[0-9]{1,3}){3,}$')
_PLACEHOLDER = re.compile(r'\$\{([^}]*)\}')
_SHELL_SPLIT = ' \t\n'


def java_trim(text):
    """String.trim(): every character up to U+0020 off both ends."""
    start, end = 0, len(text)
    while start < end and ord(text[start]) <= 0x20:
        start += 1
    while end > start and ord(text[end - 1]) <= 0x20:
        end -= 1
    return text[start:end]


def resolve(value, props, depth=0):
    """A property value as the placeholder configurer hands it to a bean: ${key} and ${key:default}
    replaced (recursively) from the file, unresolvable placeholders left as they are, then trimmed."""
    if value is None:
        return None
    if depth > 10:
        return java_trim(value)

    def replace(match):
        name, _sep, default = match.group(1).partition(':')
        name = name.strip()
        if name in props:
            return resolve(props[name], props, depth + 1)
        return default.strip() if _sep else match.group(0)
    return java_trim(_PLACEHOLDER.sub(replace, value))


def spring_bool(text):
    """True or False as CustomBooleanEditor reads the text, None when it refuses it."""
    value = java_trim(text or '').lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def java_port(text):
    """(port, None), or (None, why Integer.valueOf or a socket would refuse it)."""
    if not _JAVA_INTEGER.match(text):
        return None, 'is not a number (Integer.valueOf(%s) throws NumberFormatException)' % short(text)
    port = int(text)
    if not 0 < port < 65536:
        return None, 'is not a TCP port (1 to 65535)'
    return port, None


# ---------------------------------------------------------------------------------------------
# conf/nid

def read_nid(data):
    """What a node started now would get as its nid, from the bytes of conf/nid (None: no file):
    {'present', 'content', 'value', 'problem'}. startup.sh passes -Dnid=$(cat conf/nid) unquoted: the
    command substitution drops trailing newlines, and any other white space splits the option, so the
    node gets no nid (or a broken command line); Long.valueOf then reads the rest."""
    if data is None:
        return dict(present=False, content=None, value=None, problem=None)
    content = data.decode('utf-8', 'replace')
    word = content.rstrip('\n')
    if not word:
        return dict(present=True, content=content, value=None,
                    problem='is empty: startup.sh passes -Dnid= and the node refuses to start ("nid is not set!")')
    if any(c in word for c in _SHELL_SPLIT) or '\r' in word:
        return dict(present=True, content=content, value=None,
                    problem='holds white space or a carriage return besides the final newline (%s): startup.sh '
                            'passes it to java unquoted, so the node does not get it as its nid' % short(content))
    if not _JAVA_INTEGER.match(word) or not -2 ** 63 <= int(word) < 2 ** 63:
        return dict(present=True, content=content, value=None,
                    problem='holds %s, which Long.valueOf cannot read: the node refuses to start' % short(word))
    return dict(present=True, content=content, value=int(word), problem=None)


# ---------------------------------------------------------------------------------------------
# otter.manager.address

def manager_entries(value):
    """The managers a node calls, from the (resolved, trimmed) value of otter.manager.address, as
    NodeCommmunicationClient and DefaultCommunicationClientImpl read it: one dict per item with
    'address' (the item as it is), 'host', 'port' and 'problem' (None, or why a call to it fails).

    An item that buildParams refuses (not two parts, a port that is not a number) throws an
    IllegalArgumentException, which callManager does not catch: the call fails instead of trying the
    next manager. An unknown host is a CommunicationException: that manager is skipped."""
    entries = []
    for item in [i for i in value.replace(';', ',').split(',') if i]:
        parts = [p for p in item.split(':') if p]
        entry = dict(address=item, host=None, port=None, problem=None)
        entries.append(entry)
        if len(parts) != 2:
            entry['problem'] = ('is not host:port (DefaultCommunicationClientImpl.buildParams splits it on ":" into %d '
                                'part(s), not 2, and throws "addr example: 127.0.0.1:1099")' % len(parts))
            continue
        entry['host'] = parts[0]
        port, why = java_port(parts[1])
        if why:
            entry['problem'] = 'has the port %s, which %s' % (short(parts[1]), why)
            continue
        entry['port'] = port
        if any(ord(c) <= 0x20 for c in parts[0]):
            entry['problem'] = ('has the host %s, with white space, which InetAddress.getByName cannot resolve'
                                % short(parts[0]))
    return entries


def split_manager(text):
    """(host, port) of a declared manager 'host:port'; RequestError when it is not one."""
    item = text.strip()
    host, sep, port = item.rpartition(':')
    if not sep or not host or ':' in host or any(ord(c) <= 0x20 for c in host):
        raise RequestError("manager %s is not host:port (the node's communication address of the manager, "
                           "otter.communication.manager.port, 1099 by default)" % short(text))
    number, why = java_port(port)
    if why:
        raise RequestError('manager %s: the port %s' % (short(text), why))
    return host, number


def jvm_options(text, source, keys):
    """-Dkey=value options for these keys in a shell script or environment file (comment lines
    skipped): [{'key', 'value', 'source': 'file:line', 'dynamic'}]. A value that holds a shell
    expansion ($...) is only known when the script runs: 'dynamic' says so."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith('#'):
            continue
        for key in keys:
            for match in re.finditer(r'-D%s=("[^"]*"|\'[^\']*\'|[^\s"\';|&)]*)' % re.escape(key), line):
                value = match.group(1)
                if value[:1] in ('"', "'"):
                    value = value[1:-1]
                found.append(dict(key=key, value=value, source='%s:%d' % (source, number), dynamic='$' in value))
    return found


def process_options(argv, keys):
    """{key: value} of the -D options of a running JVM's command line (the last of a key wins, as in
    the JVM)."""
    options = {}
    for arg in argv or []:
        for key in keys:
            if arg.startswith('-D%s=' % key):
                options[key] = arg[len(key) + 3:]
    return options


# ---------------------------------------------------------------------------------------------
# Node identity: the host's addresses

def _address(text):
    try:
        return ipaddress.ip_address(text.strip().split('%')[0])
    except ValueError:
        return None


def _is_loopback(text):
    address = _address(text)
    return address is not None and address.is_loopback


def _valid_host_address(text):
    """AddressUtils.isValidHostAddress: not loopback, not 0.0.0.0, and an IPv4 address."""
    return (text is not None and not _is_loopback(text) and text not in ('0.0.0.0', '127.0.0.1')
            and _IP_PATTERN.match(text) is not None)


def startup_check(ip, host):
    """(passes, reason): OtterController.checkNidVaild's AddressUtils.isHostIp(NODE.IP) on this host,
    exactly as upstream (since commit eba4076, Otter 4.2.16, in 4.2.18 and at HEAD) computes it, with
    the JVM's -Djava.net.preferIPv4Stack=true of startup.sh (IPv4 addresses only):

    1. InetAddress.getLocalHost() (the host name, resolved): passes when it resolves to a loopback
       address, or when it is a valid host address and equals NODE.IP or its name does;
    2. every address of every network interface: passes at a loopback address, or at a valid host
       address equal to NODE.IP.

    A host with a loopback interface therefore always passes step 2 (the commit meant to admit nodes
    reached through port forwarding to 127.0.0.1); before 4.2.16 loopback addresses did not count."""
    local = host.get('local_address')
    hostname = host.get('hostname')
    if local is not None:
        if _is_loopback(local):
            return True, 'the host name %s resolves to the loopback address %s' % (hostname, local)
        if _valid_host_address(local) and (local == ip or hostname == ip):
            return True, 'NODE.IP is the host name %s or its address %s' % (hostname, local)
    ipv4 = [a for a in host.get('addresses') or [] if _IP_PATTERN.match(a)]
    if ip in ipv4 and _valid_host_address(ip):
        return True, 'NODE.IP is the address of a network interface'
    loopback = [a for a in ipv4 if _is_loopback(a)]
    if loopback:
        return True, 'a network interface has the loopback address %s' % loopback[0]
    return False, 'NODE.IP is neither the host name nor an address of this host'


def local_names(host):
    """Every name and address by which this host is itself: its host name and fully qualified name,
    what that name resolves to, and every address of its network interfaces."""
    names = []
    for value in [host.get('hostname'), host.get('fqdn')] + list(host.get('resolved') or []) + list(
            host.get('addresses') or []):
        if value and value not in names:
            names.append(value)
    return names


def is_local(ip, host):
    """Whether NODE.IP names this host: one of local_names (host names compared without case, IPv6
    addresses in any spelling)."""
    wanted = _address(ip)
    for name in local_names(host):
        if wanted is not None and _address(name) == wanted:
            return True
        if wanted is None and name.lower() == ip.strip().lower():
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Reports

def _properties(files, path):
    """(text or None, {key: value}, facts) of conf/otter.properties."""
    data = files.get(PROPERTIES)
    facts = dict(path='%s/%s' % (path, PROPERTIES), exists=data is not None, problem=None)
    if data is None:
        return None, {}, facts
    text = properties.decode(data)
    try:
        values = properties.load(text)
    except properties.PropertiesSyntaxError as exc:
        facts['problem'] = '%s, so Properties.load throws and the process cannot read the file' % exc
        return text, {}, facts
    return text, values, facts


def node_home(path, files, host, startup_files, process, declared):
    """The facts of a node home: files maps a path relative to the home (conf/otter.properties,
    conf/nid, and each of startup_files) to its bytes, None when absent; host is the host's names and
    addresses (localhost.LocalHost.host); process is the command line of the process named by
    bin/otter.pid (or None); declared holds nid, node_ip and use_external_ip, each None when not given."""
    text, values, props = _properties(files, path)
    nid = dict(read_nid(files.get(NID)), path='%s/%s' % (path, NID), expected=declared.get('nid'))
    if not nid['present']:
        nid['note'] = ('absent: startup.sh starts no node without it; the role writes it with the id the manager '
                       'database has for the node (its nid phase)')
    overrides = []
    for name in startup_files:
        data = files.get(name)
        if data is not None:
            overrides.extend(jvm_options(data.decode('utf-8', 'replace'), name, [MANAGER_ADDRESS]))
    running = process_options(process['argv'], ['nid', MANAGER_ADDRESS]) if process and process.get('node') else {}
    if MANAGER_ADDRESS in running:
        overrides.append(dict(key=MANAGER_ADDRESS, value=running[MANAGER_ADDRESS],
                              source='the running node (pid %d)' % process['pid'], dynamic=False))
    file_value = values.get(MANAGER_ADDRESS)
    static = [o for o in overrides if not o['dynamic']]
    if static:
        raw, source = static[-1]['value'], static[-1]['source']
    elif file_value is not None:
        raw, source = file_value, PROPERTIES
    else:
        raw, source = MANAGER_ADDRESS_DEFAULT, 'default'
    value = resolve(raw, values)
    address = dict(value=value, source=source, file_value=file_value, overrides=overrides,
                   entries=manager_entries(value))
    report = dict(kind='node', path=path, properties=props, nid=nid, manager_address=address, host=host,
                  process=None)
    if process is not None:
        report['process'] = dict(pid=process['pid'], running=process.get('argv') is not None,
                                 node=bool(process.get('node')),
                                 nid=int(running['nid']) if _JAVA_INTEGER.match(running.get('nid', '')) else None)
    if declared.get('node_ip') is not None:
        ip = declared['node_ip']
        passes, reason = startup_check(ip, host)
        report['node_ip'] = dict(declared=ip, use_external_ip=bool(declared.get('use_external_ip')),
                                 local=is_local(ip, host), startup_check=dict(passes=passes, reason=reason))
    return report, text


def manager_home(path, files, host, startup_files):
    """The facts of a manager home (files and host as for node_home): each key the collection reads,
    its effective value and where it comes from (conf/otter.properties, a -D option of a startup file
    for a key the file lacks, or the default), and the values parsed."""
    text, values, props = _properties(files, path)
    keys = [k for k, _d in MANAGER_KEYS]
    options = []
    for name in startup_files:
        data = files.get(name)
        if data is not None:
            options.extend(jvm_options(data.decode('utf-8', 'replace'), name, keys))
    settings = {}
    for key, default in MANAGER_KEYS:
        jvm = [o for o in options if o['key'] == key and not o['dynamic']]
        if key in values:
            raw, source = values[key], PROPERTIES
        elif jvm:
            raw, source = jvm[-1]['value'], jvm[-1]['source']
        else:
            raw, source = default, 'default' if default is not None else None
        settings[key] = dict(value=resolve(raw, values), source=source)
    report = dict(kind='manager', path=path, properties=props, host=host, settings=settings, problems=[])
    monitor = settings[MONITOR]['value']
    report['monitor_self_enable'] = spring_bool(monitor)
    if report['monitor_self_enable'] is None:
        report['problems'].append(dict(key=MONITOR, value=monitor, why=(
            'is not a boolean Spring reads (true/false, on/off, yes/no, 1/0): the manager fails to start')))
    report['database_url'] = settings[DATABASE_URL]['value']
    report['database_username'] = settings[DATABASE_USER]['value']
    if report['database_url'] is None and props['exists']:
        report['problems'].append(dict(key=DATABASE_URL, value=None, why=(
            'is not set: the manager has no database to start with')))
    servers, chroot = [], None
    try:
        servers, chroot = parse_connect_string(settings[ZOOKEEPER]['value'])
    except RequestError as exc:
        report['problems'].append(dict(key=ZOOKEEPER, value=settings[ZOOKEEPER]['value'], why='%s' % exc))
    report.update(zookeeper=settings[ZOOKEEPER]['value'], zookeeper_servers=servers, zookeeper_chroot=chroot)
    for key, name in ((COMMUNICATION_PORT, 'communication_port'), (HTTP_PORT, 'http_port')):
        port, why = java_port(settings[key]['value'] or '')
        report[name] = port
        if why:
            report['problems'].append(dict(key=key, value=settings[key]['value'], why=why))
    return report, text


# ---------------------------------------------------------------------------------------------
# The edit

def plan_property(text, key, value, same):
    """(new text, changed) for conf/otter.properties with key set to value; text None (no file) is
    an empty file. same(current value or None) says whether the file already holds what is wanted,
    as the process reads it: then nothing changes."""
    text = text or ''
    values = properties.load(text)
    if key in values and same(values[key]):
        return text, False
    return properties.set_value(text, key, value), True
