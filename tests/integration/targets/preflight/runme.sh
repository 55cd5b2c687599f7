#!/usr/bin/env bash
# Preflight and manager HA on real files and servers: Otter node and manager homes laid out as the deployers lay
# them out (files/, copied to $OUTPUT_DIR/homes), the test ZooKeeper and a three-server ensemble
# (files/zk_ensemble.sh), two stand-ins of the manager's JSON API (../setup_otter_zk/files: Otter cannot be built
# here), and the test MariaDB for the nodes' cluster.
set -eux
set -o pipefail
source ../setup_otter_zk/files/standins.sh
export ANSIBLE_ROLES_PATH=..

HOMES=$OUTPUT_DIR/homes
ENSEMBLE_DIR=$OUTPUT_DIR/ensemble
# Ports by Python line (3.11: ZooKeeper 12622-12639, APIs 18811-18813; 3.12: 12642-12659, 18821-18823), so the two
# lines' runs can go side by side.
line=$("$PY" -c 'import sys; print(sys.version_info[1] % 10)')
export ZK_ENSEMBLE_BASE=$((12601 + line * 20))
API_BASE=$((18800 + line * 10))
export ENSEMBLE=127.0.0.1:$((ZK_ENSEMBLE_BASE + 1)),127.0.0.1:$((ZK_ENSEMBLE_BASE + 2)),127.0.0.1:$((ZK_ENSEMBLE_BASE + 3))
export ZK_SECOND_ENSEMBLE=127.0.0.1:$((ZK_ENSEMBLE_BASE + 10)) ZK_NOTHING=127.0.0.1:$((ZK_ENSEMBLE_BASE + 18))
DB=$(sed -n 's/^otter_test_db_host: *//p' "$CONFIG"):$(sed -n 's/^otter_test_db_port: *//p' "$CONFIG")
ensemble() { files/zk_ensemble.sh "$ENSEMBLE_DIR" "$@"; }
run() { ansible-playbook -i inventory.yml -e @"$CONFIG" "$@"; }
fails() { # fails LOG TEXT PLAYBOOK ARGS...: the run fails and its output has TEXT
    local log=$OUTPUT_DIR/$1 text=$2
    shift 2
    if run "$@" > "$log" 2>&1; then echo "$* passed but should fail" >&2; exit 1; fi
    grep -qF -- "$text" "$log" || { cat "$log"; exit 1; }
}
recap_changed() { grep -E "^$2 +:" "$1" | sed -E 's/.*changed=([0-9]+).*/\1/'; }
stop_ensemble() { ensemble stop || true; stop_all; }
trap stop_ensemble EXIT

# The homes: node-a (nid 1) and node-b (nid 2) from files/node, manager-1 and manager-2 from files/manager with the
# test database and ZooKeeper; the templates stay beside them for the cases to restore; "empty" has no conf at all.
rm -rf "$HOMES" && mkdir -p "$HOMES/empty"
cp -r files/node "$HOMES/node-template" && printf '1\n' > "$HOMES/node-template/conf/nid"
cp -r "$HOMES/node-template" "$HOMES/node-a"
cp -r "$HOMES/node-template" "$HOMES/node-b" && printf '2\n' > "$HOMES/node-b/conf/nid"
cp -r files/manager "$HOMES/manager-template"
sed -i -e "s|@DB@|$DB|" -e "s|@ZK@|$ZK|" "$HOMES/manager-template/conf/otter.properties"
cp -r "$HOMES/manager-template" "$HOMES/manager-1"
cp -r "$HOMES/manager-template" "$HOMES/manager-2"

# A process that looks like a running Otter node started with nid 2, and a pid that no process has.
"$PY" -c 'import time; time.sleep(600)' -Dnid=2 -Dotter.manager.address=127.0.0.1:1099,127.0.0.2:1099 \
    com.alibaba.otter.node.deployer.OtterLauncher &
fake_node=$!
echo "$fake_node" > "$STATE/fake-node.pid"
true & gone=$!
wait "$gone"

# --- otter_home: node and manager homes, each finding positive and negative
run node.yml -e "fake_node_pid=$fake_node" -e "gone_pid=$gone" "$@"
run manager.yml "$@"

