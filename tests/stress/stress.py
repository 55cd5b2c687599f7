#!/usr/bin/env python
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stress test of otter_pipeline_nodes against a throwaway MariaDB of its own.

1. Concurrency: rounds of parallel runs (separate processes) converging overlapping pipelines to
   different and to equal layouts. Every run succeeds or fails with the lock/deadlock wording; no
   (pipeline, node, location) row is ever duplicated; a final sequential run converges and a second
   one changes nothing.
2. Killed connection: while the module applies a large change, its connection is killed from another
   session (KILL <id>) at varied moments; in other trials the server is stopped and started mid-run.
   After every trial the relation table is exactly the old or exactly the new layout (full row set,
   IDs included), a failed run says why, and a re-run converges.
3. READ-COMMITTED server: with the server's global isolation level at READ-COMMITTED, each trial races
   a converge of one empty pipeline against another tool that adds a row there in its own
   transactions (REPEATABLE READ, a locking read, insert if absent: correct on its own). Whatever the
   interleaving, the table after both holds exactly the layout the module reported, with no row twice.
4. Node removal against a converge in flight: a session holds the pipeline's row, so the converge waits
   with the nodes of its plan read; meanwhile otter_node removes a node that plan uses. Either the
   removal fails (a lock timeout, or the node is in use) or the converge fails (the node is unknown);
   never do both succeed, and no relation row ever names a node that NODE does not hold.

Every loop is bounded in count and in time. Run from the test venv (PyMySQL, ansible-core):
    python tests/stress/stress.py [--port 13358] [--parallel 16] [--rounds 3] [--kills 40] [--restarts 10]
                                  [--isolation-trials 20] [--removal-trials 10]
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import pymysql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = 'ansible_collections.otter.ha.plugins.modules.otter_pipeline_nodes'
NODE_MODULE = 'ansible_collections.otter.ha.plugins.modules.otter_node'
LOCATIONS = ('SELECT', 'EXTRACT', 'LOAD')
# The module runs as the least-privilege account of tests/fixtures/grants.sql; it is the only session
# of that user, which is how the killer finds the module's connection.
MODULE_USER = 'otter_ha'
MODULE_PASSWORD = 'stress-Module-Pw-6113'
LOCK_MESSAGES = ('waiting for a lock held by another session', 'deadlock with another session')
# What a run whose connection or server went away may say: each names the cause.
LOST_MESSAGES = ('lost the connection to the database server', 'the database server went away',
                 'the connection was lost during COMMIT',
                 'cannot reach the database server', 'commit failed, nothing was written',
                 'cannot connect to the Otter manager database')
TIME_LIMIT = 600  # seconds for the whole program, whatever the counts


class StressFailure(AssertionError):
    pass


def log(text):
    print('stress: %s' % text, flush=True)


def check(condition, text):
    if not condition:
        raise StressFailure(text)


class Server(object):
    """The throwaway MariaDB of scripts/mariadb.sh on its own port."""

    def __init__(self, port, tmpdir):
        self.port = port
        self.env = dict(os.environ, OTTER_DB_PORT=str(port), TMPDIR=tmpdir)
        self.script = os.path.join(ROOT, 'scripts', 'mariadb.sh')

    def run(self, *args):
        subprocess.run([self.script] + list(args), env=self.env, check=True)

    def start(self):
        self.run('start')

    def stop(self):
        self.run('stop')

    def client_cnf(self):
        folder = subprocess.run([self.script, 'dir'], env=self.env, check=True, stdout=subprocess.PIPE,
                                universal_newlines=True).stdout.strip()
        return os.path.join(folder, 'client.cnf')

    def admin(self, database='otter'):
        return pymysql.connect(read_default_file=self.client_cnf(), database=database, autocommit=True,
                               charset='utf8mb4')


