#!/usr/bin/env bash
# otter_zk_info against the real test ZooKeeper. Otter cannot be built here, so the znodes come from node
# stand-ins (../setup_otter_zk/files) that write what an upstream node writes, and from the manager's system
# init and channel status as upstream writes them. No database is involved.
set -eux
set -o pipefail
source ../setup_otter_zk/files/standins.sh

run() { ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$PY" -e @"$CONFIG" cases.yml "$@"; }
fails() { # fails CASE TEXT: the case fails and its output has TEXT
    if run -e "case=$1" > "$OUTPUT_DIR/$1.log" 2>&1; then echo "case $1 passed but should fail" >&2; exit 1; fi
    grep -qF "$2" "$OUTPUT_DIR/$1.log" || { cat "$OUTPUT_DIR/$1.log"; exit 1; }
}

# Errors: nothing listens, then a ZooKeeper where Otter was never initialised.
fails unreachable 'cannot reach ZooKeeper at 127.0.0.1:1 within 2.0 seconds'
zk wipe
fails uninitialised 'has no /otter znode: this Otter was never initialised'

# Two channels as the manager leaves them; channel 2 is stopped. Node 1 and 2 are SELECT nodes of pipelines
# 1 and 2 (HA); node 3 is the only SELECT node of pipeline 3.
zk reset
zk channel 1 START 1 2
zk channel 2 STOP 3
start_node 1 1:1 1:2
zk wait /otter/channel/1/1/mainstem 10 OVERTAKE
start_node 2 1:1 1:2
start_node 3 2:3
run -e case=healthy "$@"
run -e case=filters "$@"

# Channel 2 starts: node 3 takes pipeline 3, with no standby.
zk status 2 START
zk wait /otter/channel/2/3/mainstem 10 '"nid":3'
run -e case=single "$@"

# The holder of pipeline 3 crashes: once its session expires its znodes vanish, nobody holds the lock.
kill_node 3
run -e case=no_mainstem "$@"

# The holder of pipelines 1 and 2 (node 1) crashes: node 2 takes both over and has no standby left.
kill_node 1
zk wait /otter/channel/1/1/mainstem 15 '"nid":2'
zk wait /otter/channel/1/2/mainstem 15 '"nid":2'
run -e case=took_over "$@"

# Node 1 comes back: HA again. Then channel 1 is paused.
start_node 1 1:1 1:2
run -e case=healthy_again "$@"
zk status 1 PAUSE
run -e case=paused "$@"
