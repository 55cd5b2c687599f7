#!/usr/bin/env bash
# A three-server ZooKeeper ensemble on 127.0.0.1 for the preflight target (Debian's zookeeper package, as
# scripts/zookeeper.sh uses it), in a folder of the test output:
#   zk_ensemble.sh DIR start [N...]   start servers N (default 1 2 3); wait until each serves or says it cannot
#   zk_ensemble.sh DIR stop [N...]    stop them (SIGTERM, then SIGKILL after 10 s)
#   zk_ensemble.sh DIR wait-mode N MODE...   wait until server N answers srvr with one of the modes
#   zk_ensemble.sh DIR leader         print the N of the server that says Mode: leader (nothing when none does)
# Ports from ZK_ENSEMBLE_BASE (B, default 12681; runme.sh picks one per Python line, so that the two lines' runs
# can go side by side): servers 1-3 are one ensemble, clients on 127.0.0.1:B+1..B+3, quorum on B+4..B+6, election
# on B+7..B+9. Server 4 is on its own, the leader of an ensemble of one (standaloneEnabled=false; client on B+10,
# quorum B+11, election B+12).
# Each server's pid is in DIR/zk-N.pid, which the target's exit trap also ends.
set -euo pipefail

dir=$1
action=$2
shift 2
jars=/usr/share/java

base=${ZK_ENSEMBLE_BASE:-12681}
client_port() { if [ "$1" = 4 ]; then echo $((base + 10)); else echo $((base + $1)); fi; }

srvr() { python3 "$(dirname "$0")/../../setup_otter_zk/files/zk_srvr.py" "$(client_port "$1")"; }

start_one() {
    local n=$1 home="$dir/zk-$1" classpath='' jar
    if [ -f "$dir/zk-$n.pid" ] && kill -0 "$(cat "$dir/zk-$n.pid")" 2>/dev/null; then
        return
    fi
    mkdir -p "$home/data"
    echo "$n" > "$home/data/myid"
    {
        printf 'tickTime=200\ninitLimit=20\nsyncLimit=10\ndataDir=%s\n' "$home/data"
        printf 'clientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n' "$(client_port "$n")"
        case $n in
            4) printf '4lw.commands.whitelist=ruok,srvr,stat,mntr\nstandaloneEnabled=false\n'
               printf 'server.4=127.0.0.1:%s:%s\n' $((base + 11)) $((base + 12)) ;;
            *) printf '4lw.commands.whitelist=ruok,srvr,stat,mntr\n'
               for peer in 1 2 3; do
                   printf 'server.%s=127.0.0.1:%s:%s\n' "$peer" $((base + 3 + peer)) $((base + 6 + peer))
               done ;;
        esac
    } > "$home/zoo.cfg"
    for jar in slf4j-api slf4j-simple zookeeper-jute zookeeper; do
        if [ -e "$jars/$jar.jar" ]; then classpath=${classpath:+$classpath:}$jars/$jar.jar; fi
    done
    nohup setsid java -Xmx64m -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$home/zoo.cfg" \
        >>"$home/zookeeper.log" 2>&1 < /dev/null &
    echo $! > "$dir/zk-$n.pid"
}

# wait_mode N MODE...: until srvr of server N says one of the modes (or, for the mode "not-serving", that it
# does not serve); 60 s at most.
wait_mode() {
    local n=$1 answer mode
    shift
    for _ in $(seq 1 300); do
        answer=$(srvr "$n" 2>/dev/null || true)
        for mode in "$@"; do
            if [ "$mode" = not-serving ] && [[ "$answer" == *"not currently serving"* ]]; then return 0; fi
            if [[ "$answer" == *"Mode: $mode"* ]]; then return 0; fi
        done
        sleep 0.2
    done
    echo "ZooKeeper server $n did not reach mode $*; it answered: ${answer:-nothing}" >&2
    tail -n 20 "$dir/zk-$n/zookeeper.log" >&2 || true
    return 1
}

stop_one() {
    local pid
    [ -f "$dir/zk-$1.pid" ] || return 0
    pid=$(cat "$dir/zk-$1.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/zk-$1.pid"
}

mkdir -p "$dir"
case "$action" in
    start)
        [ $# -gt 0 ] || set -- 1 2 3
        for n in "$@"; do start_one "$n"; done
        ;;
    stop)
        [ $# -gt 0 ] || set -- 1 2 3 4
        for n in "$@"; do stop_one "$n"; done
        ;;
    wait-mode)
        wait_mode "$@"
        ;;
    leader)
        for n in 1 2 3; do
            if [[ "$(srvr "$n" 2>/dev/null || true)" == *"Mode: leader"* ]]; then echo "$n"; fi
        done
        ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