# --- management: check mode writes nothing, a run writes only the line, a second run changes nothing
manage() { run manage.yml --diff -e "case=$1" "${@:2}"; }
props=$HOMES/node-a/conf/otter.properties
sed -i 's/^otter.manager.address = .*/otter.manager.address = 127.0.0.1:1099/' "$props"
cp "$props" "$OUTPUT_DIR/node-a.before"
manage address -e changed=true --check | tee "$OUTPUT_DIR/address-check.log"
cmp "$OUTPUT_DIR/node-a.before" "$props"
grep -qF '+otter.manager.address = 127.0.0.1:1099,127.0.0.2:1099' "$OUTPUT_DIR/address-check.log"
manage address -e changed=true
sed 's/^otter.manager.address = .*/otter.manager.address = 127.0.0.1:1099,127.0.0.2:1099/' \
    "$OUTPUT_DIR/node-a.before" > "$OUTPUT_DIR/node-a.expected"
cmp "$OUTPUT_DIR/node-a.expected" "$props"
ls "$HOMES"/node-a/conf/otter.properties.*~ > /dev/null           # the backup
manage address -e changed=false
cmp "$OUTPUT_DIR/node-a.expected" "$props"

# Every other byte stays: CR LF line ends, a latin-1 byte, a comment ending in a backslash, a continued value.
props=$HOMES/node-b/conf/otter.properties
# shellcheck disable=SC2016  # ${user.dir} is a placeholder of the file, not of the shell
printf '# caf\xe9 \\\r\notter.nodeHome = ${user.dir}/../\r\notter.manager.address = 127.0.0.1:1099,\\\r\n   127.0.0.3:1099\r\n! end\r\n' \
    > "$props"
# shellcheck disable=SC2016
printf '# caf\xe9 \\\r\notter.nodeHome = ${user.dir}/../\r\notter.manager.address = 127.0.0.1:1099,127.0.0.2:1099\r\n! end\r\n' \
    > "$OUTPUT_DIR/node-b.expected"
manage address_bytes -e changed=true
cmp "$OUTPUT_DIR/node-b.expected" "$props"
manage address_bytes -e changed=false
# A file without the key gets one line at its end.
printf 'otter.zookeeper.sessionTimeout = 60000' > "$props"
manage address_appended -e changed=true
printf 'otter.zookeeper.sessionTimeout = 60000\notter.manager.address = 127.0.0.1:1099,127.0.0.2:1099\n' \
    > "$OUTPUT_DIR/node-b.expected"
cmp "$OUTPUT_DIR/node-b.expected" "$props"
# A -D option in an environment file still wins: the module says so.
printf 'export JAVA_DEBUG_OPT="-Dotter.manager.address=127.0.0.1:1099"\n' > "$HOMES/node-b/profile"
manage address_overridden -e changed=false
rm "$HOMES/node-b/profile"
cp "$HOMES/node-template/conf/otter.properties" "$props"
fails no-file.log 'cannot set otter.manager.address: '"$HOMES"'/empty/conf/otter.properties does not exist' \
    manage.yml -e case=no_file

props=$HOMES/manager-2/conf/otter.properties
cp "$props" "$OUTPUT_DIR/manager-2.before"
manage monitor_off -e changed=true --check
cmp "$OUTPUT_DIR/manager-2.before" "$props"
manage monitor_off -e changed=true
sed 's/^otter.manager.monitor.self.enable = true$/otter.manager.monitor.self.enable = false/' \
    "$OUTPUT_DIR/manager-2.before" > "$OUTPUT_DIR/manager-2.expected"
cmp "$OUTPUT_DIR/manager-2.expected" "$props"
manage monitor_off -e changed=false
cp "$OUTPUT_DIR/manager-2.before" "$props"
sed -i 's/^otter.manager.monitor.self.enable = true$/otter.manager.monitor.self.enable = yes/' "$HOMES/manager-1/conf/otter.properties"
cp "$HOMES/manager-1/conf/otter.properties" "$OUTPUT_DIR/manager-1.before"
manage monitor_on_yes -e changed=false                            # "yes" already reads as true
cmp "$OUTPUT_DIR/manager-1.before" "$HOMES/manager-1/conf/otter.properties"
cp "$HOMES/manager-template/conf/otter.properties" "$HOMES/manager-1/conf/otter.properties"

