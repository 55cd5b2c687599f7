# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host adapter: the only file that reads the machine a module runs on - the files of an Otter
home, the command line of a process, the host's names and the addresses of its network interfaces.
It reads only; a module writes through AnsibleModule (atomic_move, backup_local)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import ipaddress
import os
import socket
import struct

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.otter.ha.plugins.module_utils.errors import OtterError

# conf/otter.properties, conf/nid and startup scripts are a few kilobytes; a file past this is not one.
MAX_FILE = 1024 * 1024
FIB_TRIE = '/proc/net/fib_trie'
IF_INET6 = '/proc/net/if_inet6'
# ioctl SIOCGIFADDR (Linux): the IPv4 address of one interface, where /proc/net is not readable.
_SIOCGIFADDR = 0x8915


class LocalHost(object):
    """Reads of the host the module runs on."""

    RECORD = None

    def __init__(self, root=''):
        # root: a prefix for the /proc paths, for tests.
        self._root = root

    @staticmethod
    def missing_requirement():
        return None

    @classmethod
    def open(cls, params, check_mode=False):
        return cls()

    def close(self):
        """Nothing to release."""

    def read(self, path, limit=MAX_FILE):
        """The bytes of a file, or None when it does not exist; an OtterError naming the file when it
        exists but cannot be read, is not a regular file or is larger than limit."""
        try:
            with open(path, 'rb') as handle:
                data = handle.read(limit + 1)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            if exc.errno == errno.EISDIR:
                raise OtterError('%s is a folder, not a file' % path)
            raise OtterError('cannot read %s: %s' % (path, to_native(exc.strerror or exc)))
        if len(data) > limit:
            raise OtterError('%s is larger than %d bytes, which is not a file of an Otter home' % (path, limit))
        return data

    @staticmethod
    def is_dir(path):
        return os.path.isdir(path)

    def cmdline(self, pid):
        """The arguments of a running process, or None when there is no such process (or it cannot be
        seen)."""
        try:
            with open('%s/proc/%d/cmdline' % (self._root, pid), 'rb') as handle:
                raw = handle.read(MAX_FILE)
        except (IOError, OSError):
            return None
        return [to_native(arg, errors='surrogate_or_replace') for arg in raw.split(b'\0') if arg] or None

    def _text(self, path):
        try:
            with open(self._root + path, 'rb') as handle:
                return to_native(handle.read(MAX_FILE), errors='surrogate_or_replace')
        except (IOError, OSError):
            return None

    def interface_addresses(self):
        """(addresses, source): every address of the host's network interfaces, IPv4 then IPv6, each
        once, and where they were read; ([], None) when the host offers none of the sources."""
        addresses = []
        sources = []
        trie = self._text(FIB_TRIE)
        if trie is not None:
            sources.append(FIB_TRIE)
            lines = trie.splitlines()
            # '|-- 10.0.0.5' followed by '/32 host LOCAL': an address of this host.
            for index, line in enumerate(lines[:-1]):
                text = line.strip()
                if text.startswith('|-- ') and lines[index + 1].strip().startswith('/32 host LOCAL'):
                    address = text[4:].strip()
                    if address not in addresses:
                        addresses.append(address)
        else:
            found = self._ioctl_addresses()
            if found:
                sources.append('SIOCGIFADDR')
                addresses.extend(a for a in found if a not in addresses)
        inet6 = self._text(IF_INET6)
        if inet6 is not None:
            sources.append(IF_INET6)
            for line in inet6.splitlines():
                fields = line.split()
                if fields and len(fields[0]) == 32:
                    try:
                        address = str(ipaddress.IPv6Address(bytes.fromhex(fields[0])))
                    except ValueError:
                        continue
                    if address not in addresses:
                        addresses.append(address)
        return addresses, ', '.join(sources) or None

    @staticmethod
    def _ioctl_addresses():
        try:
            import fcntl
            names = [name for _index, name in socket.if_nameindex()]
        except (ImportError, AttributeError, OSError):
            return []
        found = []
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for name in names:
                try:
                    packed = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, struct.pack('256s', name.encode()[:15]))
                except (IOError, OSError):
                    continue
                found.append(socket.inet_ntoa(packed[20:24]))
        finally:
            sock.close()
        return found

    def host(self):
        """The host's names and addresses, as the node's startup check and the collection's own check
        look at them: {'hostname', 'fqdn', 'resolved' (what the host name resolves to, every family),
        'local_address' (the first IPv4 address it resolves to: InetAddress.getLocalHost() with
        -Djava.net.preferIPv4Stack=true; None when it does not resolve), 'addresses' (of the network
        interfaces), 'addresses_source'}."""
        hostname = socket.gethostname()
        try:
            fqdn = socket.getfqdn()
        except (OSError, socket.error):
            fqdn = hostname
        resolved = []
        local = None
        try:
            for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(hostname, None):
                address = sockaddr[0]
                if family == socket.AF_INET and local is None:
                    local = address
                if address not in resolved:
                    resolved.append(address)
        except (OSError, socket.error, UnicodeError):
            pass
        addresses, source = self.interface_addresses()
        return dict(hostname=hostname, fqdn=fqdn, resolved=resolved, local_address=local, addresses=addresses,
                    addresses_source=source)
