#!/usr/bin/env bash
# A throwaway MariaDB server on 127.0.0.1 for tests, the demo and the benchmark.
#
#   scripts/mariadb.sh install            Debian packages (once per machine)
#   scripts/mariadb.sh start              initialise (first time) and start; prints nothing else
#   scripts/mariadb.sh stop               stop it (data stays until `destroy`)
#   scripts/mariadb.sh destroy            stop it and delete its files
#   scripts/mariadb.sh load DB FILE...    drop and create database DB, then load the SQL files into it
#   scripts/mariadb.sh sql [ARGS...]      a mariadb client connected as the test account
#
# Environment: OTTER_DB_PORT (default 13306), OTTER_DB_DIR (default: a folder in $TMPDIR named
# after the port and this checkout), OTTER_DB_PORT_VAR (the setting a refusal tells to change, default OTTER_DB_PORT).
# `start` refuses, at once, a port another program listens on and a folder another checkout made
# ($OTTER_DB_DIR/owner); `stop` and `destroy` leave a server this checkout did not start alone.
# The test account is written to $OTTER_DB_DIR/client.cnf (a MySQL option file).
# The server offers TLS with a certificate for 127.0.0.1 from a test CA made at first start
# ($OTTER_DB_DIR/tls: ca.pem, and other-ca.pem, a CA that did not sign it); account otter_tls
# (password in client.cnf's) must use TLS.
source "$(dirname "$0")/lib.sh"

PORT=${OTTER_DB_PORT:-13306}
DIR=${OTTER_DB_DIR:-$(work_dir "mariadb-$PORT")}
USER_NAME=otter_test
USER_PASSWORD=${OTTER_DB_PASSWORD:-otter-test-secret}
CNF=$DIR/my.cnf
CLIENT_CNF=$DIR/client.cnf
PORT_VAR=${OTTER_DB_PORT_VAR:-OTTER_DB_PORT}

install() {
    if command -v mariadbd >/dev/null && command -v mariadb >/dev/null; then
        return
    fi
    log "installing mariadb-server from Debian packages"
    "$(dirname "$0")/apt-install.sh" mariadb-server mariadb-client
}

# The pid of this folder's running server (a process that reused a stale pid is not it); empty when none runs.
server_pid() {
    local pid=''
    [ -f "$DIR/mariadbd.pid" ] && pid=$(cat "$DIR/mariadbd.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [[ " $(pid_cmdline "$pid")" == *" --defaults-file=$CNF "* ]]; then
        echo "$pid"
    fi
}

running() { [ -n "$(server_pid)" ]; }

make_certificates() {
    local tls=$DIR/tls
    [ -f "$tls/server-cert.pem" ] && return
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=otter.ha test CA" \
            -keyout ca-key.pem -out ca.pem 2>/dev/null
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=unrelated test CA" \
            -keyout other-ca-key.pem -out other-ca.pem 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile san.ext -out server-cert.pem 2>/dev/null
    )
}

start() {
    claim_server start "$DIR" "$PORT" "$(server_pid)" "$PORT_VAR"
    install
    mkdir -p "$DIR"
    mark_server "$DIR" "$PORT"
    if running; then
        return
    fi
    make_certificates
    mkdir -p "$DIR/tmp"
    cat > "$CNF" <<CNF
[mariadbd]
user=root
datadir=$DIR/data
socket=$DIR/mariadbd.sock
pid-file=$DIR/mariadbd.pid
log-error=$DIR/mariadbd.err
# Its own temporary folder: two servers initialised at once in one shared tmpdir trip over each other's files.
tmpdir=$DIR/tmp
port=$PORT
bind-address=127.0.0.1
skip-log-bin
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
innodb_buffer_pool_size=128M
innodb_flush_log_at_trx_commit=2
max_connections=200
ssl-ca=$DIR/tls/ca.pem
ssl-cert=$DIR/tls/server-cert.pem
ssl-key=$DIR/tls/server-key.pem
CNF
    if [ ! -d "$DIR/data/mysql" ]; then
        mariadb-install-db --defaults-file="$CNF" --skip-test-db --auth-root-authentication-method=socket \
            >"$DIR/install-db.log" 2>&1 || { cat "$DIR/install-db.log" >&2; exit 1; }
    fi
    local errors_before=0
    [ -f "$DIR/mariadbd.err" ] && errors_before=$(wc -l < "$DIR/mariadbd.err")
    nohup setsid mariadbd --defaults-file="$CNF" >>"$DIR/mariadbd.out" 2>&1 < /dev/null &
    local pid=$!
    for _ in $(seq 1 150); do
        if mariadb-admin --defaults-file="$CNF" --socket="$DIR/mariadbd.sock" -uroot ping >/dev/null 2>&1; then
            break
        fi
        kill -0 "$pid" 2>/dev/null || break   # it gave up (a port taken since the check, a bad data folder...)
        sleep 0.2
    done
    if ! mariadb-admin --defaults-file="$CNF" --socket="$DIR/mariadbd.sock" -uroot ping >/dev/null 2>&1; then
        if grep -q 'Address already in use' < <(tail -n +"$((errors_before + 1))" "$DIR/mariadbd.err" 2>/dev/null); then
            die "port $PORT is in use by another program (it took the port while this server started); set $PORT_VAR to a free port"
        fi
        log "server did not start; its log:"
        tail -n 30 "$DIR/mariadbd.err" >&2 || true
        exit 1
    fi
    # Idempotent, so that a server initialised by an older version of this script gets them too.
    mariadb --socket="$DIR/mariadbd.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PASSWORD';
CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'localhost' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'otter_tls'@'127.0.0.1' IDENTIFIED BY '$USER_PASSWORD' REQUIRE SSL;
GRANT ALL PRIVILEGES ON *.* TO 'otter_tls'@'127.0.0.1';
SQL
    cat > "$CLIENT_CNF" <<CNF
[client]
host=127.0.0.1
port=$PORT
user=$USER_NAME
password=$USER_PASSWORD
CNF
    chmod 600 "$CLIENT_CNF"
    log "MariaDB $(mariadb --defaults-file="$CLIENT_CNF" -N -B -e 'SELECT VERSION()') on 127.0.0.1:$PORT ($DIR)"
}

stop() {
    local pid
    pid=$(server_pid)
    claim_server stop "$DIR" "$PORT" "$pid" "$PORT_VAR"
    if [ -n "$pid" ]; then
        kill "$pid"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

load() {
    local db=$1
    shift
    local sources="DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` DEFAULT CHARACTER SET utf8 COLLATE utf8_bin; USE \`$db\`;"
    local file
    for file in "$@"; do
        [ -r "$file" ] || { log "cannot read $file"; exit 1; }
        sources="$sources SOURCE $(cd "$(dirname "$file")" && pwd)/$(basename "$file");"
    done
    mariadb --defaults-file="$CLIENT_CNF" -e "$sources"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    destroy) stop; rm -rf "$DIR" ;;
    load) shift; [ $# -ge 2 ] || { log "usage: load DB FILE..."; exit 2; }; load "$@" ;;
    sql) shift; exec mariadb --defaults-file="$CLIENT_CNF" "$@" ;;
    dir) echo "$DIR" ;;
    *) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