# --- the manager pair: two API stand-ins on the test ZooKeeper, where channel 1 is started; nothing on the third port
zk reset
zk channel 1 START 1 2
start_api() { # start_api N PORT ZK
    "$PY" "$STANDINS/otter_manager_standin.py" --zk "$3" --port "$2" --log "$STATE/api-$1.jsonl" \
        >>"$STATE/api-$1.log" 2>&1 &
    echo $! > "$STATE/api-$1.pid"
    for _ in $(seq 1 50); do
        "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$2" 2>/dev/null \
            && return 0
        sleep 0.1
    done
    cat "$STATE/api-$1.log" >&2
    return 1
}
stop_api() { local pid; pid=$(cat "$STATE/api-$1.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; }
start_api 1 $((API_BASE + 1)) "$ZK"
start_api 2 $((API_BASE + 2)) "$ZK"
export MANAGER_URLS="http://127.0.0.1:$((API_BASE + 1)) http://127.0.0.1:$((API_BASE + 2)) http://127.0.0.1:$((API_BASE + 3))"
run setup.yml "$@"
run pair.yml "$@"
# Only reads reached the managers: no channel_op (and no monitor_trigger, which the stand-in does not even serve).
[ ! -s "$STATE/api-1.jsonl" ] && [ ! -s "$STATE/api-2.jsonl" ]

# --- the ZooKeeper ensemble: the standalone test server, then three servers in one ensemble
run ensemble.yml -e case=standalone "$@"
run ensemble.yml -e case=standalone_string "$@"
run ensemble.yml -e case=standalone_and_nothing "$@"
run ensemble.yml -e case=nothing "$@"
ensemble start
for n in 1 2 3; do ensemble wait-mode "$n" leader follower; done
run ensemble.yml -e case=ensemble "$@"
run ensemble.yml -e case=ensemble_and_standalone "$@"
# A second ensemble (of one server, so a leader) listed with the first; a port where an HTTP server waits for more
# than the four letters (each question is bounded by the timeout).
ensemble start 4
ensemble wait-mode 4 leader
run ensemble.yml -e case=several_leaders "$@"
ensemble stop 4
run ensemble.yml -e case=silent_port "$@"

# manager-2 moves to the ensemble, where channel 1 is stopped: the managers report it differently.
"$PY" "$STANDINS/otter_zk_tool.py" "$ENSEMBLE" reset
"$PY" "$STANDINS/otter_zk_tool.py" "$ENSEMBLE" channel 1 STOP 1 2
stop_api 2
start_api 2 $((API_BASE + 2)) "$ENSEMBLE"
run pair.yml -e pair_only=status_differs "$@"
stop_api 2
start_api 2 $((API_BASE + 2)) "$ZK"

# The leader goes: the other two elect a new one; then a second server goes, and the last one has no quorum.
leader=$(ensemble leader)
ensemble stop "$leader"
others=$(printf '1\n2\n3\n' | grep -vx "$leader")
for n in $others; do ensemble wait-mode "$n" leader follower; done
run ensemble.yml -e case=one_down "$@"
ensemble stop 1 2
ensemble start 3 || true
ensemble wait-mode 3 not-serving
run ensemble.yml -e case=no_quorum "$@"
ensemble stop

# --- the role's phases: preflight on the node hosts, the managers phase on the controller
cp "$HOMES/node-template/conf/otter.properties" "$HOMES/node-a/conf/otter.properties"
sed -i 's/^otter.manager.address = .*/otter.manager.address = 127.0.0.1:1099/' "$HOMES/node-b/conf/otter.properties"
cp "$HOMES/manager-template/conf/otter.properties" "$HOMES/manager-1/conf/otter.properties"
cp "$HOMES/manager-template/conf/otter.properties" "$HOMES/manager-2/conf/otter.properties"
# Strict: node-b lists one manager, and both managers run the self-monitor.
fails role-strict.log "otter.manager.address '127.0.0.1:1099' names only one manager the node can call" role.yml "$@"
grep -qF 'managers otter-manager-1, otter-manager-2 all run the self-monitor' "$OUTPUT_DIR/role-strict.log"
grep -qE '^otter-node-a +:.*failed=0' "$OUTPUT_DIR/role-strict.log"
grep -qE '^otter-node-b +:.*failed=1' "$OUTPUT_DIR/role-strict.log"
# Not strict: the same findings are warnings.
run role.yml -e node_ha_preflight_strict=false "$@" | tee "$OUTPUT_DIR/role-warn.log"
grep -qF 'WARNING preflight: ' "$OUTPUT_DIR/role-warn.log"
grep -qF 'WARNING managers: managers otter-manager-1, otter-manager-2 all run the self-monitor' "$OUTPUT_DIR/role-warn.log"
# Management in check mode writes nothing.
for f in node-a node-b manager-1 manager-2; do cp "$HOMES/$f/conf/otter.properties" "$OUTPUT_DIR/$f.role-before"; done
manage_vars=(-e node_ha_manage_manager_address=true -e node_ha_manage_monitor=true)
run role.yml --check --diff "${manage_vars[@]}" "$@" | tee "$OUTPUT_DIR/role-check.log"
for f in node-a node-b manager-1 manager-2; do cmp "$OUTPUT_DIR/$f.role-before" "$HOMES/$f/conf/otter.properties"; done
grep -qF '+otter.manager.monitor.self.enable = false' "$OUTPUT_DIR/role-check.log"
# A real run sets node-b's manager address and manager-2's self-monitor, and passes.
run role.yml --diff "${manage_vars[@]}" "$@" | tee "$OUTPUT_DIR/role-manage.log"
[ "$(recap_changed "$OUTPUT_DIR/role-manage.log" otter-node-b)" -eq 1 ]
[ "$(recap_changed "$OUTPUT_DIR/role-manage.log" otter-node-a)" -eq 0 ]
grep -qF 'self-monitor owner: otter-manager-1' "$OUTPUT_DIR/role-manage.log"
cmp "$OUTPUT_DIR/node-a.role-before" "$HOMES/node-a/conf/otter.properties"
cmp "$OUTPUT_DIR/manager-1.role-before" "$HOMES/manager-1/conf/otter.properties"
# A second run changes nothing.
run role.yml "${manage_vars[@]}" "$@" | tee "$OUTPUT_DIR/role-again.log"
for host in otter-node-a otter-node-b localhost; do [ "$(recap_changed "$OUTPUT_DIR/role-again.log" "$host")" -eq 0 ]; done

# --- playbooks/ha.yml with both phases wired in (ha_vars.yml over role_vars.yml): the managers phase in the first
# play, before registration; the preflight play on the node hosts, before the register play and the nid play.
cnf=$(sed -n 's/^otter_test_client_cnf: //p' "$CONFIG")
db() { mariadb --defaults-file="$cnf" --batch --skip-column-names otter -e "$1"; }
has() { grep -qF -- "$2" "$OUTPUT_DIR/$1" || { cat "$OUTPUT_DIR/$1"; echo "missing: $2" >&2; exit 1; }; }
lacks() { if grep -qF -- "$2" "$OUTPUT_DIR/$1"; then cat "$OUTPUT_DIR/$1"; echo "unexpected: $2" >&2; exit 1; fi; }
# snapshot, then unchanged: NODE, PIPELINE_NODE_RELATION and the node homes (conf/nid included) are as they were.
snapshot() {
    db 'CHECKSUM TABLE NODE, PIPELINE_NODE_RELATION' > "$OUTPUT_DIR/ha-checksums.before"
    rm -rf "$OUTPUT_DIR/ha-homes.before" && mkdir "$OUTPUT_DIR/ha-homes.before"
    cp -a "$HOMES/node-a" "$HOMES/node-b" "$OUTPUT_DIR/ha-homes.before"
}
unchanged() {
    db 'CHECKSUM TABLE NODE, PIPELINE_NODE_RELATION' | diff "$OUTPUT_DIR/ha-checksums.before" -
    for home in node-a node-b; do diff -r "$OUTPUT_DIR/ha-homes.before/$home" "$HOMES/$home"; done
}
ha_vars=(-e @role_vars.yml -e @ha_vars.yml)
# The fixture's channel (one node per location, as the manager UI leaves it) on a cluster that lists the test
# ZooKeeper; node-b moves to the declared 127.0.0.1:3088 (registration only), so the runs below register nothing.
run setup.yml "$@"
db "UPDATE AUTOKEEPER_CLUSTER SET SERVER_LIST = '[\"$ZK\"]' WHERE ID = 1"
run otter.ha.ha "${ha_vars[@]}" --tags register -e '{"node_ha_allow_readdress": true}' "$@" > "$OUTPUT_DIR/ha-register.log"
[ "$(db "SELECT CONCAT(ID, ' ', IP, ':', PORT) FROM NODE WHERE NAME = 'node-b'")" = '2 127.0.0.1:3088' ]
# node-a's conf/nid is still to be written (a good home); node-b's holds another node's id (a bad one).
rm "$HOMES/node-a/conf/nid"
printf '7\n' > "$HOMES/node-b/conf/nid"
snapshot

# Both managers run the self-monitor: the first play stops before registration, and no node host is reached.
cp "$HOMES/manager-2/conf/otter.properties" "$OUTPUT_DIR/manager-2.ha"
cp "$HOMES/manager-template/conf/otter.properties" "$HOMES/manager-2/conf/otter.properties"
fails ha-managers.log 'managers otter-manager-1, otter-manager-2 all run the self-monitor' otter.ha.ha "${ha_vars[@]}" "$@"
lacks ha-managers.log 'TASK [otter.ha.node_ha : Register every node in one transaction]'
lacks ha-managers.log 'TASK [otter.ha.node_ha : Read each node home as the node reads it]'
cp "$OUTPUT_DIR/manager-2.ha" "$HOMES/manager-2/conf/otter.properties"
unchanged

# node-b's home fails preflight, naming the file, the value and the id the database has: every node host stops
# (any_errors_fatal) before anything is written - the registration that would give node-a a description (which
# `unchanged` would see in NODE's checksum) does not run, no conf/nid is written, not even node-a's, and the layout
# is not converged.
described='{"node_ha_nodes": [
  {"name": "node-a", "ip": "127.0.0.1", "zk_cluster": "default", "host": "otter-node-a",
   "otter_home": "{{ homes }}/node-a", "description": "written only after preflight"},
  {"name": "node-b", "ip": "127.0.0.1", "port": 3088, "zk_cluster": "default", "host": "otter-node-b",
   "otter_home": "{{ homes }}/node-b"}]}'
