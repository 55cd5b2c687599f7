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

Every loop is bounded in count and in time. Run from the test venv (PyMySQL, ansible-core):
    python tests/stress/stress.py [--port 13358] [--parallel 16] [--rounds 3] [--kills 40] [--restarts 10]
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import pymysql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = 'ansible_collections.otter.ha.plugins.modules.otter_pipeline_nodes'
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

    def start(self, **options):
        self.count += 1
        path = os.path.join(self.workdir, 'args-%d.json' % self.count)
        with open(path, 'w') as handle:
            json.dump(dict(ANSIBLE_MODULE_ARGS=self.args(**options)), handle)
        return subprocess.Popen([sys.executable, '-m', MODULE, path], env=self.env, stdout=subprocess.PIPE,
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

    def run(self, **options):
        return self.finish(self.start(**options))


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
    unknown_commits = 0
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
            'layout exactly, and the failure message said nothing was written' % unknown_commits)
    return outcomes, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--port', type=int, default=int(os.environ.get('STRESS_DB_PORT', '13358')))
    parser.add_argument('--parallel', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--kills', type=int, default=40)
    parser.add_argument('--restarts', type=int, default=10)
    parser.add_argument('--channels', type=int, default=200)
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
