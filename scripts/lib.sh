# The opening lines every script in scripts/ (and bench/run.sh) shares, sourced first:
#   source "$(dirname "$0")/lib.sh"
# Strict mode; `root`, the checkout's absolute path; `log`/`die`, messages on stderr prefixed with the
# script's name; `venv_dir` and `work_dir`, the two paths most scripts compute from them.
# shellcheck shell=bash

set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# log MESSAGE...: "NAME.sh: MESSAGE" on stderr.
log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
# die MESSAGE...: log it and exit 1.
die() { log "$@"; exit 1; }

# venv=$(venv_dir "$1"): the absolute path of a virtual environment given on the command line.
venv_dir() { (cd "$1" && pwd); }

# work_dir NAME: a scratch folder outside the checkout, one per checkout: $TMPDIR/otter-ha-NAME-<checksum of root>.
work_dir() { printf '%s\n' "${TMPDIR:-/tmp}/otter-ha-$1-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"; }

# --- Throwaway servers (scripts/mariadb.sh, scripts/zookeeper.sh) on 127.0.0.1 ---------------------------------
# Their folders are named after the port and the checkout (work_dir NAME-PORT), so two checkouts never share
# one by default; OTTER_DB_DIR/OTTER_ZK_DIR can still point two at one folder, so the folder's `owner` file
# records the checkout that made it and the port. A port is used only when nothing but that folder's own server
# listens on it.

# port_listeners PORT: the pids of the processes listening on TCP port PORT (any address), one a line;
# "?" for a listener whose process cannot be seen.
port_listeners() {
    local hex table tables=() inodes inode pids
    hex=$(printf '%04X' "$1")
    for table in /proc/net/tcp /proc/net/tcp6; do
        if [ -r "$table" ]; then tables+=("$table"); fi
    done
    [ ${#tables[@]} -gt 0 ] || return 0
    # Local address HEXIP:HEXPORT in field 2, state 0A is LISTEN, field 10 the socket's inode.
    inodes=$(awk -v port="$hex" '$4 == "0A" { n = split($2, a, ":"); if (a[n] == port) print $10 }' "${tables[@]}")
    for inode in $inodes; do
        pids=$({ find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$inode\]" 2>/dev/null || true; } | cut -d/ -f3 | sort -u)
        printf '%s\n' "${pids:-?}"
    done
}

# pid_cmdline PID: its command line, arguments separated by spaces; empty when there is no such process.
pid_cmdline() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null || true; }

# free_port_near PORT: PORT+100, +200, ... (five tries), the first that nothing listens on; empty if none.
free_port_near() {
    local candidate
    for candidate in $(($1 + 100)) $(($1 + 200)) $(($1 + 300)) $(($1 + 400)) $(($1 + 500)); do
        if [ "$candidate" -lt 65536 ] && [ -z "$(port_listeners "$candidate")" ]; then
            echo "$candidate"
            return
        fi
    done
}

# describe_pid PID: its command line, shortened for a message.
describe_pid() { local cmd; cmd=$(pid_cmdline "$1" | tr '\n\t' '  '); cmd=${cmd% }; printf '%s' "${cmd:0:100}"; }

# claim_server start|stop DIR PORT PID SETTING: return when this checkout may start (or reuse) the server of
# DIR on PORT, or stop it; PID is the pid of DIR's running server, empty when none runs. Otherwise exit 1
# with a message that names the port and SETTING, the variable that picks another port.
claim_server() {
    local action=$1 dir=$2 port=$3 ours=$4 setting=$5 owner='' owner_port='' pid
    # refuse MESSAGE [MORE]: "MESSAGE; set SETTING to a free port (for example ...)MORE", and exit 1.
    refuse() {
        local free
        free=$(free_port_near "$port")
        die "$1; set $setting to a free port${free:+ (for example $setting=$free, free now)}${2:-}"
    }
    if [ -f "$dir/owner" ]; then
        owner=$(sed -n 's/^checkout=//p' "$dir/owner")
        owner_port=$(sed -n 's/^port=//p' "$dir/owner")
    fi
    if [ -n "$owner" ] && [ "$owner" != "$root" ]; then
        refuse "port $port: $dir belongs to the checkout at $owner, not to this one" \
            "; or, if that checkout is gone, delete $dir"
    fi
    if [ -z "$owner" ] && [ -n "$ours" ]; then
        refuse "port $port: the server of $dir (pid $ours) was not started by this checkout (that folder has no owner file: another checkout's, or started by a script older than the owner files)" \
            ", or stop it with: kill $ours"
    fi
    [ "$action" = start ] || return 0
    if [ -n "$owner_port" ] && [ "$owner_port" != "$port" ]; then
        refuse "port $port: $dir was made for port $owner_port" ", or use another folder"
    fi
    for pid in $(port_listeners "$port"); do
        [ "$pid" = "$ours" ] && continue
        if [ "$pid" = '?' ]; then
            refuse "port $port is in use by a process this script cannot see"
        fi
        refuse "port $port is in use by another program (pid $pid: $(describe_pid "$pid"))"
    done
}

# mark_server DIR PORT: record this checkout as the owner of DIR and its port.
mark_server() { printf 'checkout=%s\nport=%s\n' "$root" "$2" > "$1/owner"; }

# zk_srvr PORT: the answer of the ZooKeeper server on 127.0.0.1:PORT to `srvr` (the probe the preflight target's
# ensemble uses too); fails when nothing answers.
zk_srvr() { python3 "$root/tests/integration/targets/setup_otter_zk/files/zk_srvr.py" "$1"; }
