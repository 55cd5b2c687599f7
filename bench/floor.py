# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The floor: the rows a converge adds, written with raw PyMySQL as cheaply as a client can.

    python bench/floor.py CLIENT_CNF DATABASE ROWS_FILE TIMINGS_FILE

One connection, one transaction, one multi-row INSERT of the rows in ROWS_FILE (a JSON list of
[pipeline_id, node_id, location], known in advance: the floor reads nothing), COMMIT.
TIMINGS_FILE receives {"import_s": ..., "work_s": ...}: importing PyMySQL, then connect to close.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys
import time


def main():
    started = time.perf_counter()
    import pymysql
    imported = time.perf_counter()
    client_cnf, database, rows_file, timings_file = sys.argv[1:5]
    with open(rows_file) as handle:
        rows = json.load(handle)
    work_started = time.perf_counter()
    connection = pymysql.connect(read_default_file=client_cnf, database=database, charset='utf8mb4',
                                 autocommit=False)
    try:
        args = []
        for pipeline_id, node_id, location in rows:
            args.extend((node_id, pipeline_id, location))
        with connection.cursor() as cursor:
            cursor.execute('INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, '
                           'GMT_MODIFIED) VALUES ' + ', '.join(['(%s, %s, %s, NOW(), NOW())'] * len(rows)), args)
        connection.commit()
    finally:
        connection.close()
    finished = time.perf_counter()
    with open(timings_file, 'w') as handle:
        json.dump(dict(import_s=imported - started, work_s=finished - work_started), handle)


if __name__ == '__main__':
    main()
