#!/usr/bin/env bash
# The role's live phases end to end: apply with restart through the manager's JSON API, verify-live in
# ZooKeeper, and verification during a manager outage. Real MariaDB and ZooKeeper; Otter cannot be built here,
# so the nodes and the manager API are stand-ins (../setup_otter_zk/files) written from upstream's behaviour.
set -eux
set -o pipefail
source ../setup_otter_zk/files/standins.sh
export ANSIBLE_ROLES_PATH=..

run() { ansible-playbook -i inventory.yml -e @"$CONFIG" "$@"; }
recap_changed() { grep -E '^localhost +:' "$1" | sed -E 's/.*changed=([0-9]+).*/\1/'; }
fails() { # fails LOG PLAYBOOK ARGS...: the run fails; its output is in $OUTPUT_DIR/LOG
    local log=$OUTPUT_DIR/$1
    shift
    if run "$@" > "$log" 2>&1; then cat "$log"; echo "expected a failure" >&2; exit 1; fi
}
has() { grep -qF -- "$2" "$OUTPUT_DIR/$1" || { cat "$OUTPUT_DIR/$1"; echo "missing: $2" >&2; exit 1; }; }
# lacks LOG TEXT: TEXT is not in the log (a bare `! grep` would never trip set -e).
lacks() { if grep -qF -- "$2" "$OUTPUT_DIR/$1"; then cat "$OUTPUT_DIR/$1"; echo "unexpected: $2" >&2; exit 1; fi; }

run setup.yml
zk reset
zk channel 1 START 1 2
zk channel 2 START 3
start_node 1 1:1 1:2 2:3
start_node 2 1:1 1:2 2:3
start_manager
export MANAGER_URL

# Apply with restart: only sync-ab (channel 1) changes, so only it is stopped and started; verify-live passes.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/apply.log"
[ "$(manager_ops | tr '\n' ' ')" = "stop 1 start 1 " ]
has apply.log 'live: 3 pipeline(s) each run SELECT on one node with a standby, 2 channel(s) START, 2 node(s) alive'
lacks apply.log 'pending:'

# Second run: nothing changes, no channel is touched.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/again.log"
[ "$(recap_changed "$OUTPUT_DIR/again.log")" -eq 0 ]
[ "$(manager_ops | wc -l)" -eq 2 ]

# Verification alone (database and ZooKeeper).
run otter.ha.verify "$@" | tee "$OUTPUT_DIR/verify.log"

# The holder of pipeline 1 crashes: its znodes vanish once its session expires, the standby takes over, and
# verification names the dead node and the pipelines left without a standby.
holder=$(zk holder 1 1)
other=$((3 - holder))
kill_node "$holder"
zk wait /otter/channel/1/1/mainstem 15 "\"nid\":$other"
fails killed.log otter.ha.verify -e node_ha_live_wait=0
has killed.log "node $holder (node-"
has killed.log ") is not alive"
has killed.log "sync-ab/a-to-b (pipeline 1) has no standby: SELECT runs on node $other"
# Not strict: the same findings are warnings and the run passes.
run otter.ha.verify -e node_ha_live_wait=0 -e node_ha_live_strict=false | tee "$OUTPUT_DIR/lenient.log"
has lenient.log "WARNING live: sync-ab/a-to-b (pipeline 1) has no standby"
start_node "$holder" 1:1 1:2 2:3
run otter.ha.verify

# A paused channel is named.
zk status 1 PAUSE
fails paused.log otter.ha.verify -e node_ha_live_wait=0
has paused.log 'channel 1 (sync-ab) is PAUSE, not START'
zk status 1 START

# Manager down: a UI edit reverted pipeline 1 to one node per location. The role converges the database, stops
# nothing and says the channel is pending; the live check names the same pending push (the nodes and ZooKeeper
# carry on with the old layout), as a failure, or with node_ha_live_strict=false as a warning while everything
# else is live.
stop_manager
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 1;
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (1, 1, 'SELECT', NOW(), NOW()), (1, 1, 'EXTRACT', NOW(), NOW()), (2, 1, 'LOAD', NOW(), NOW())"
run sql.yml
fails manager-down.log otter.ha.ha "$@"
has manager-down.log 'pending: channel sync-ab (id 1) needs a restart/push to pick up the new layout; running sync is unaffected'
has manager-down.log 'channel 1 (sync-ab): its layout changed in the manager database'
[ "$(manager_ops | wc -l)" -eq 2 ]
run otter.ha.verify -e node_ha_live_strict=false "$@" | tee "$OUTPUT_DIR/verify-manager-down.log"
has verify-manager-down.log '3 pipeline(s) verified'
has verify-manager-down.log 'WARNING live: channel 1 (sync-ab): its layout changed in the manager database'

# A restart apply without a manager URL is refused before anything changes.
fails no-url.log otter.ha.ha -e node_ha_manager_url=
has no-url.log 'set node_ha_manager_url'

# A channel that is already STOP is neither stopped nor started: the manager is back, sync-cd (channel 2) was
# stopped by hand and a UI edit dropped node-b from its pipeline. The role converges it and leaves it STOP.
start_manager
zk status 2 STOP
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 3 AND NODE_ID = 2"
run sql.yml
run otter.ha.ha -e node_ha_live_strict=false "$@" | tee "$OUTPUT_DIR/stopped.log"
[ "$(recap_changed "$OUTPUT_DIR/stopped.log")" -gt 0 ]
[ "$(manager_ops | wc -l)" -eq 2 ]
has stopped.log 'WARNING live: channel 2 (sync-cd) is STOP, not START'
if grep -q 'pending:' "$OUTPUT_DIR/stopped.log"; then echo "a reachable manager left a channel pending" >&2; exit 1; fi