fails ha-preflight.log "$HOMES/node-b/conf/nid holds 7, but" otter.ha.ha "${ha_vars[@]}" -e "$described" "$@"
has ha-preflight.log 'is node 2 in the manager database'
has ha-preflight.log 'managers: 2 manager(s) on one database and one ZooKeeper, self-monitor on otter-manager-1'
# (The first play lists the register tasks as skipped; the register play, after preflight, never starts.)
lacks ha-preflight.log 'PLAY [Otter node high availability - register the nodes (after preflight)]'
lacks ha-preflight.log 'TASK [otter.ha.node_ha : Write conf/nid with the id the manager database has for the node'
lacks ha-preflight.log 'TASK [otter.ha.node_ha : Converge every layout entry in one transaction]'
grep -qE '^otter-node-b +:.*failed=1' "$OUTPUT_DIR/ha-preflight.log"
unchanged
[ ! -e "$HOMES/node-a/conf/nid" ]

# node-b's home fixed, the same run passes both phases, writes node-a's conf/nid with the id registration gave it,
# and converges and verifies the layout; a second run changes nothing on any host.
printf '2\n' > "$HOMES/node-b/conf/nid"
run otter.ha.ha "${ha_vars[@]}" "$@" | tee "$OUTPUT_DIR/ha-good.log"
has ha-good.log 'preflight: 1 node home(s) on otter-node-a as declared'
has ha-good.log 'preflight: 1 node home(s) on otter-node-b as declared'
has ha-good.log 'absent (the nid phase writes it) (expected 1)'
has ha-good.log 'conf/nid changed for node-a.'
has ha-good.log '2 pipeline(s) verified'
[ "$(cat "$HOMES/node-a/conf/nid")" = 1 ]
[ "$(db 'SELECT COUNT(*) FROM PIPELINE_NODE_RELATION')" -eq 12 ]
run otter.ha.ha "${ha_vars[@]}" "$@" | tee "$OUTPUT_DIR/ha-again.log"
for host in otter-node-a otter-node-b localhost; do [ "$(recap_changed "$OUTPUT_DIR/ha-again.log" "$host")" -eq 0 ]; done
