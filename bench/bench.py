# -*- coding: utf-8 -*-
# Copyright: otter.ha contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark behind `make bench` (bench/run.sh starts the server and calls this).

For each fleet size it loads a fresh Otter manager database (tests/fixtures/otter_schema.sql plus a
fleet from bench/fleet.py, as the manager UI leaves it), then measures, in this order:

- otter.ha.otter_pipeline_nodes converging the fleet to every node on every location (state: exact),
  run as a process of its own (bench/run_module.py): wall time, import and main() time, peak memory,
  and the SQL statements the server counted; then the same call again, which has nothing to do;
- the same task in ansible-playbook, converge and no-op: the playbook's wall time and the task's;
- the floor (bench/floor.py): the same rows in one multi-row INSERT through raw PyMySQL;
- a loop of community.mysql.mysql_query tasks, one guarded INSERT ... WHERE NOT EXISTS per row,
  run in full for small fleets and on an evenly spread sample, then extrapolated, for big ones.

Then the role: playbooks/ha.yml, a first run and a no-op re-run, on one fleet (100 channels by default) with
3 and with 24 node hosts (local-connection inventory hosts, each with its own Otter home), one layout entry per
pair of nodes.

It prints a table (also written to bench/results/ and into bench/README.md) and one last line
starting with "bench:".
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import datetime
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time

import pymysql

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import fleet as fleetgen  # noqa: E402  pylint: disable=wrong-import-position

MODULE = 'ansible_collections.otter.ha.plugins.modules.otter_pipeline_nodes'
DATABASE = 'otter'
SCHEMA = os.path.join(ROOT, 'tests', 'fixtures', 'otter_schema.sql')
MARIADB = os.path.join(ROOT, 'scripts', 'mariadb.sh')
README = os.path.join(HERE, 'README.md')
RESULTS = os.path.join(HERE, 'results')
TABLE_START = '<!-- bench table: start (make bench rewrites this part) -->'
TABLE_END = '<!-- bench table: end -->'

# The targets the benchmark reports (see bench/README.md).
MAX_CONVERGE_STATEMENTS = 8
MAX_NOOP_STATEMENTS = 5
MAX_MODULE_VS_FLOOR = 2.0
MIN_VS_LOOP_SEED = 8.0
MIN_VS_LOOP_LARGE = 1000.0
# The role: its cost must not grow with the number of node hosts beyond what their own files take, written in
# parallel (playbooks/ha.yml's nid play).
MAX_ROLE_NOOP_GROWTH = 1.5
MAX_ROLE_FIRST_GROWTH = 2.0
HA_PLAYBOOK = os.path.join(ROOT, 'playbooks', 'ha.yml')

GUARDED_INSERT = (
    'INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) '
    'SELECT %s, %s, %s, NOW(), NOW() FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM PIPELINE_NODE_RELATION '
    'WHERE PIPELINE_ID = %s AND NODE_ID = %s AND LOCATION = %s)')

MODULE_PLAYBOOK = '''\
- name: Benchmark, otter.ha
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Every location of every pipeline of the fleet on every node
      otter.ha.otter_pipeline_nodes:
        config_file: "{{ bench_client_cnf }}"
        login_db: %s
        channel: "{{ bench_channels }}"
        nodes: "{{ bench_nodes }}"
        state: exact
''' % DATABASE

LOOP_PLAYBOOK = '''\
- name: Benchmark, generic SQL loop
  hosts: localhost
  gather_facts: false
  tasks:
    - name: One guarded INSERT per row
      community.mysql.mysql_query:
        config_file: "{{ bench_client_cnf }}"
        login_host: 127.0.0.1
        login_port: "{{ bench_db_port }}"
        login_db: %s
        query: "%s"
        positional_args: "{{ [item[1], item[0], item[2], item[0], item[1], item[2]] }}"
      loop: "{{ bench_rows }}"
''' % (DATABASE, GUARDED_INSERT)


def say(text):
    print(text, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Processes

def run_process(cmd, env, stdout_path, stderr_path):
    """Run cmd; (exit code, wall seconds, peak RSS in MiB) of that process alone (wait4)."""
    code, wall, usage = run_process_usage(cmd, env, stdout_path, stderr_path)
    return code, wall, usage.ru_maxrss / 1024.0


def run_process_usage(cmd, env, stdout_path, stderr_path):
    """Run cmd; (exit code, wall seconds, resource usage of the process and the children it waited for)."""
    with open(stdout_path, 'wb') as out, open(stderr_path, 'wb') as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    proc.returncode = code
    return code, wall, usage


def playbook_env(state, forks=None):
    """The environment of every ansible-playbook run: the collection from the state folder, the
    ansible.posix.json callback (its timestamps time the plays and tasks), temporary files in the state folder."""
    tmp = os.path.join(state, 'ansible-tmp')
    os.makedirs(tmp, exist_ok=True)
    env = dict(
        os.environ,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(state, 'collections'),
        ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_LOCAL_TEMP=tmp,
        ANSIBLE_REMOTE_TEMP=tmp,
        ANSIBLE_DEPRECATION_WARNINGS='0',
    )
    if forks is not None:
        env['ANSIBLE_FORKS'] = str(forks)
    return env


def run_playbook(server, what, inventory, playbook, vars_file, env, base):
    """ansible-playbook PLAYBOOK with the variables of vars_file, its output in base.out.json and
    base.err: (its JSON output, wall seconds, resource usage, (statements, questions, {Com_x: n})
    the server counted). A failed run is a BenchError naming what ran."""
    cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, playbook,
           '-e', '@' + vars_file]
    before = server.counters()
    code, wall, usage = run_process_usage(cmd, env, base + '.out.json', base + '.err')
    counted = server.statements_since(before)
    if code != 0:
        raise BenchError('ansible-playbook %s failed (exit %d):\n%s\n%s'
                         % (what, code, tail(base + '.out.json', 60), tail(base + '.err')))
    return read_json(base + '.out.json'), wall, usage, counted


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def write_json(path, data):
    with open(path, 'w') as handle:
        json.dump(data, handle)


