#!/usr/bin/env bash
# otter_mainstem (planned switchover) and the live checks of otter_zk_info that need the layout, against the real
# test MariaDB and ZooKeeper. Otter cannot be built here: the nodes are stand-ins (../setup_otter_zk/files) that
# compete for and release the mainstem as upstream's MainstemMonitor does.
set -eux
set -o pipefail
source ../setup_otter_zk/files/standins.sh
export ANSIBLE_ROLES_PATH=..

run() { ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$PY" -e @"$CONFIG" "$@"; }
fails() { # fails CASE TEXT: the case fails and its output has TEXT
    if run cases.yml -e "case=$1" > "$OUTPUT_DIR/$1.log" 2>&1; then echo "case $1 passed but should fail" >&2; exit 1; fi
    grep -qF -- "$2" "$OUTPUT_DIR/$1.log" || { cat "$OUTPUT_DIR/$1.log"; exit 1; }
}

run setup.yml
zk reset
zk channel 1 START 1 2
start_node 1 1:1
zk wait /otter/channel/1/1/mainstem 10 '"nid":1'
zk wait /otter/channel/1/1/mainstem 10 OVERTAKE
start_node 2 1:1 1:2
zk wait /otter/channel/1/2/mainstem 10 '"nid":2'

# Planned switchover of pipeline 1 from node 1 to node 2, through the stand-ins' release and re-election.
run cases.yml -e case=switch "$@"
[ "$(zk holder 1 1)" = 2 ]

# Failover drill of pipeline 1 (held by node 2 now): release mode, then stop mode with the holder stopped in
# between, then a bound that cannot be met (the holder is not stopped at all).
run cases.yml -e case=drill_release "$@"
holder=$(zk holder 1 1)
since=$("$PY" -c 'import time; print(time.time())')
stop_node "$holder"
run cases.yml -e case=drill_observe -e "drill_holder=$holder" -e "drill_since=$since" "$@"
start_node "$holder" 1:1
fails drill_missed "the drill missed its bound at step node_gone (1.0 s after the step before)"
stop_node 2
zk wait /otter/channel/1/1/mainstem 10 '"nid":1'
fails drill_no_standby "has no standby: no other SELECT node than node 1 (node-a) is alive"
start_node 2 1:1 1:2
zk wait /otter/channel/1/2/mainstem 10 '"nid":2'

fails not_select "node 3 (node-c) is not a SELECT node of sync-ab/a-to-b (pipeline 1) (SELECT nodes: node 1 (node-a), node 2 (node-b))"
stop_node 1
fails not_alive "node 1 (node-a) is not alive (/otter/node/1 does not exist)"
zk status 1 STOP
zk wait-gone /otter/channel/1/2/mainstem 10
fails no_holder "nobody holds the lock of sync-ab/b-to-a (pipeline 2) (/otter/channel/1/2/mainstem does not exist): is its channel started?"
stop_node 2
zk status 1 START

# Live checks: node 1 alive again (competing for nothing) and node 2 holding pipeline 1, but pipeline 2's lock is
# held by another session in node 1's name and never catches up; a process znode of node 9, which is not alive.
start_node 1
start_node 2 1:1
zk wait /otter/channel/1/1/mainstem 10 '"nid":2'
"$PY" "$STANDINS/otter_zk_tool.py" "$ZK" hold /otter/channel/1/2/mainstem \
    '{"active":true,"nid":1,"pipelineId":2,"status":"TAKEING"}' 30 >>"$STATE/hold.log" 2>&1 &
echo $! > "$STATE/hold.pid"
zk wait /otter/channel/1/2/mainstem 10 TAKEING
zk process 1 2 '{"mode":"ZOOKEEPER","nid":9,"status":"USED"}'
sleep 2
run cases.yml -e case=live "$@"
kill "$(cat "$STATE/hold.pid")" && rm -f "$STATE/hold.pid"
stop_node 1
stop_node 2

# Pending push: re-converge (the layout changes, so the pipelines are stamped) after the channel's last start;
# the channel is pending until the manager writes its status again, as a start does.
zk reset
zk channel 1 START 1 2
sleep 1
run setup.yml
run cases.yml -e case=pending "$@"
sleep 1
zk status 1 START
run cases.yml -e case=pushed "$@"

# The drill playbook, on node homes whose bin/startup.sh and bin/stop.sh start and stop the node stand-ins (as
# upstream's scripts start and stop a node: stop.sh sends SIGTERM, a graceful stop).
zk reset
zk channel 1 START 1 2
for nid in 1 2; do
    home=$STATE/home-$nid
    mkdir -p "$home/bin"
    cat > "$home/bin/startup.sh" <<SH
#!/usr/bin/env bash
"$PY" "$STANDINS/otter_node_standin.py" --zk "$ZK" --nid $nid --pipeline 1:1 --pipeline 1:2 >>"$STATE/node-$nid.log" 2>&1 &
echo \$! > "$STATE/node-$nid.pid"
SH
    cat > "$home/bin/stop.sh" <<SH
#!/usr/bin/env bash
pid=\$(cat "$STATE/node-$nid.pid")
kill "\$pid"
while kill -0 "\$pid" 2>/dev/null; do sleep 0.1; done
rm -f "$STATE/node-$nid.pid"
SH
    chmod +x "$home/bin/startup.sh" "$home/bin/stop.sh"
    "$home/bin/startup.sh"
    zk wait "/otter/node/$nid" 20
done
zk wait /otter/channel/1/1/mainstem 10 OVERTAKE
zk wait /otter/channel/1/2/mainstem 10 OVERTAKE
cat > "$OUTPUT_DIR/drill_vars.yml" <<YAML
node_ha_db: {config_file: $(sed -n 's/^otter_test_client_cnf: *//p' "$CONFIG")}
node_ha_zk_hosts: $ZK
node_ha_drill_channel: sync-ab
node_ha_live_wait: 20
node_ha_nodes:
  - {name: node-a, ip: 127.0.0.1, host: localhost, otter_home: $STATE/home-1}
  - {name: node-b, ip: 127.0.0.2, host: localhost, otter_home: $STATE/home-2}
YAML
run otter.ha.drill -e @"$OUTPUT_DIR/drill_vars.yml" "$@" | tee "$OUTPUT_DIR/drill_release.log"
grep -q 'released: node [12] (node-[ab]) released its lock (active=false)' "$OUTPUT_DIR/drill_release.log"
[ "$(grep -c 'processes_gone: no process znode of node' "$OUTPUT_DIR/drill_release.log")" -eq 2 ]
run otter.ha.drill -e @"$OUTPUT_DIR/drill_vars.yml" -e node_ha_drill_mode=stop "$@" | tee "$OUTPUT_DIR/drill_stop.log"
[ "$(grep -c 'node_gone: node [12] (node-[ab]) has no /otter/node/[12] any more' "$OUTPUT_DIR/drill_stop.log")" -eq 2 ]
[ "$(grep -c 'TASK \[otter.ha.node_ha : Bring the holder back with bin/startup.sh\]' "$OUTPUT_DIR/drill_stop.log")" -eq 2 ]
zk wait /otter/node/1 10
zk wait /otter/node/2 10
