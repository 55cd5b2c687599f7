#!/usr/bin/env bash
# A throwaway standalone ZooKeeper on 127.0.0.1 for tests and the demo (Debian's `zookeeper` package).
#
#   scripts/zookeeper.sh install    Debian packages (once per machine)
#   scripts/zookeeper.sh start      write zoo.cfg, start the server, wait until it serves; prints nothing else
#   scripts/zookeeper.sh stop       stop it (data stays until `destroy`)
#   scripts/zookeeper.sh destroy    stop it and delete its files
#   scripts/zookeeper.sh status     `srvr` of the running server
#   scripts/zookeeper.sh dir        the folder the server lives in
#
# Environment: OTTER_ZK_PORT (default 12181), OTTER_ZK_DIR (default: a folder in $TMPDIR named after the port
# and this checkout), OTTER_ZK_PORT_VAR (the setting a refusal tells to change, default OTTER_ZK_PORT). As scripts/mariadb.sh,
# `start` refuses a port another program listens on and a folder another checkout made ($OTTER_ZK_DIR/owner).
source "$(dirname "$0")/lib.sh"

PORT=${OTTER_ZK_PORT:-12181}
DIR=${OTTER_ZK_DIR:-$(work_dir "zookeeper-$PORT")}
CFG=$DIR/zoo.cfg
PID_FILE=$DIR/zookeeper.pid
JARS=/usr/share/java
PORT_VAR=${OTTER_ZK_PORT_VAR:-OTTER_ZK_PORT}

install() {
    if [ -r "$JARS/zookeeper.jar" ] && command -v java >/dev/null; then
        return
    fi
    log "installing zookeeper from Debian packages"
    local packages=(zookeeper)
    command -v java >/dev/null || packages+=(default-jre-headless)
    "$(dirname "$0")/apt-install.sh" "${packages[@]}"
}

# The pid of this folder's running server (a process that reused a stale pid is not it); empty when none runs.
server_pid() {
    local pid=''
    [ -f "$PID_FILE" ] && pid=$(cat "$PID_FILE")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [[ " $(pid_cmdline "$pid")" == *" $CFG "* ]]; then
        echo "$pid"
    fi
}

running() { [ -n "$(server_pid)" ]; }

srvr() { zk_srvr "$PORT"; }

start() {
    claim_server start "$DIR" "$PORT" "$(server_pid)" "$PORT_VAR"
    install
    mkdir -p "$DIR/data"
    mark_server "$DIR" "$PORT"
    if running; then
        return
    fi
    cat > "$CFG" <<CFG
tickTime=500
minSessionTimeout=1000
maxSessionTimeout=60000
dataDir=$DIR/data
clientPort=$PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
CFG
    local classpath='' jar
    for jar in slf4j-api slf4j-simple zookeeper-jute zookeeper; do   # the order `ls` gave before
        if [ -e "$JARS/$jar.jar" ]; then classpath=${classpath:+$classpath:}$JARS/$jar.jar; fi
    done
    local log_before=0
    [ -f "$DIR/zookeeper.log" ] && log_before=$(wc -l < "$DIR/zookeeper.log")
    nohup setsid java -Xmx256m -cp "$classpath" org.apache.zookeeper.server.ZooKeeperServerMain "$CFG" \
        >>"$DIR/zookeeper.log" 2>&1 < /dev/null &
    echo $! > "$PID_FILE"
    for _ in $(seq 1 100); do
        if srvr 2>/dev/null | grep -q '^Mode: standalone'; then
            log "ZooKeeper $(srvr | sed -n 's/^Zookeeper version: \([^-,]*\).*/\1/p') on 127.0.0.1:$PORT ($DIR)"
            return
        fi
        running || break
        sleep 0.2
    done
    if grep -q 'Address already in use' < <(tail -n +"$((log_before + 1))" "$DIR/zookeeper.log" 2>/dev/null); then
        die "port $PORT is in use by another program (it took the port while this server started); set $PORT_VAR to a free port"
    fi
    log "server did not start; its log:"
    tail -n 30 "$DIR/zookeeper.log" >&2 || true
    exit 1
}

stop() {
    local pid
    pid=$(server_pid)
    claim_server stop "$DIR" "$PORT" "$pid" "$PORT_VAR"
    if [ -n "$pid" ]; then
        kill "$pid"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    destroy) stop; rm -rf "$DIR" ;;
    status) srvr ;;
    dir) echo "$DIR" ;;
    *) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