def tail(path, lines=20):
    with open(path, 'rb') as handle:
        return '\n'.join(handle.read().decode('utf-8', 'replace').splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# The server: loading, counters, checks

class Server(object):
    """The throwaway MariaDB, and a connection of our own that reads its status counters."""

    STATUS = "SHOW GLOBAL STATUS WHERE Variable_name = 'Questions' OR Variable_name LIKE 'Com\\_%'"

    def __init__(self, client_cnf, port):
        self.client_cnf = client_cnf
        self.port = port
        self.env = dict(os.environ, OTTER_DB_PORT=str(port))
        self._conn = pymysql.connect(read_default_file=client_cnf, autocommit=True)
        # What our own status query adds to the counters, subtracted from every measurement.
        first = self._status()
        self._own = self._delta(first, self._status())
        self.version = self.fetch('SELECT VERSION()')[0][0]

    def _status(self):
        with self._conn.cursor() as cursor:
            cursor.execute(self.STATUS)
            return dict((name, int(value)) for name, value in cursor.fetchall())

    @staticmethod
    def _delta(before, after):
        return dict((name, after[name] - before.get(name, 0)) for name in after if after[name] != before.get(name, 0))

    def counters(self):
        return self._status()

    def statements_since(self, before):
        """(SQL statements, client commands, {Com_x: n}) the server received since `before`,
        our own status queries left out. Statements are the sum of the Com_* counters; commands
        are Questions, which also counts the protocol's COM_QUIT."""
        delta = self._delta(before, self._status())
        for name, count in self._own.items():
            delta[name] = delta.get(name, 0) - count
        kinds = dict((name[4:], n) for name, n in delta.items() if name.startswith('Com_') and n)
        return sum(kinds.values()), delta.get('Questions', 0), kinds

    def fetch(self, sql, args=None):
        with self._conn.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall()

    def load(self, *files):
        subprocess.check_call([MARIADB, 'load', DATABASE] + list(files), env=self.env)

    def check_converged(self, pipelines, nodes):
        """Every location of every pipeline lists every node exactly once."""
        (total,) = self.fetch('SELECT COUNT(*) FROM %s.PIPELINE_NODE_RELATION' % DATABASE)[0]
        (wrong,) = self.fetch(
            'SELECT COUNT(*) FROM (SELECT PIPELINE_ID, LOCATION, COUNT(*) AS n, COUNT(DISTINCT NODE_ID) AS d '
            'FROM %s.PIPELINE_NODE_RELATION GROUP BY PIPELINE_ID, LOCATION) t WHERE n <> %%s OR d <> %%s'
            % DATABASE, (nodes, nodes))[0]
        expected = pipelines * len(fleetgen.LOCATIONS) * nodes
        if total != expected or wrong:
            raise BenchError('the fleet is not converged: %d rows (expected %d), %d locations without exactly '
                             '%d nodes' % (total, expected, wrong, nodes))

    def relation_rows(self):
        return self.fetch('SELECT COUNT(*) FROM %s.PIPELINE_NODE_RELATION' % DATABASE)[0][0]

    def close(self):
        self._conn.close()


# ---------------------------------------------------------------------------------------------
# One fleet size

class SizeRun(object):

    def __init__(self, options, server, channels):
        self.options = options
        self.server = server
        self.fleet = fleetgen.build(channels, options.nodes)
        self.pipelines = len(self.fleet.pipelines)
        self.work = os.path.join(options.state, 'p%d' % self.pipelines)
        os.makedirs(self.work, exist_ok=True)
        self.fleet_file = self.path('fleet.sql')
        with open(self.fleet_file, 'w') as handle:
            handle.write(fleetgen.fleet_sql(self.fleet))
        self.node_names = [name for _id, name in self.fleet.nodes]
        self.channel_names = [name for _id, name in self.fleet.channels]
        self.result = dict(pipelines=self.pipelines, channels=channels, nodes=options.nodes,
                           rows_before=len(self.fleet.relations), rows_added=len(self.fleet.missing))
        self._count = 0

    def path(self, name):
        return os.path.join(self.work, name)

    def next_name(self, label):
        self._count += 1
        return self.path('%02d-%s' % (self._count, label))

    def reset(self):
        self.server.load(SCHEMA, self.fleet_file)

    # -- the module as a process of its own ------------------------------------------------------

    def module_args_file(self):
        path = self.path('module-args.json')
        write_json(path, dict(ANSIBLE_MODULE_ARGS=dict(
            config_file=self.server.client_cnf, login_db=DATABASE, channel=self.channel_names,
            nodes=self.node_names, state='exact')))
        return path

    def module_env(self):
        return dict(os.environ, PYTHONPATH=os.path.join(self.options.state, 'collections'))

    def run_module(self, label, profile_file=None):
        base = self.next_name(label)
        cmd = [sys.executable, os.path.join(HERE, 'run_module.py'), MODULE, self.module_args_file(),
               base + '.timings.json']
        if profile_file:
            cmd.append(profile_file)
        before = self.server.counters()
        code, wall, peak = run_process(cmd, self.module_env(), base + '.out.json', base + '.err')
        statements, questions, kinds = self.server.statements_since(before)
        if code != 0:
            raise BenchError('module run %s failed (exit %d):\n%s\n%s'
                             % (label, code, tail(base + '.out.json'), tail(base + '.err')))
        output = read_json(base + '.out.json')
        if output.get('failed'):
            raise BenchError('module run %s failed: %s' % (label, output.get('msg')))
        timings = read_json(base + '.timings.json')
        return dict(wall_s=wall, import_s=timings['import_s'], main_s=timings['main_s'], peak_mib=peak,
                    statements=statements, questions=questions, kinds=kinds, changed=output['changed'],
                    added=sum(len(c['added']) * len(c['pipelines']) for c in output.get('changes', [])))

    def measure_module(self):
        repeat = self.options.repeat
        converge = []
        for attempt in range(repeat):
            if attempt:
                self.reset()
            run = self.run_module('module-converge')
            if not run['changed'] or run['added'] != len(self.fleet.missing):
                raise BenchError('the module converge added %d rows, expected %d'
                                 % (run['added'], len(self.fleet.missing)))
            self.server.check_converged(self.pipelines, self.options.nodes)
            converge.append(run)
        noop = []
        for _attempt in range(repeat):
            run = self.run_module('module-noop')
            if run['changed']:
                raise BenchError('the no-op re-run reported a change')
            noop.append(run)
        self.result['module'] = summarise(converge)
        self.result['noop'] = summarise(noop)

    def profile_module(self):
        self.reset()
        profile_file = self.path('module-converge.prof')
        self.run_module('module-profile', profile_file=profile_file)
        report = self.path('module-converge.profile.txt')
        with open(report, 'w') as handle:
            stats = pstats.Stats(profile_file, stream=handle)
            stats.sort_stats('cumulative').print_stats(30)
            stats.sort_stats('tottime').print_stats(20)
        self.result['profile'] = profile_summary(profile_file)
        return report

    # -- ansible-playbook --------------------------------------------------------------------------

    def run_playbook(self, label, playbook_text, extra_vars):
        base = self.next_name(label)
        playbook = base + '.yml'
        with open(playbook, 'w') as handle:
            handle.write(playbook_text)
        vars_file = base + '.vars.json'
        write_json(vars_file, dict(extra_vars, bench_client_cnf=self.server.client_cnf,
                                   bench_db_port=self.server.port))
        output, wall, _usage, (statements, questions, kinds) = run_playbook(
            self.server, label, self.options.inventory, playbook, vars_file, playbook_env(self.options.state), base)
        task = output['plays'][0]['tasks'][-1]
        host = task['hosts']['localhost']
        return dict(wall_s=wall, task_s=duration(task['task']['duration']), statements=statements,
                    questions=questions, kinds=kinds, host=host)

    def measure_playbook(self):
        extra = dict(bench_channels=self.channel_names, bench_nodes=self.node_names)
        runs = dict(module=[], noop=[])
        for _attempt in range(self.options.repeat):
            self.reset()
            converge = self.run_playbook('playbook-converge', MODULE_PLAYBOOK, extra)
            if not converge['host'].get('changed'):
                raise BenchError('the playbook converge changed nothing')
            self.server.check_converged(self.pipelines, self.options.nodes)
            noop = self.run_playbook('playbook-noop', MODULE_PLAYBOOK, extra)
            if noop['host'].get('changed'):
                raise BenchError('the playbook no-op re-run changed something')
            runs['module'].append(converge)
            runs['noop'].append(noop)
        for key, measured in runs.items():
            self.result[key].update(playbook_wall_s=statistics.median(run['wall_s'] for run in measured),
                                    task_s=statistics.median(run['task_s'] for run in measured),
                                    playbook_statements=measured[0]['statements'])

    def measure_loop(self):
        """The mysql_query loop: every row in full for small fleets, else an evenly spread sample;
        short loops (up to 60 tasks) run `repeat` times and keep the median."""
        rows = self.fleet.missing
        total = len(rows)
        if total <= self.options.loop_full_max:
            sample = rows
        else:
            count = self.options.loop_sample
            sample = [rows[i * total // count] for i in range(count)]
        runs = []
        for _attempt in range(self.options.repeat if len(sample) <= 60 else 1):
            self.reset()
            run = self.run_playbook('mysql-query-loop', LOOP_PLAYBOOK, dict(bench_rows=[list(row) for row in sample]))
            items = run['host'].get('results', [])
            changed = sum(1 for item in items if item.get('changed'))
            if len(items) != len(sample) or changed != len(sample):
                raise BenchError('the mysql_query loop ran %d tasks and changed %d, expected %d'
                                 % (len(items), changed, len(sample)))
            if self.server.relation_rows() != len(self.fleet.relations) + len(sample):
                raise BenchError('the mysql_query loop did not insert its rows')
            if len(sample) == total:
                self.server.check_converged(self.pipelines, self.options.nodes)
            runs.append(run)
        task_s = statistics.median(run['task_s'] for run in runs)
        wall_s = statistics.median(run['wall_s'] for run in runs)
        per_task = task_s / len(sample)
        self.result['loop'] = dict(
            tasks=total, timed=len(sample), sampled=len(sample) < total, runs=len(runs),
            per_task_s=per_task,
            task_s=per_task * total,
            playbook_wall_s=wall_s - task_s + per_task * total,
            measured_task_s=task_s, measured_wall_s=wall_s,
            statements_per_task=runs[0]['statements'] / float(len(sample)), statements=runs[0]['statements'],
            kinds=runs[0]['kinds'])

    # -- the floor -----------------------------------------------------------------------------------

    def measure_floor(self):
        rows_file = self.path('floor-rows.json')
        write_json(rows_file, [list(row) for row in self.fleet.missing])
        runs = []
        for _attempt in range(self.options.repeat):
            self.reset()
            base = self.next_name('floor')
            cmd = [sys.executable, os.path.join(HERE, 'floor.py'), self.server.client_cnf, DATABASE, rows_file,
                   base + '.timings.json']
            before = self.server.counters()
            code, wall, peak = run_process(cmd, dict(os.environ), base + '.out', base + '.err')
            statements, questions, kinds = self.server.statements_since(before)
            if code != 0:
                raise BenchError('floor run failed (exit %d):\n%s' % (code, tail(base + '.err')))
            self.server.check_converged(self.pipelines, self.options.nodes)
            timings = read_json(base + '.timings.json')
            runs.append(dict(wall_s=wall, import_s=timings['import_s'], main_s=timings['work_s'], peak_mib=peak,
                             statements=statements, questions=questions, kinds=kinds))
        self.result['floor'] = summarise(runs)


def duration(span):
    """A play's wall time from the json callback's timestamps; a play left without hosts (the preflight and
    register plays when node_ha_preflight is off) has a start and no end, and took no time."""
    if 'end' not in span:
        return 0.0
    start, end = (datetime.datetime.strptime(span[key], '%Y-%m-%dT%H:%M:%S.%fZ') for key in ('start', 'end'))
    return (end - start).total_seconds()


def summarise(runs):
    """Medians of the timings, the largest memory peak, and the statement count, which must not vary."""
    counts = sorted(set(run['statements'] for run in runs))
    if len(counts) != 1:
        raise BenchError('statement counts differ between identical runs: %s' % counts)
    summary = dict((key, statistics.median(run[key] for run in runs)) for key in ('wall_s', 'import_s', 'main_s'))
    summary.update(peak_mib=max(run['peak_mib'] for run in runs), statements=counts[0],
                   questions=runs[0]['questions'], kinds=runs[0]['kinds'], runs=len(runs))
    return summary


def profile_summary(profile_file, limit=16):
    """Where main() spends its time: the cumulative time of the collection's own functions and of
    AnsibleModule's exit_json, as (seconds, calls, 'file:line(function)'), largest first."""
    stats = pstats.Stats(profile_file)
    rows = []
    for (filename, line, function), (_cc, calls, _own, cumulative, _callers) in stats.stats.items():
        ours = 'ansible_collections/otter/ha/' in filename
        if ours or (filename.endswith('module_utils/basic.py') and function == 'exit_json'):
            rows.append((cumulative, calls, '%s:%d(%s)' % (short_path(filename), line, function)))
    rows.sort(reverse=True)
    return [dict(cumulative_s=cumulative, calls=calls, where=where) for cumulative, calls, where in rows[:limit]]


def short_path(filename):
    for marker in ('ansible_collections/otter/ha/', 'site-packages/', 'lib/python'):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename) if os.path.isabs(filename) else filename


# ---------------------------------------------------------------------------------------------
# The role: playbooks/ha.yml with N node hosts

class RoleRun(object):
    """playbooks/ha.yml on a fleet of C channels over N nodes, each node on a node host of its own (a
    local-connection inventory host with its own Otter home under the state folder). The declaration is one
    layout entry per pair of nodes the fleet's channels use (channel i: nodes i mod N and i + 1 mod N), every
    location of those channels' pipelines on both nodes; the nodes are declared as the manager UI registered them.
    First run: every nid file is written and 3 rows are added to each pipeline (whatever N); no-op: nothing."""

    def __init__(self, options, server, hosts, channels):
        self.options = options
        self.server = server
        self.hosts = hosts
        self.fleet = fleetgen.build(channels, hosts)
        self.pipelines = len(self.fleet.pipelines)
        self.work = os.path.join(options.state, 'role-%d' % hosts)
        self.homes = os.path.join(self.work, 'homes')
        os.makedirs(self.work, exist_ok=True)
        self.fleet_file = os.path.join(self.work, 'fleet.sql')
        with open(self.fleet_file, 'w') as handle:
            handle.write(fleetgen.fleet_sql(self.fleet))
        self.inventory = os.path.join(self.work, 'inventory.ini')
        with open(self.inventory, 'w') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
            handle.write('[otter_nodes]\n')
            for nid, _name in self.fleet.nodes:
                handle.write('node-host-%d ansible_connection=local ansible_python_interpreter=%s\n'
                             % (nid, sys.executable))
        self.entries = self.layout_entries()
        self.vars_file = os.path.join(self.work, 'vars.json')
        write_json(self.vars_file, dict(
            node_ha_db=dict(config_file=server.client_cnf, login_db=DATABASE),
            node_ha_backup_dir=os.path.join(self.work, 'backups'),
            node_ha_nodes=[dict(name=name, ip='10.0.%d.11' % nid, zk_cluster='default', host='node-host-%d' % nid,
                                otter_home=os.path.join(self.homes, name)) for nid, name in self.fleet.nodes],
            node_ha_layouts=self.entries))
        self.result = dict(hosts=hosts, channels=channels, pipelines=self.pipelines, entries=len(self.entries),
                           rows_added=self.pipelines * len(fleetgen.LOCATIONS))
        self._count = 0
        self._runs = dict(first=[], noop=[])

    def layout_entries(self):
        pairs = {}
        for cid, name in self.fleet.channels:
            c = cid - 1
            pair = (c % self.hosts + 1, (c + 1) % self.hosts + 1)
            pairs.setdefault(pair, []).append(name)
        names = dict(self.fleet.nodes)
        return [dict(name='%s + %s' % (names[a], names[b]), channels=channels, nodes=[names[a], names[b]],
                     state='exact') for (a, b), channels in sorted(pairs.items())]

    def reset(self):
        """The fleet as the manager UI leaves it, and Otter homes without conf/nid."""
        self.server.load(SCHEMA, self.fleet_file)
        if os.path.isdir(self.homes):
            subprocess.check_call(['rm', '-rf', self.homes])
        for _nid, name in self.fleet.nodes:
            os.makedirs(os.path.join(self.homes, name, 'conf'))

    def run(self, label):
        self._count += 1
        base = os.path.join(self.work, '%02d-%s' % (self._count, label))
        # Every node host at once in the nid play, as the README asks (forks at least the node hosts).
        env = playbook_env(self.options.state, forks=max(5, self.hosts + 1))
        output, wall, usage, (statements, _questions, kinds) = run_playbook(
            self.server, 'ha.yml (%s, %d node hosts)' % (label, self.hosts), self.inventory, HA_PLAYBOOK,
            self.vars_file, env, base)
        plays = dict((play['play']['name'], duration(play['play']['duration'])) for play in output['plays'])
        changed = dict((host, stats.get('changed', 0)) for host, stats in output['stats'].items())
        return dict(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, plays_s=plays, statements=statements,
                    kinds=kinds, changed=changed)

    def check_nids(self):
        for nid, name in self.fleet.nodes:
            with open(os.path.join(self.homes, name, 'conf', 'nid')) as handle:
                if handle.read() != '%d\n' % nid:
                    raise BenchError('conf/nid of %s is not %d' % (name, nid))

    def measure_once(self):
        """One first run on a fresh fleet and homes, then the no-op re-run; both checked."""
        self.reset()
        first = self.run('ha-first')
        if not first['changed'].get('localhost') or len([h for h, n in first['changed'].items() if n]) != self.hosts + 1:
            raise BenchError('the first run of ha.yml did not change the database and every nid file: %s'
                             % first['changed'])
        self.server.check_converged(self.pipelines, 2)
        self.check_nids()
        noop = self.run('ha-noop')
        if any(noop['changed'].values()):
            raise BenchError('the no-op re-run of ha.yml changed something: %s' % noop['changed'])
        self._runs['first'].append(first)
        self._runs['noop'].append(noop)

    def summarise(self):
        for key, runs in self._runs.items():
            counts = sorted(set(run['statements'] for run in runs))
            if len(counts) != 1:
                raise BenchError('statement counts differ between identical runs of ha.yml: %s' % counts)
            self.result[key] = dict(
                wall_s=statistics.median(run['wall_s'] for run in runs),
                cpu_s=statistics.median(run['cpu_s'] for run in runs),
                nid_play_s=statistics.median(play_time(run['plays_s'], NID_PLAY) for run in runs),
                db_plays_s=statistics.median(sum(play_time(run['plays_s'], name) for name in DB_PLAYS) for run in runs),
                statements=counts[0], kinds=runs[0]['kinds'], runs=len(runs))


# The plays of playbooks/ha.yml that the role table times, by the end of their names.
NID_PLAY = 'write conf/nid on the node hosts'
DB_PLAYS = ('validate, register the nodes', 'converge the layout, verify')


def play_time(plays, ending):
    """The duration of the one play of {name: seconds} whose name ends so."""
    found = [seconds for name, seconds in plays.items() if name.endswith(ending)]
    if len(found) != 1:
        raise BenchError('playbooks/ha.yml has %d plays named "... %s": %s' % (len(found), ending, sorted(plays)))
    return found[0]


def measure_roles(roles, repeat):
    """The sizes in turn, `repeat` rounds: a machine whose load drifts during the run weighs on every size alike."""
    for attempt in range(repeat):
        for role in roles:
            say('   round %d of %d: %d node hosts' % (attempt + 1, repeat, role.hosts))
            role.measure_once()
    for role in roles:
        role.summarise()
    return [role.result for role in roles]


def role_growth(role_results, key):
    return ratio(role_results[-1][key]['wall_s'], role_results[0][key]['wall_s'])


def role_table(role_results):
    heads = ['%d node hosts' % r['hosts'] for r in role_results]
    small, large = role_results[0], role_results[-1]
    rows = [
        ('layout entries (one per pair of nodes)', lambda r: '%d' % r['entries'], ''),
        ('rows the first run adds', lambda r: '%d' % r['rows_added'], ''),
        ('**first run** (nodes registered by the UI, no conf/nid yet)', None, None),
        ('ansible-playbook ha.yml wall, s', lambda r: fmt_s(r['first']['wall_s']),
         fmt_x(role_growth(role_results, 'first')) + 'x'),
        ('CPU of every process of the run (user + system), s', lambda r: fmt_s(r['first']['cpu_s']),
         fmt_x(ratio(large['first']['cpu_s'], small['first']['cpu_s'])) + 'x'),
        ('the two database plays, s', lambda r: fmt_s(r['first']['db_plays_s']),
         fmt_x(ratio(large['first']['db_plays_s'], small['first']['db_plays_s'])) + 'x'),
        ('the nid play on the node hosts, s', lambda r: fmt_s(r['first']['nid_play_s']),
         fmt_x(ratio(large['first']['nid_play_s'], small['first']['nid_play_s'])) + 'x'),
        ('SQL statements', lambda r: '%d' % r['first']['statements'], ''),
        ('**no-op re-run**', None, None),
        ('ansible-playbook ha.yml wall, s', lambda r: fmt_s(r['noop']['wall_s']),
         fmt_x(role_growth(role_results, 'noop')) + 'x'),
        ('CPU of every process of the run (user + system), s', lambda r: fmt_s(r['noop']['cpu_s']),
         fmt_x(ratio(large['noop']['cpu_s'], small['noop']['cpu_s'])) + 'x'),
        ('the two database plays, s', lambda r: fmt_s(r['noop']['db_plays_s']),
         fmt_x(ratio(large['noop']['db_plays_s'], small['noop']['db_plays_s'])) + 'x'),
        ('the nid play on the node hosts, s', lambda r: fmt_s(r['noop']['nid_play_s']),
         fmt_x(ratio(large['noop']['nid_play_s'], small['noop']['nid_play_s'])) + 'x'),
        ('SQL statements', lambda r: '%d' % r['noop']['statements'], ''),
    ]
    last = '%d / %d' % (large['hosts'], small['hosts'])
    lines = ['| measure | %s | %s |' % (' | '.join(heads), last), '| --- |%s ---: |' % (' ---: |' * len(heads))]
    for label, cell, growth in rows:
        if cell is None:
            lines.append('| %s |%s |' % (label, ' |' * len(heads)))
        else:
            lines.append('| %s | %s | %s |' % (label, ' | '.join(cell(r) for r in role_results), growth))
    return '\n'.join(lines)


def role_targets(role_results):
    small, large = role_results[0], role_results[-1]
    checks = [
        ('ha.yml no-op at %d node hosts <= %.1fx the no-op at %d' % (large['hosts'], MAX_ROLE_NOOP_GROWTH, small['hosts']),
         role_growth(role_results, 'noop') <= MAX_ROLE_NOOP_GROWTH, fmt_x(role_growth(role_results, 'noop')) + 'x'),
        ('ha.yml first run at %d node hosts <= %.1fx the first run at %d'
         % (large['hosts'], MAX_ROLE_FIRST_GROWTH, small['hosts']),
         role_growth(role_results, 'first') <= MAX_ROLE_FIRST_GROWTH, fmt_x(role_growth(role_results, 'first')) + 'x'),
        ('SQL statements of ha.yml the same at %d and %d node hosts' % (small['hosts'], large['hosts']),
         small['first']['statements'] == large['first']['statements']
         and small['noop']['statements'] == large['noop']['statements'],
         'first run %d and %d, no-op %d and %d' % (small['first']['statements'], large['first']['statements'],
                                                   small['noop']['statements'], large['noop']['statements'])),
    ]
    return ['%-4s %s: %s' % ('met' if ok else 'MISS', label, value) for label, ok, value in checks]


def role_line(role_results):
    small, large = role_results[0], role_results[-1]
    return (' role_noop_%d_vs_%d=%sx role_first_%d_vs_%d=%sx'
            % (large['hosts'], small['hosts'], fmt_x(role_growth(role_results, 'noop')),
               large['hosts'], small['hosts'], fmt_x(role_growth(role_results, 'first'))))


# ---------------------------------------------------------------------------------------------
# Report

def fmt_s(value):
    if value >= 100:
        return '%.0f' % value
    if value >= 10:
        return '%.1f' % value
    if value >= 1:
        return '%.2f' % value
    return '%.3f' % value


def fmt_x(value):
    return '%.0f' % value if value >= 100 else '%.1f' % value


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float('inf')


def kinds_text(kinds):
    return ', '.join('%s %d' % (name, count) for name, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def table(results):
    heads = ['%d pipelines%s' % (r['pipelines'], ' (seed)' if r['channels'] == 1 else '') for r in results]

    def loop_cell(r, value):
        loop = r['loop']
        if loop['sampled']:
            return '%s (%d of %d timed)' % (fmt_s(value), loop['timed'], loop['tasks'])
        return fmt_s(value)

    rows = [
        ('rows the converge adds', lambda r: '%d' % r['rows_added']),
        ('**module, converge** (state: exact, one task)', None),
        ('ansible-playbook wall, s', lambda r: fmt_s(r['module']['playbook_wall_s'])),
        ('task, s', lambda r: fmt_s(r['module']['task_s'])),
        ('module process wall, s', lambda r: fmt_s(r['module']['wall_s'])),
        ('module main(), s', lambda r: fmt_s(r['module']['main_s'])),
        ('SQL statements per call', lambda r: '%d' % r['module']['statements']),
        ('same, counted around ansible-playbook', lambda r: '%d' % r['module']['playbook_statements']),
        ('peak memory, MiB', lambda r: '%.0f' % r['module']['peak_mib']),
        ('**module, no-op re-run**', None),
        ('ansible-playbook wall, s', lambda r: fmt_s(r['noop']['playbook_wall_s'])),
        ('task, s', lambda r: fmt_s(r['noop']['task_s'])),
        ('module process wall, s', lambda r: fmt_s(r['noop']['wall_s'])),
        ('module main(), s', lambda r: fmt_s(r['noop']['main_s'])),
        ('SQL statements per call', lambda r: '%d' % r['noop']['statements']),
        ('same, counted around ansible-playbook', lambda r: '%d' % r['noop']['playbook_statements']),
        ('peak memory, MiB', lambda r: '%.0f' % r['noop']['peak_mib']),
        ('**mysql_query loop** (one guarded INSERT per task)', None),
        ('tasks', lambda r: '%d' % r['loop']['tasks']),
        ('ansible-playbook wall, s', lambda r: loop_cell(r, r['loop']['playbook_wall_s'])),
        ('loop task, s', lambda r: loop_cell(r, r['loop']['task_s'])),
        ('per task, s', lambda r: fmt_s(r['loop']['per_task_s'])),
        ('SQL statements per task', lambda r: '%.0f' % r['loop']['statements_per_task']),
        ('**floor** (raw PyMySQL, one multi-row INSERT)', None),
        ('process wall, s', lambda r: fmt_s(r['floor']['wall_s'])),
        ('connect to close, s', lambda r: fmt_s(r['floor']['main_s'])),
        ('SQL statements', lambda r: '%d' % r['floor']['statements']),
        ('peak memory, MiB', lambda r: '%.0f' % r['floor']['peak_mib']),
        ('**ratios**', None),
        ('module main() / floor connect to close', lambda r: fmt_x(r['module_vs_floor']) + 'x'),
        ('module process / floor process', lambda r: fmt_x(ratio(r['module']['wall_s'], r['floor']['wall_s'])) + 'x'),
        ('loop task / module task', lambda r: fmt_x(r['vs_loop']) + 'x'),
        ('loop playbook / module playbook', lambda r: fmt_x(
            ratio(r['loop']['playbook_wall_s'], r['module']['playbook_wall_s'])) + 'x'),
    ]
    lines = ['| measure | %s |' % ' | '.join(heads), '| --- |%s' % (' ---: |' * len(heads))]
    for label, cell in rows:
        if cell is None:
            lines.append('| %s |%s' % (label, ' |' * len(heads)))
        else:
            lines.append('| %s | %s |' % (label, ' | '.join(cell(r) for r in results)))
    return '\n'.join(lines)


def targets(results):
    seed, large = results[0], results[-1]
    checks = [
        ('statements per converge constant and <= %d' % MAX_CONVERGE_STATEMENTS,
         len(set(r['module']['statements'] for r in results)) == 1
         and large['module']['statements'] <= MAX_CONVERGE_STATEMENTS,
         ', '.join('%d' % r['module']['statements'] for r in results)),
        ('statements per no-op constant and <= %d' % MAX_NOOP_STATEMENTS,
         len(set(r['noop']['statements'] for r in results)) == 1
         and large['noop']['statements'] <= MAX_NOOP_STATEMENTS,
         ', '.join('%d' % r['noop']['statements'] for r in results)),
        ('module main() within %.0fx of the floor at %d pipelines' % (MAX_MODULE_VS_FLOOR, large['pipelines']),
         large['module_vs_floor'] <= MAX_MODULE_VS_FLOOR, fmt_x(large['module_vs_floor']) + 'x'),
        ('>= %.0fx faster than the mysql_query loop at %d pipelines' % (MIN_VS_LOOP_SEED, seed['pipelines']),
         seed['vs_loop'] >= MIN_VS_LOOP_SEED, fmt_x(seed['vs_loop']) + 'x'),
        ('>= %.0fx faster than the mysql_query loop at %d pipelines' % (MIN_VS_LOOP_LARGE, large['pipelines']),
         large['vs_loop'] >= MIN_VS_LOOP_LARGE, fmt_x(large['vs_loop']) + 'x'),
    ]
    return ['%-4s %s: %s' % ('met' if ok else 'MISS', label, value) for label, ok, value in checks]


def bench_line(results):
    large = results[-1]
    return ('bench: pipelines=%d nodes=%d module_s=%s floor_s=%s module_vs_floor=%sx statements=%d '
            'noop_statements=%d vs_mysql_query_loop=%sx'
            % (large['pipelines'], large['nodes'], fmt_s(large['module']['main_s']),
               fmt_s(large['floor']['main_s']), fmt_x(large['module_vs_floor']), large['module']['statements'],
               large['noop']['statements'], fmt_x(large['vs_loop'])))


def machine(server):
    import ansible.release
    from importlib import metadata
    versions = dict(ansible_core=ansible.release.__version__)
    for key, distribution in (('ansible', 'ansible'), ('pymysql', 'PyMySQL')):
        try:
            versions[key] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[key] = 'unknown'
    manifest = os.path.join(os.path.dirname(os.path.dirname(ansible.release.__file__)), 'ansible_collections',
                            'community', 'mysql', 'MANIFEST.json')
    try:
        versions['community_mysql'] = read_json(manifest)['collection_info']['version']
    except (IOError, OSError, ValueError, KeyError):
        versions['community_mysql'] = 'unknown'
    return ('%s, %d cores; Python %s; ansible-core %s; ansible %s (community.mysql %s); PyMySQL %s; MariaDB %s'
            % (platform.system(), os.cpu_count() or 0, platform.python_version(), versions['ansible_core'],
               versions['ansible'], versions['community_mysql'], versions['pymysql'], server.version))


def notes(results):
    lines = []
    for r in results:
        loop = r['loop']
        if loop['sampled']:
            lines.append('- %d pipelines: the mysql_query loop was timed on %d of its %d tasks, spread evenly over '
                         'the fleet (%s s, %s s a task, median of %d runs), and extrapolated to all %d.'
                         % (r['pipelines'], loop['timed'], loop['tasks'], fmt_s(loop['measured_task_s']),
                            fmt_s(loop['per_task_s']), loop['runs'], loop['tasks']))
    large = results[-1]
    lines.append('- Statements by kind at %d pipelines (server counters Com_*), module converge: %s; no-op: %s; '
                 'floor: %s; mysql_query loop, %d tasks: %s.'
                 % (large['pipelines'], kinds_text(large['module']['kinds']), kinds_text(large['noop']['kinds']),
                    kinds_text(large['floor']['kinds']), large['loop']['timed'], kinds_text(large['loop']['kinds'])))
    return lines


def update_readme(report):
    with open(README) as handle:
        text = handle.read()
    if TABLE_START not in text or TABLE_END not in text:
        raise BenchError('bench/README.md lacks the table markers')
    head, rest = text.split(TABLE_START, 1)
    _old, tail_text = rest.split(TABLE_END, 1)
    with open(README, 'w') as handle:
        handle.write(head + TABLE_START + '\n' + report + '\n' + TABLE_END + tail_text)


# ---------------------------------------------------------------------------------------------

def prepare_state(state):
    """The collection tree ansible and PYTHONPATH see: ansible_collections/otter/ha -> the checkout,
    and an inventory that runs everything on localhost with this interpreter."""
    collections = os.path.join(state, 'collections', 'ansible_collections', 'otter')
    os.makedirs(collections, exist_ok=True)
    link = os.path.join(collections, 'ha')
    if os.path.islink(link):
        os.unlink(link)
    os.symlink(ROOT, link)
    inventory = os.path.join(state, 'inventory.ini')
    with open(inventory, 'w') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return inventory


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Benchmark otter.ha.otter_pipeline_nodes and the node_ha role (make bench).')
    parser.add_argument('--client-cnf', required=True, help='MySQL option file of the test account')
    parser.add_argument('--port', type=int, required=True, help='port of the throwaway server')
    parser.add_argument('--state', required=True, help='folder for generated files (outside the checkout)')
    parser.add_argument('--channels', default='1,50,500',
                        help='fleet sizes in bidirectional channels, comma-separated (default 1,50,500: '
                             '2, 100 and 1,000 pipelines)')
    parser.add_argument('--nodes', type=int, default=3)
    parser.add_argument('--repeat', type=int, default=3, help='runs of the module and the floor, median kept')
    parser.add_argument('--loop-sample', type=int, default=30, help='mysql_query tasks timed on big fleets')
    parser.add_argument('--loop-full-max', type=int, default=600,
                        help='fleets with at most this many rows to add run the whole mysql_query loop')
    parser.add_argument('--role-hosts', default='3,24',
                        help='node hosts of the role runs (playbooks/ha.yml), comma-separated, smallest first '
                             '(default 3,24); empty: no role runs')
    parser.add_argument('--role-channels', type=int, default=100,
                        help='bidirectional channels of the role runs (default 100: 200 pipelines)')
    parser.add_argument('--role-repeat', type=int, default=3,
                        help='first runs and no-op re-runs of ha.yml at each size, median kept')
    parser.add_argument('--no-readme', action='store_true', help='do not rewrite the table in bench/README.md')
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    options.state = os.path.abspath(options.state)
    os.makedirs(options.state, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    options.inventory = prepare_state(options.state)
    server = Server(os.path.abspath(options.client_cnf), options.port)
    env_line = machine(server)
    started = time.time()
    results = []
    try:
        sizes = [int(c) for c in options.channels.split(',')]
        for index, channels in enumerate(sizes):
            size = SizeRun(options, server, channels)
            say('== %d pipelines (%d channels, %d nodes): %d rows to add'
                % (size.pipelines, channels, options.nodes, len(size.fleet.missing)))
            size.reset()
            say('   module as a process, converge and no-op (%d runs each)' % options.repeat)
            size.measure_module()
            say('   ansible-playbook, converge and no-op')
            size.measure_playbook()
            say('   floor: raw PyMySQL (%d runs)' % options.repeat)
            size.measure_floor()
            say('   mysql_query loop')
            size.measure_loop()
            if index == len(sizes) - 1:
                say('   cProfile of one more converge')
                report = size.profile_module()
                with open(report) as source, open(os.path.join(RESULTS, 'profile.txt'), 'w') as target:
                    target.write(source.read())
            r = size.result
            r['module_vs_floor'] = ratio(r['module']['main_s'], r['floor']['main_s'])
            r['vs_loop'] = ratio(r['loop']['task_s'], r['module']['task_s'])
            results.append(r)
        roles = [RoleRun(options, server, int(hosts), options.role_channels)
                 for hosts in options.role_hosts.split(',') if hosts.strip()]
        if roles:
            say('== role: playbooks/ha.yml, %s node hosts, %d pipelines (%d channels), %s layout entries, %d rounds'
                % (' and '.join('%d' % r.hosts for r in roles), roles[0].pipelines, options.role_channels,
                   ' and '.join('%d' % len(r.entries) for r in roles), options.role_repeat))
        role_results = measure_roles(roles, options.role_repeat)
    finally:
        server.close()

    run_on = datetime.datetime.now().strftime('%Y-%m-%d')
    report = '\n'.join([
        'Run of %s, %d s in all. %s; N = %d nodes; medians of %d runs for the module, its playbook, the floor '
        'and loops of up to 60 tasks.'
        % (run_on, time.time() - started, env_line, options.nodes, options.repeat),
        '',
        table(results),
        '',
    ] + notes(results) + ([
        '',
        'The role, `playbooks/ha.yml` (forks: node hosts + 1), on %d pipelines; medians of %d runs:'
        % (role_results[0]['pipelines'], options.role_repeat),
        '',
        role_table(role_results),
    ] if role_results else []))
    with open(os.path.join(RESULTS, 'latest.json'), 'w') as handle:
        json.dump(dict(date=run_on, environment=env_line, results=results, role=role_results), handle, indent=1,
                  sort_keys=True)
    with open(os.path.join(RESULTS, 'latest.md'), 'w') as handle:
        handle.write(report + '\n')
    if not options.no_readme:
        update_readme(report)

    say('')
    say('Where main() spends its time at %d pipelines: cumulative seconds of the collection\'s functions and '
        'exit_json, under cProfile (which slows Python code about 2x); bench/results/profile.txt has more:'
        % results[-1]['pipelines'])
    for row in results[-1]['profile']:
        say('  %7.3f s %6d calls  %s' % (row['cumulative_s'], row['calls'], row['where']))
    say('')
    say('Targets:')
    for line in targets(results) + (role_targets(role_results) if len(role_results) > 1 else []):
        say('  ' + line)
    say('')
    say(report)
    say('')
    say(bench_line(results) + (role_line(role_results) if len(role_results) > 1 else ''))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except BenchError as exc:
        sys.stderr.write('bench: %s\n' % exc)
        sys.exit(1)
