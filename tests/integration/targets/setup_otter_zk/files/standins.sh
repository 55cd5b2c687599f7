# Sourced by the live test targets' runme.sh: start and stop the stand-ins (see the .py files beside this one)
# of Otter nodes and of the manager's JSON API, against the test ZooKeeper. Every process started here is
# recorded and ended on exit.
# shellcheck shell=bash

STANDINS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
CONFIG=../../integration_config.yml
ZK=$(sed -n 's/^otter_test_zk_hosts: *//p' "$CONFIG")
[ -n "$ZK" ] || { echo "otter_test_zk_hosts missing from $CONFIG: run through make integration" >&2; exit 1; }
# The test account's option file: the manager stand-in reads the manager database with it.
DB_CNF=$(sed -n 's/^otter_test_client_cnf: *//p' "$CONFIG")
STATE=$OUTPUT_DIR/standins
mkdir -p "$STATE"

zk() { "$PY" "$STANDINS/otter_zk_tool.py" "$ZK" "$@"; }

# start_node NID CID:PID...   a node stand-in that is a SELECT node of these pipelines
start_node() {
    local nid=$1 args=() p
    shift
    for p in "$@"; do args+=(--pipeline "$p"); done
    "$PY" "$STANDINS/otter_node_standin.py" --zk "$ZK" --nid "$nid" "${args[@]}" >>"$STATE/node-$nid.log" 2>&1 &
    echo $! > "$STATE/node-$nid.pid"
    zk wait "/otter/node/$nid" 20
}

# kill_node NID: SIGKILL, as a crash; its znodes vanish when its session expires (a few seconds here).
kill_node() {
    kill -9 "$(cat "$STATE/node-$1.pid")"
    rm -f "$STATE/node-$1.pid"
    zk wait-gone "/otter/node/$1" 30
}

# stop_node NID: SIGTERM, a graceful stop (the znodes go at once).
stop_node() {
    local pid
    pid=$(cat "$STATE/node-$1.pid")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$STATE/node-$1.pid"
}

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_manager [ARGS...]: the manager API stand-in on a free port, with ARGS (for example --start-delay 5 or
# --dead-node-delay 2); MANAGER_URL and MANAGER_LOG say where.
# shellcheck disable=SC2120  # the arguments are optional
start_manager() {
    MANAGER_PORT=${MANAGER_PORT:-$(free_port)}
    # shellcheck disable=SC2034  # for the runme.sh that sources this file
    MANAGER_URL=http://127.0.0.1:$MANAGER_PORT
    MANAGER_LOG=$STATE/manager-ops.jsonl
    touch "$MANAGER_LOG"
    "$PY" "$STANDINS/otter_manager_standin.py" --zk "$ZK" --port "$MANAGER_PORT" --log "$MANAGER_LOG" \
        --db-cnf "$DB_CNF" "$@" \
        >>"$STATE/manager.log" 2>&1 &
    echo $! > "$STATE/manager.pid"
    for _ in $(seq 1 50); do
        "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$MANAGER_PORT" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "the manager stand-in did not start" >&2
    cat "$STATE/manager.log" >&2
    return 1
}

stop_manager() {
    local pid
    pid=$(cat "$STATE/manager.pid")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$STATE/manager.pid"
}

# The operations the manager stand-in received, one "command id" per line.
manager_ops() { "$PY" -c 'import json, sys; [print(d["command"], d["id"]) for d in map(json.loads, open(sys.argv[1]))]' "$MANAGER_LOG"; }

stop_all() {
    local f
    for f in "$STATE"/*.pid; do
        [ -e "$f" ] || continue
        kill -9 "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
}
trap stop_all EXIT

# manager_ops_after N: the operations after the first N, on one line ("stop 1 start 1 ").
manager_ops_after() { manager_ops | tail -n +$(($1 + 1)) | tr '\n' ' '; }

# manager_call CID COMMAND: an operator's own start or stop through the manager's API.
manager_call() {
    "$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(
        "%s/api/channel_op.htm?id=%s&command=%s" % tuple(sys.argv[1:4]), timeout=10).read().decode())' \
        "$MANAGER_URL" "$1" "$2"
}
