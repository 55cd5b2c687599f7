# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The answer of the ZooKeeper server on 127.0.0.1:PORT to the four-letter word `srvr`, which a server gives only
once it serves clients (its mode among them); exit status 1 when nothing answers. Standard library only, so that
scripts/zookeeper.sh can run it with the system's python3 as well as the preflight target's ensemble.

    python3 zk_srvr.py PORT
"""

from __future__ import absolute_import, division, print_function

import socket
import sys


def main():
    try:
        with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=1) as connection:
            connection.sendall(b'srvr')
            data = b''
            while True:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return 1
    sys.stdout.write(data.decode('utf-8', 'replace'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