def load_fleet(server, channels, pipelines_per_channel, node_count):
    """Our schema fixture, N channels of M pipelines, K nodes, and the module's least-privilege account."""
    server.run('load', 'otter', os.path.join(ROOT, 'tests', 'fixtures', 'otter_schema.sql'))
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO AUTOKEEPER_CLUSTER (ID, CLUSTER_NAME, SERVER_LIST, GMT_CREATE, GMT_MODIFIED) "
                        "VALUES (1, 'default', '[\"127.0.0.1:2181\"]', NOW(), NOW())")
            cur.executemany("INSERT INTO NODE (ID, NAME, IP, PORT, GMT_CREATE, GMT_MODIFIED) "
                            "VALUES (%s, %s, %s, 2088, NOW(), NOW())",
                            [(n, 'n%d' % n, '127.0.1.%d' % n) for n in range(1, node_count + 1)])
            cur.executemany("INSERT INTO CHANNEL (ID, NAME, GMT_CREATE, GMT_MODIFIED) VALUES (%s, %s, NOW(), NOW())",
                            [(c, 'ch-%03d' % c) for c in range(1, channels + 1)])
            rows = []
            pid = 0
            for c in range(1, channels + 1):
                for p in range(pipelines_per_channel):
                    pid += 1
                    rows.append((pid, 'p-%03d-%d' % (c, p), c))
            cur.executemany("INSERT INTO PIPELINE (ID, NAME, CHANNEL_ID, GMT_CREATE, GMT_MODIFIED) "
                            "VALUES (%s, %s, %s, NOW(), NOW())", rows)
            # The manager UI's starting point: one node per location.
            cur.executemany("INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, "
                            "GMT_MODIFIED) VALUES (1, %s, %s, NOW(), NOW())",
                            [(p, loc) for p in range(1, pid + 1) for loc in LOCATIONS])
            cur.execute("DROP USER IF EXISTS '%s'@'127.0.0.1'" % MODULE_USER)
            cur.execute("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'" % (MODULE_USER, MODULE_PASSWORD))
            with open(os.path.join(ROOT, 'tests', 'fixtures', 'grants.sql')) as handle:
                for line in handle:
                    if line.startswith('GRANT '):
                        cur.execute(line.strip().rstrip(';'))
    finally:
        conn.close()
    return pid


def rows_of(server):
    """The full relation row set: {id: (pipeline, node, location)}."""
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT ID, PIPELINE_ID, NODE_ID, LOCATION FROM PIPELINE_NODE_RELATION')
            return dict((int(r[0]), (int(r[1]), int(r[2]), r[3])) for r in cur.fetchall())
    finally:
        conn.close()


def duplicates(rows):
    seen = {}
    for triple in rows.values():
        seen[triple] = seen.get(triple, 0) + 1
    return sorted(t for t, count in seen.items() if count > 1)


class Runner(object):
    """Runs the module as a separate process, as Ansible would, from a copy of the collection."""

    def __init__(self, server, workdir):
        self.server = server
        self.workdir = workdir
        tree_root = os.path.join(workdir, 'tree')
        subprocess.run([os.path.join(ROOT, 'scripts', 'collection-tree.sh'), tree_root], check=True,
                       stdout=subprocess.DEVNULL)
        self.env = dict(os.environ, PYTHONPATH=tree_root)
        self.count = 0

    def args(self, **options):
        args = dict(login_host='127.0.0.1', login_port=self.server.port, login_user=MODULE_USER,
                    login_password=MODULE_PASSWORD, config_file='', connect_timeout=5, lock_timeout=20)
        args.update(options)
        return args

    def start(self, module=MODULE, **options):
        self.count += 1
        path = os.path.join(self.workdir, 'args-%d.json' % self.count)
        with open(path, 'w') as handle:
            json.dump(dict(ANSIBLE_MODULE_ARGS=self.args(**options)), handle)
        return subprocess.Popen([sys.executable, '-m', module, path], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True, cwd=self.workdir)

    @staticmethod
    def finish(proc, timeout=120):
        out, err = proc.communicate(timeout=timeout)
        try:
            result = json.loads(out)
        except ValueError:
            raise StressFailure('the module printed no JSON result (exit %s): %s %s' % (proc.returncode, out, err))
        check('Traceback' not in out + err, 'the module printed a traceback: %s %s' % (out, err))
        check(MODULE_PASSWORD not in out + err, 'the module printed the password')
        return result

    def run(self, module=MODULE, **options):
        return self.finish(self.start(module, **options))


