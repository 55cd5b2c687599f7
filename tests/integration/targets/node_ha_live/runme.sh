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
has manager-down.log 'pending: channel sync-ab (id 1) needs a stop and start (or a push) to pick up the new layout; running sync is unaffected'
has manager-down.log 'Once the manager is back, run the role again (it restarts the channels still pending)'
has manager-down.log 'channel 1 (sync-ab): its layout changed in the manager database'
has manager-down.log '"channels pending a restart: sync-ab"'
lacks manager-down.log 'channels restarted (pushed)'
[ "$(manager_ops | wc -l)" -eq 2 ]
run otter.ha.verify -e node_ha_live_strict=false "$@" | tee "$OUTPUT_DIR/verify-manager-down.log"
has verify-manager-down.log '3 pipeline(s) verified'
has verify-manager-down.log 'WARNING live: channel 1 (sync-ab): its layout changed in the manager database'

# A restart apply without a manager URL is refused before anything changes.
fails no-url.log otter.ha.ha -e node_ha_manager_url=
has no-url.log 'set node_ha_manager_url'

# The manager is back. Nothing is left to change in the database, but the push is not lost: the run restarts
# exactly the channel the outage left pending (sync-ab), says so and reports changed; the next run changes nothing.
start_manager
ops=$(manager_ops | wc -l)
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/pending.log"
[ "$(manager_ops_after "$ops")" = "stop 1 start 1 " ]
[ "$(recap_changed "$OUTPUT_DIR/pending.log")" -gt 0 ]
has pending.log 'channel sync-ab (id 1): its layout changed in the manager database after it was last started (an earlier run could not restart it), so it is restarted now.'
has pending.log 'batch 1 of 1 (channel(s) sync-ab): stopped, converged and back to START'
has pending.log '"channels restarted (pushed): sync-ab"'
lacks pending.log 'channels pending a restart'
lacks pending.log 'pending: channel'
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/pending-again.log"
[ "$(recap_changed "$OUTPUT_DIR/pending-again.log")" -eq 0 ]
[ "$(manager_ops_after "$ops")" = "stop 1 start 1 " ]

# Another outage leaves sync-ab pending; the operator's own stop and start through the manager clears it:
# verification passes and the role restarts nothing.
stop_manager
run sql.yml
fails manager-down-again.log otter.ha.ha "$@"
has manager-down-again.log 'pending: channel sync-ab (id 1)'
start_manager
manager_call 1 stop
manager_call 1 start
zk wait /otter/channel/1 10 START
run otter.ha.verify "$@"
ops=$(manager_ops | wc -l)
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/operator.log"
[ "$(recap_changed "$OUTPUT_DIR/operator.log")" -eq 0 ]
[ "$(manager_ops | wc -l)" -eq "$ops" ]

# A removal is applied by stop, change, start, never by a push: node-c (registered behind the role's back) is
# dropped from sync-cd's pipeline. With node_ha_apply: none the message says to stop and start the channel and
# offers no push; with restart the channel is stopped and started.
export SQL="INSERT INTO NODE (ID, NAME, IP, PORT, GMT_CREATE, GMT_MODIFIED) VALUES (3, 'node-c', '127.0.0.3', 2088, NOW(), NOW());
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) VALUES (3, 3, 'LOAD', NOW(), NOW())"
run sql.yml
run otter.ha.ha -e node_ha_apply=none -e node_ha_live_strict=false "$@" | tee "$OUTPUT_DIR/removal-none.log"
has removal-none.log 'Stop and start sync-cd: the change takes a node out, and a push would not reach that node'
lacks removal-none.log 'push action'
has removal-none.log '"channels to stop and start (not push: the change removes a node): sync-cd"'
lacks removal-none.log 'channels to restart or push'
has removal-none.log 'WARNING live: channel 2 (sync-cd): its layout changed in the manager database'
export SQL="INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED) VALUES (3, 3, 'LOAD', NOW(), NOW())"
run sql.yml
ops=$(manager_ops | wc -l)
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/removal.log"
[ "$(manager_ops_after "$ops")" = "stop 2 start 2 " ]
lacks removal.log 'or a push'
lacks removal.log 'push action'

