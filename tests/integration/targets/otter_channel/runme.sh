#!/usr/bin/env bash
# otter_channel against the real test MariaDB (channel names) and ZooKeeper, through a stand-in of the
# manager's JSON API (../setup_otter_zk/files: Otter cannot be built here) that keeps the channel status in
# ZooKeeper as the manager does.
set -eux
set -o pipefail
source ../setup_otter_zk/files/standins.sh
export ANSIBLE_ROLES_PATH=..

run() { ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$PY" -e @"$CONFIG" "$@"; }
case_() { run cases.yml -e "manager_url=$MANAGER_URL" -e "case=$1" "${@:2}"; }
fails() { # fails CASE TEXT
    if case_ "$1" > "$OUTPUT_DIR/$1.log" 2>&1; then echo "case $1 passed but should fail" >&2; exit 1; fi
    grep -qF "$2" "$OUTPUT_DIR/$1.log" || { cat "$OUTPUT_DIR/$1.log"; exit 1; }
}

# The manager database: the bidirectional channel sync-ab (id 1) and a channel 2 that ZooKeeper does not know.
run setup.yml
# ZooKeeper: channel 1 created STOP (as ChannelArbitrateEvent.init does), one live node.
zk reset
zk channel 1 STOP 1 2
start_node 1 1:1 1:2
start_manager

case_ start_check --check
ops=$(manager_ops)                             # (a failing manager_ops must not pass for "no command")
[ -z "$ops" ]                                  # check mode sent no command
case_ start
[ "$(manager_ops)" = "start 1" ]
case_ start_again                              # idempotent: reads the status, sends nothing
[ "$(manager_ops)" = "start 1" ]
case_ stop_by_name
[ "$(manager_ops | tail -n 1)" = "stop 1" ]
case_ stop_again
[ "$(manager_ops | wc -l)" -eq 2 ]
zk status 1 PAUSE
case_ start_paused
[ "$(manager_ops | tail -n 1)" = "start 1" ]

fails unknown "channel 'nope' not found in CHANNEL"
fails refused "channel 2 (ghost): the Otter manager refused"
fails refused "error happens while [check] channel with id [2]"
fails bad_url "manager_url 'otter-manager:8080' must start with http:// or https://"

stop_manager
fails unreachable "channel 1 (sync-ab): cannot reach the Otter manager at $MANAGER_URL"
case_ unreachable_report
