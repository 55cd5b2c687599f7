#!/usr/bin/env bash
# Reliability of the modules against a real MariaDB and ZooKeeper that misbehave: tables on the wrong engine,
# locks held by other sessions, a READ-COMMITTED server, a node removed under a converge in flight, a server
# that never greets, a read-only server, option-file passwords, backups under odd time zones, ambiguous
# references, strings the schema cannot store, ZooKeeper data Otter never writes, and HTTP managers that
# trickle or flood. One playbook per case (*.yml beside this file); every case runs even when an earlier one
# fails, and the target fails at the end naming the failed cases.
#
# Helper servers (files/misbehaving.py) listen on 127.0.0.1 ports 18601-18694 (by Python line), exit by themselves after
# their lifetime and are stopped by PID when their case ends. Global settings a case changes (read_only,
# time_zone, tx_isolation) are restored by the case and, should it die, again on exit. The backup case loads
# Europe/Berlin into the server's time zone tables when they lack it (see backup.yml).
set -eux
set -o pipefail

export ANSIBLE_ROLES_PATH=..
PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
CONFIG=../../integration_config.yml
CNF=$(sed -n 's/^otter_test_client_cnf: *//p' "$CONFIG")
[ -n "$CNF" ] || { echo "otter_test_client_cnf missing from $CONFIG: run through make integration" >&2; exit 1; }
HELPER=$(pwd)/files/misbehaving.py
LOGS=$OUTPUT_DIR/reliability
mkdir -p "$LOGS"

sql() { mariadb --defaults-file="$CNF" --batch --skip-column-names "$@"; }
GLOBALS=$(sql -e "SELECT CONCAT('SET GLOBAL read_only = ', @@global.read_only, ', time_zone = ', QUOTE(@@global.time_zone),
    ', tx_isolation = ', QUOTE(@@global.tx_isolation))")

PIDS=()
start_server() { # start_server MODE PORT [ARGS...]: a helper server, once it listens
    "$PY" "$HELPER" "$@" --lifetime 90 >>"$LOGS/server-$1.log" 2>&1 &
    PIDS+=($!)
    local _
    for _ in $(seq 1 50); do
        "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$2" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "helper server $1 did not start on port $2" >&2
    return 1
}
stop_servers() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
cleanup() {
    stop_servers
    sql -e "$GLOBALS" || true
}
trap cleanup EXIT

failed=()
case_() { # case_ NAME [ARGS...]: run NAME.yml, keep its output, remember a failure
    local name=$1 start=$SECONDS
    shift
    if ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$PY" -e @"$CONFIG" \
            -e "output_dir=$LOGS" -e "rel_helper=$HELPER" "$@" "$name.yml" > "$LOGS/$name.log" 2>&1; then
        echo "case $name: passed in $((SECONDS - start)) s"
    else
        echo "case $name: FAILED in $((SECONDS - start)) s; its output:"
        grep -E -A40 'FAILED!|fatal:|ERROR!' "$LOGS/$name.log" | head -n 120 || tail -n 60 "$LOGS/$name.log"
        failed+=("$name")
    fi
}

# The helper servers' ports depend on the Python line, so that both ansible-core lines can run side by side.
base=$((18600 + $("$PY" -c 'import sys; print(sys.version_info[1] % 10)') * 10))
silent=$((base + 1)) trickle_body=$((base + 2)) trickle_head=$((base + 3)) flood=$((base + 4))
set +x
case_ engines
case_ locks
case_ read_committed
case_ node_removal
start_server silent "$silent"
case_ read_timeout -e "rel_silent_port=$silent"
stop_servers
case_ read_only
case_ option_files
case_ backup
case_ references
case_ odd_strings
case_ zookeeper
start_server trickle-body "$trickle_body" --per-connection 20
start_server trickle-head "$trickle_head" --per-connection 20
start_server flood "$flood" --log "$LOGS/flood.jsonl"
case_ manager_http -e "rel_trickle_body_port=$trickle_body" -e "rel_trickle_head_port=$trickle_head" -e "rel_flood_port=$flood" \
    -e "rel_flood_log=$LOGS/flood.jsonl"
stop_servers

if [ "${#failed[@]}" -gt 0 ]; then
    echo "reliability: failed cases: ${failed[*]} (logs in $LOGS)" >&2
    exit 1
fi
echo "reliability: every case passed"