def layout_triples(pipeline_ids, layout):
    """The set of (pipeline, node, location) of a layout {location: [node ids]}."""
    return set((p, n, loc) for p in pipeline_ids for loc, nodes in layout.items() for n in nodes)


# ---------------------------------------------------------------------------------------------
# 1. Concurrency

CONCURRENT_LAYOUTS = (
    dict(nodes=['n1', 'n2']),
    dict(nodes=['n2', 'n3']),
    dict(select_nodes=['n1', 'n2'], extract_nodes=['n1', 'n2'], load_nodes=['n3', 'n4']),
    dict(nodes=['n4', 'n1']),
)


def concurrency(server, runner, channels, parallel, rounds, rng, deadline):
    lock_failures = 0
    successes = 0
    for round_no in range(1, rounds + 1):
        check(time.time() < deadline, 'time limit reached in concurrency round %d' % round_no)
        procs = []
        for _i in range(parallel):
            # Overlapping windows of channels, some runs sharing a layout, some not.
            first = rng.randint(1, channels - 1)
            last = min(channels, first + rng.randint(1, max(2, channels // 2)))
            names = ['ch-%03d' % c for c in range(first, last + 1)]
            rng.shuffle(names)
            options = dict(rng.choice(CONCURRENT_LAYOUTS))
            options.update(channel=names, state=rng.choice(['exact', 'exact', 'present']))
            procs.append(runner.start(**options))
        for proc in procs:
            result = runner.finish(proc)
            if result.get('failed'):
                msg = result.get('msg', '')
                check(any(m in msg for m in LOCK_MESSAGES),
                      'a concurrent run failed without a lock/deadlock message: %s' % msg)
                lock_failures += 1
            else:
                successes += 1
        rows = rows_of(server)
        dup = duplicates(rows)
        check(not dup, 'round %d left duplicate rows: %s' % (round_no, dup[:10]))
        log('concurrency round %d: %d runs, 0 duplicate rows (%d rows)' % (round_no, parallel, len(rows)))

    # A final sequential run converges, and a second one has nothing left to do.
    everything = ['ch-%03d' % c for c in range(1, channels + 1)]
    final = dict(select_nodes=['n1', 'n2'], extract_nodes=['n1', 'n2'], load_nodes=['n2', 'n3'])
    first = runner.run(channel=everything, state='exact', **final)
    check(not first.get('failed'), 'the final sequential run failed: %s' % first.get('msg'))
    second = runner.run(channel=everything, state='exact', **final)
    check(not second.get('failed') and not second['changed'], 'the run after the final one changed something')
    rows = rows_of(server)
    pipeline_ids = set(p for p, _n, _l in rows.values())
    expected = layout_triples(pipeline_ids, dict(SELECT=[1, 2], EXTRACT=[1, 2], LOAD=[2, 3]))
    check(sorted(rows.values()) == sorted(expected), 'the final layout is not the declared one')
    log('concurrency: %d runs succeeded, %d failed with a lock/deadlock message; final run converged'
        % (successes, lock_failures))
    return successes, lock_failures


# ---------------------------------------------------------------------------------------------
# 2. Killed connection and server restart

KILL_LAYOUTS = (
    dict(SELECT=[1, 2, 3], EXTRACT=[1, 2, 3], LOAD=[1, 2, 3]),
    dict(SELECT=[4, 5, 6], EXTRACT=[4, 5, 6], LOAD=[4, 5, 6]),
)


def layout_options(layout):
    return dict(select_nodes=[str(n) for n in layout['SELECT']], extract_nodes=[str(n) for n in layout['EXTRACT']],
                load_nodes=[str(n) for n in layout['LOAD']])


def classify(before, after, new_triples):
    """'old' when the row set is exactly as before; 'new' when it is exactly the new layout: the
    rows kept keep their IDs and nothing else, the rows added are new IDs, and no triple is twice."""
    if after == before:
        return 'old'
    top = max(before) if before else 0
    kept = dict((i, t) for i, t in after.items() if i <= top)
    added = dict((i, t) for i, t in after.items() if i > top)
    expected_kept = dict((i, t) for i, t in before.items() if t in new_triples)
    if (kept == expected_kept and not duplicates(after) and set(after.values()) == new_triples
            and not set(added.values()) & set(kept.values())):
        return 'new'
    return 'neither'


def module_session(server):
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s', (MODULE_USER,))
            rows = cur.fetchall()
            return int(rows[0][0]) if rows else None
    finally:
        conn.close()


def wait_for_session(server, proc, limit=20.0):
    """The module's connection ID once it exists, or None when the module ends first."""
    end = time.time() + limit
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            while time.time() < end and proc.poll() is None:
                cur.execute('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s', (MODULE_USER,))
                rows = cur.fetchall()
                if rows:
                    return int(rows[0][0])
                time.sleep(0.002)
    finally:
        conn.close()
    return None


def calibrate(server, runner, pipeline_ids):
    """Seconds from the module's connection appearing to the module ending, for a full change."""
    spans = []
    for layout in (KILL_LAYOUTS[0], KILL_LAYOUTS[1]):
        proc = runner.start(pipeline=[str(p) for p in pipeline_ids], state='exact', **layout_options(layout))
        wait_for_session(server, proc)
        seen = time.time()
        result = runner.finish(proc)
        check(not result.get('failed'), 'calibration run failed: %s' % result.get('msg'))
        spans.append(time.time() - seen)
    return max(0.02, *spans)


def interrupted_trials(server, runner, pipeline_ids, kills, restarts, rng, deadline, strict_commit):
    unknown_commits = wrong_claims = 0
    span = calibrate(server, runner, pipeline_ids)
    log('interruptions: a full change of %d pipelines takes about %.0f ms after the module connects'
        % (len(pipeline_ids), span * 1000))
    outcomes = dict(old=0, new=0)
    failures = dict(kill=0, restart=0)
    trials = ['kill'] * kills + ['restart'] * restarts
    rng.shuffle(trials)
    for number, kind in enumerate(trials, 1):
        check(time.time() < deadline, 'time limit reached at interruption trial %d' % number)
        before = rows_of(server)
        current = set(before.values())
        target = KILL_LAYOUTS[1] if layout_triples(pipeline_ids, KILL_LAYOUTS[0]) == current else KILL_LAYOUTS[0]
        new_triples = layout_triples(pipeline_ids, target)
        options = dict(pipeline=[str(p) for p in pipeline_ids], state='exact', **layout_options(target))
        proc = runner.start(**options)
        session = wait_for_session(server, proc)
        # Varied moments: from right after connecting to near the usual end of the run.
        time.sleep(rng.uniform(0, span * 0.9))
        if kind == 'kill':
            if session is not None:
                conn = server.admin()
                try:
                    with conn.cursor() as cur:
                        try:
                            cur.execute('KILL %d' % session)
                        except pymysql.MySQLError:
                            pass  # the session already ended: the run finished before the kill
                finally:
                    conn.close()
        else:
            server.stop()
            server.start()
        result = runner.finish(proc)
        after = rows_of(server)
        outcome = classify(before, after, new_triples)
        check(outcome != 'neither', 'trial %d (%s): the table is neither the old nor the new layout' % (number, kind))
        outcomes[outcome] += 1
        if result.get('failed'):
            msg = result.get('msg', '')
            check(any(m in msg for m in LOST_MESSAGES), 'trial %d (%s): unclear failure: %s' % (number, kind, msg))
            if outcome == 'new':
                # The connection died during COMMIT, after the server had committed: the client cannot
                # know the outcome. The table is still exactly the new layout, but the message must not
                # claim that nothing was written (--strict-commit-wording makes this fail).
                check(not strict_commit or 'nothing was written' not in msg,
                      'trial %d (%s): the run failed saying nothing was written, but its change is in the '
                      'table: %s' % (number, kind, msg))
                unknown_commits += 1
                wrong_claims += int('nothing was written' in msg)
            failures[kind] += 1
        else:
            check(outcome == 'new', 'trial %d (%s): the run succeeded but the table is not the new layout'
                  % (number, kind))
        # A re-run converges.
        rerun = runner.run(**options)
        check(not rerun.get('failed'), 'trial %d (%s): the re-run failed: %s' % (number, kind, rerun.get('msg')))
        check(set(rows_of(server).values()) == new_triples and not duplicates(rows_of(server)),
              'trial %d (%s): the re-run did not converge' % (number, kind))
    log('interruptions: %d trials (%d kills, %d restarts): table old %d times, new %d times; %d killed and %d '
        'restarted runs failed clearly, every re-run converged'
        % (len(trials), kills, restarts, outcomes['old'], outcomes['new'], failures['kill'], failures['restart']))
    if unknown_commits:
        log('note: %d run(s) lost the connection during COMMIT after the server committed; the table held the new '
            'layout exactly, and %d of their failure messages said nothing was written (the others, that the '
            'outcome is unknown)' % (unknown_commits, wrong_claims))
    return outcomes, failures


# ---------------------------------------------------------------------------------------------
# 3. A READ-COMMITTED server

def waiting_module_sessions(cur):
    """How many of the module's sessions wait for a lock right now."""
    cur.execute('SELECT COUNT(*) FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p '
                "ON p.ID = t.trx_mysql_thread_id WHERE p.USER = %s AND t.trx_state = 'LOCK WAIT'", (MODULE_USER,))
    return int(cur.fetchone()[0])


class AddIfAbsent(threading.Thread):
    """Another tool adding one relation row unless it is there: its own transaction at REPEATABLE READ,
    a locking read, then the INSERT. It is right on its own, so any serial order of it and the module
    leaves the row once. It reads a random time after the module starts, and between its read and its
    INSERT it waits until a module session waits for a lock (for this transaction's gap lock: the moment
    that matters), at most `hold` seconds. A deadlock or lock timeout makes it start over."""

    def __init__(self, server, triple, delay, hold):
        threading.Thread.__init__(self, daemon=True)
        self.server = server
        self.triple = triple
        self.delay = delay
        self.hold = hold
        self.outcome = None
        self.restarts = 0
        self.error = None

    def run(self):
        try:
            self.outcome = self._add()
        except Exception as exc:  # pylint: disable=broad-except
            self.error = exc

    def _add(self):
        pipeline_id, node_id, location = self.triple
        conn = pymysql.connect(read_default_file=self.server.client_cnf(), database='otter', autocommit=False,
                               charset='utf8mb4')
        watcher = self.server.admin()
        try:
            with conn.cursor() as cur, watcher.cursor() as watch:
                cur.execute('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
                cur.execute('SET SESSION innodb_lock_wait_timeout = 20')
                time.sleep(self.delay)
                for _attempt in range(10):
                    try:
                        cur.execute('SELECT ID FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = %s AND NODE_ID = %s '
                                    'AND LOCATION = %s FOR UPDATE', (pipeline_id, node_id, location))
                        present = bool(cur.fetchall())
                        if not present:
                            end = time.time() + self.hold
                            while time.time() < end and not waiting_module_sessions(watch):
                                time.sleep(0.003)
                            cur.execute('INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, '
                                        'GMT_CREATE, GMT_MODIFIED) VALUES (%s, %s, %s, NOW(), NOW())',
                                        (node_id, pipeline_id, location))
                        conn.commit()
                        return 'present' if present else 'added'
                    except pymysql.MySQLError as exc:
                        conn.rollback()
                        if exc.args[0] not in (1205, 1213):
                            raise
                        self.restarts += 1
            raise StressFailure('the other writer met 10 deadlocks or lock timeouts in a row')
        finally:
            watcher.close()
            conn.close()


def set_global_isolation(server, level):
    """Set the server's default isolation level; returns the one it had."""
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT @@global.tx_isolation')
            before = cur.fetchone()[0]
            cur.execute('SET GLOBAL tx_isolation = %s', (level,))
            return before
    finally:
        conn.close()


def admin_execute(server, *statements):
    conn = server.admin()
    try:
        with conn.cursor() as cur:
            for sql, args in statements:
                cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def reported_pairs(result, pipeline_id):
    """The (node, location) pairs the module reported for a pipeline, sorted."""
    return sorted((node, location) for group in result['layouts'] if pipeline_id in group['pipelines']
                  for location, nodes in group['nodes'].items() for node in nodes)


def held_pairs(server, pipeline_id):
    return sorted((n, loc) for p, n, loc in rows_of(server).values() if p == pipeline_id)


def read_committed_races(server, runner, pipeline_id, trials, rng, deadline):
    """Converges of an empty pipeline to n1, n2 racing a tool that adds (pipeline, n2, SELECT)."""
    begun = time.time()
    empty = ('DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = %s', (pipeline_id,))
    options = dict(pipeline=[str(pipeline_id)], nodes=['n1', 'n2'], state='exact')
    saved = set_global_isolation(server, 'READ-COMMITTED')
    try:
        # Seconds from starting the module to its connection and to its end (the shorter of two runs:
        # the first compiles the modules): the other writer reads before the module connects or up to a
        # fifth later, so mostly before the module's INSERT, sometimes after it.
        connects, span = [], []
        for _run in range(2):
            admin_execute(server, empty)
            started = time.time()
            proc = runner.start(**options)
            wait_for_session(server, proc)
            connects.append(time.time() - started)
            calibration = runner.finish(proc)
            check(not calibration.get('failed'), 'calibration run failed: %s' % calibration.get('msg'))
            span.append(time.time() - started)
        connects, span = min(connects), min(span)
        wrong = []
        writer_outcomes = dict(added=0, present=0)
        module_failures = 0
        restarted = 0
        for number in range(1, trials + 1):
            check(time.time() < deadline, 'time limit reached at READ-COMMITTED trial %d' % number)
            admin_execute(server, empty)
            writer = AddIfAbsent(server, (pipeline_id, 2, 'SELECT'), rng.uniform(0, connects * 1.2), span * 2)
            proc = runner.start(**options)
            writer.start()
            result = runner.finish(proc)
            writer.join(60)
            check(not writer.is_alive(), 'trial %d: the other writer did not end' % number)
            check(writer.error is None, 'trial %d: the other writer failed: %s' % (number, writer.error))
            writer_outcomes[writer.outcome] += 1
            restarted += 1 if writer.restarts else 0
            if result.get('failed'):
                msg = result.get('msg', '')
                check(any(m in msg for m in LOCK_MESSAGES),
                      'trial %d: the run failed without a lock/deadlock message: %s' % (number, msg))
                module_failures += 1
                # A failed run wrote nothing: only the other writer's row is there.
                expected = [(2, 'SELECT')]
            else:
                expected = reported_pairs(result, pipeline_id)
            held = held_pairs(server, pipeline_id)
            if held != expected:
                wrong.append('trial %d: the module reported %s (changed=%s), the table holds %s'
                             % (number, result.get('msg') if result.get('failed') else expected,
                                result.get('changed'), held))
        for text in wrong[:3]:
            log('READ-COMMITTED: %s' % text)
        check(not wrong, '%d of %d READ-COMMITTED trials left a table that differs from what the module reported'
              % (len(wrong), trials))
        first = runner.run(**options)
        second = runner.run(**options)
        check(not first.get('failed') and not second.get('failed') and not second['changed']
              and held_pairs(server, pipeline_id) == reported_pairs(second, pipeline_id),
              'READ-COMMITTED: the final runs did not converge: %s %s' % (first, second))
    finally:
        set_global_isolation(server, saved)
    log('READ-COMMITTED: %d trials in %.0f s, 0 wrong: the other writer added its row %d times and found it %d '
        'times, in %d trials after a deadlock with the module; %d runs failed with a lock/deadlock message; the final '
        'run converged' % (trials, time.time() - begun, writer_outcomes['added'], writer_outcomes['present'],
                           restarted, module_failures))
    return len(wrong)


# ---------------------------------------------------------------------------------------------
# 4. Node removal against a converge in flight

SPARE_NODE = (7, 'spare', '127.0.1.7')
REMOVAL_REFUSALS = ('waiting for a lock held by another session', 'deadlock with another session', 'is used by pipelines')


def dangling_relations(server):
    return int(admin_execute(server, ('SELECT COUNT(*) FROM PIPELINE_NODE_RELATION r LEFT JOIN NODE n '
                                      'ON n.ID = r.NODE_ID WHERE n.ID IS NULL', None))[0][0])


def removal_races(server, runner, pipeline_id, trials, rng, deadline):
    """A converge to n1 and the spare node waits for another session's lock on its pipeline while
    otter_node removes the spare node; the lock goes at a random moment, at latest when the removal ends."""
    begun = time.time()
    node_id, name, ip = SPARE_NODE
    options = dict(pipeline=[str(pipeline_id)], nodes=['n1', name], state='exact', lock_timeout=20)
    wrong = []
    outcomes = dict(removal_refused=0, converge_refused=0)
    for number in range(1, trials + 1):
        check(time.time() < deadline, 'time limit reached at removal trial %d' % number)
        admin_execute(server,
                      ('INSERT IGNORE INTO NODE (ID, NAME, IP, PORT, GMT_CREATE, GMT_MODIFIED) '
                       'VALUES (%s, %s, %s, 2088, NOW(), NOW())', (node_id, name, ip)),
                      ('DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = %s', (pipeline_id,)),
                      ('INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
                       "VALUES (1, %s, 'SELECT', NOW(), NOW()), (1, %s, 'EXTRACT', NOW(), NOW()), "
                       "(1, %s, 'LOAD', NOW(), NOW())", (pipeline_id, pipeline_id, pipeline_id)))
        holder = pymysql.connect(read_default_file=server.client_cnf(), database='otter', autocommit=False,
                                 charset='utf8mb4')
        try:
            with holder.cursor() as cur:
                cur.execute('SELECT ID FROM PIPELINE WHERE ID = %s FOR UPDATE', (pipeline_id,))
            # The removal starts up to 0.4 s before the converge (so that it sometimes wins) or up to
            # 0.8 s after it (mostly while the converge waits, its nodes read).
            offset = rng.uniform(-0.4, 0.8)
            first, second = (('removal', 'converge') if offset < 0 else ('converge', 'removal'))
            procs = {}
            for kind in (first, second):
                if kind == 'removal':
                    procs[kind] = runner.start(NODE_MODULE, name=name, ip=ip, state='absent', lock_timeout=1)
                else:
                    procs[kind] = runner.start(**options)
                if kind == first:
                    time.sleep(abs(offset))
            release = time.time() + rng.uniform(0.1, 1.5)
            while time.time() < release and procs['removal'].poll() is None:
                time.sleep(0.01)
        finally:
            holder.rollback()
            holder.close()
        removal = runner.finish(procs['removal'])
        converge = runner.finish(procs['converge'])
        dangling = dangling_relations(server)
        uses_spare = not converge.get('failed') and any(n == node_id for n, _l in reported_pairs(converge, pipeline_id))
        if dangling or (uses_spare and not removal.get('failed')):
            wrong.append('trial %d: removal %s, converge %s, %d relation rows name a node NODE does not hold'
                         % (number, removal.get('msg') or 'succeeded', converge.get('msg') or 'succeeded', dangling))
            continue
        if removal.get('failed'):
            check(any(m in removal['msg'] for m in REMOVAL_REFUSALS),
                  'trial %d: the removal failed without saying why: %s' % (number, removal['msg']))
            outcomes['removal_refused'] += 1
        if converge.get('failed'):
            msg = converge['msg']
            check(any(m in msg for m in LOCK_MESSAGES) or "'%s' not found" % name in msg,
                  'trial %d: the converge failed without saying why: %s' % (number, msg))
            check(not removal.get('failed'), 'trial %d: both failed: %s; %s' % (number, removal.get('msg'), msg))
            outcomes['converge_refused'] += 1
        else:
            check(held_pairs(server, pipeline_id) == reported_pairs(converge, pipeline_id),
                  'trial %d: the table differs from what the converge reported' % number)
    for text in wrong[:3]:
        log('removal: %s' % text)
    check(not wrong, '%d of %d removal trials removed a node that a converge then used' % (len(wrong), trials))
    log('removal: %d trials in %.0f s, 0 wrong: the removal failed %d times (lock timeout or node in use), the '
        'converge %d times (node not found); no relation row names a removed node'
        % (trials, time.time() - begun, outcomes['removal_refused'], outcomes['converge_refused']))
    return len(wrong)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--port', type=int, default=int(os.environ.get('STRESS_DB_PORT', '13358')))
    parser.add_argument('--parallel', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--kills', type=int, default=40)
    parser.add_argument('--restarts', type=int, default=10)
    parser.add_argument('--channels', type=int, default=200)
    parser.add_argument('--isolation-trials', type=int, default=20)
    parser.add_argument('--removal-trials', type=int, default=10)
    parser.add_argument('--seed', type=int, default=int(time.time()))
    parser.add_argument('--strict-commit-wording', action='store_true',
                        help='fail when a run that lost its connection during COMMIT says nothing was written '
                             'although the server committed')
    parser.add_argument('--keep-server', action='store_true', help='leave the server running at the end')
    opts = parser.parse_args()
    check(opts.kills + opts.restarts >= 50 or os.environ.get('STRESS_FEWER_TRIALS'),
          'at least 50 interruption trials are required')
    rng = random.Random(opts.seed)
    log('seed %d (rerun with --seed %d to repeat the same choices)' % (opts.seed, opts.seed))
    deadline = time.time() + TIME_LIMIT
    tmpdir = os.environ.get('TMPDIR', tempfile.gettempdir())
    server = Server(opts.port, tmpdir)
    server.start()
    started = time.time()
    try:
        workdir = tempfile.mkdtemp(prefix='otter-ha-stress-', dir=tmpdir)
        runner = Runner(server, workdir)
        pipelines = load_fleet(server, opts.channels, 2, 6)
        concurrency(server, runner, opts.channels, opts.parallel, opts.rounds, rng, deadline)
        interrupted_trials(server, runner, list(range(1, pipelines + 1)), opts.kills, opts.restarts, rng, deadline,
                           opts.strict_commit_wording)
        # Rounds 3 and 4 look at one pipeline each, after rounds 1 and 2 are done with them.
        read_committed_races(server, runner, pipelines - 1, opts.isolation_trials, rng, deadline)
        removal_races(server, runner, pipelines, opts.removal_trials, rng, deadline)
    except StressFailure as exc:
        log('FAILED: %s' % exc)
        return 1
    finally:
        if not opts.keep_server:
            server.stop()
    log('passed in %.0f s' % (time.time() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