# Rolling apply, one channel at a time: a UI edit dropped node-b from the SELECT of both channels' pipelines.
# Each batch is stopped, converged and started before the next one is stopped.
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE NODE_ID = 2 AND LOCATION = 'SELECT' AND PIPELINE_ID IN (1, 3)"
run sql.yml
ops=$(manager_ops | wc -l)
run otter.ha.ha -e node_ha_apply_batch=1 "$@" | tee "$OUTPUT_DIR/rolling.log"
[ "$(manager_ops_after "$ops")" = "stop 1 start 1 stop 2 start 2 " ]
has rolling.log 'batch 1 of 2 (channel(s) sync-ab): stopped, converged and back to START'
has rolling.log 'batch 2 of 2 (channel(s) sync-cd): stopped, converged and back to START'
has rolling.log '"channels restarted (pushed): sync-ab, sync-cd"'

# A batch that does not come back to START in time (the manager's push takes 4 s, the bound is 2 s) fails the run,
# naming it and the later batch, which is neither stopped nor converged (verification still finds pipeline 3
# without node-b). A run with the manager's usual pace then finishes the job: sync-ab was converged and came back
# later, so only sync-cd is restarted.
run sql.yml
stop_manager
start_manager --start-delay 4
ops=$(manager_ops | wc -l)
fails rolling-failed.log otter.ha.ha -e node_ha_apply_batch=1 -e node_ha_channel_timeout=2 "$@"
has rolling-failed.log 'batch 1 of 2 (channel(s) sync-ab) did not come back:'
has rolling-failed.log 'The later batches were not touched (neither stopped nor converged): sync-cd'
[ "$(manager_ops_after "$ops")" = "stop 1 start 1 " ]
zk wait /otter/channel/1 10 START
fails rolling-left.log otter.ha.verify "$@"
has rolling-left.log 'sync-cd/c-to-d (pipeline 3)'
lacks rolling-left.log 'sync-ab/a-to-b (pipeline 1): lacks'
stop_manager
start_manager
ops=$(manager_ops | wc -l)
run otter.ha.ha -e node_ha_apply_batch=1 "$@" | tee "$OUTPUT_DIR/rolling-rest.log"
[ "$(manager_ops_after "$ops")" = "stop 2 start 2 " ]

# Spread the mainstems: the pipelines end up held by both nodes, and a second run moves nothing.
run otter.ha.ha -e node_ha_spread_mainstems=true "$@" | tee "$OUTPUT_DIR/spread.log"
holders=$( (zk holder 1 1; zk holder 1 2; zk holder 2 3) | sort -u | tr '\n' ' ')
[ "$holders" = "1 2 " ]
run otter.ha.ha -e node_ha_spread_mainstems=true "$@" | tee "$OUTPUT_DIR/spread-again.log"
has spread-again.log 'mainstems: 0 pipeline(s) moved (already spread over the alive SELECT nodes)'
[ "$(recap_changed "$OUTPUT_DIR/spread-again.log")" -eq 0 ]

# A channel that is already STOP is neither stopped nor started: the manager is back, sync-cd (channel 2) was
# stopped by hand and a UI edit dropped node-b from its pipeline. The role converges it and leaves it STOP.
ops=$(manager_ops | wc -l)
zk status 2 STOP
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 3 AND NODE_ID = 2"
run sql.yml
run otter.ha.ha -e node_ha_live_strict=false "$@" | tee "$OUTPUT_DIR/stopped.log"
[ "$(recap_changed "$OUTPUT_DIR/stopped.log")" -gt 0 ]
[ "$(manager_ops | wc -l)" -eq "$ops" ]
has stopped.log 'WARNING live: channel 2 (sync-cd) is STOP, not START'
if grep -q 'pending:' "$OUTPUT_DIR/stopped.log"; then echo "a reachable manager left a channel pending" >&2; exit 1; fi

# The manager's dead-node restart (upstream DeadNodeListener): node-b dies, and once it has stayed dead for the
# delay the manager pauses and restarts the START channels whose pipelines list node-b (ChannelServiceImpl.
# listByNodeId), back to START. sync-cd is START as well, but a hand edit took node-b out of its pipeline: it is
# left alone.
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 3 AND NODE_ID = 2"
run sql.yml
zk status 2 START
stop_manager
start_manager --dead-node-delay 1 --restart-delay 0.5
ops=$(manager_ops | wc -l)
kill_node 2
for _ in $(seq 1 100); do [ -n "$(manager_ops_after "$ops")" ] && break; sleep 0.1; done
sleep 1
zk wait /otter/channel/1 10 START
[ "$(manager_ops_after "$ops")" = "dead-node-restart 1 " ]
zk wait /otter/channel/2 1 START
