#!/usr/bin/env bash
# make self-check: the Makefile and the scripts check themselves, in a few seconds and without any server.
#   - `make help` lists every target of the Makefile, and every target is .PHONY;
#   - make build's light venv (tests/requirements-build.txt) pins the ansible-core of tests/requirements-dev.txt;
#   - `make demo`, `scripts/mariadb.sh start` and `scripts/zookeeper.sh start` refuse at once, naming the port
#     and the setting to change, a port another program listens on; mariadb.sh refuses a folder another checkout
#     made, and its `destroy` leaves that folder alone; by default each checkout's servers have folders of their own. (All refused before any server is installed or started.)
#   scripts/self-check.sh
source "$(dirname "$0")/lib.sh"
cd "$root"
failed=0
fail() { log "$*"; failed=1; }

# The targets as make itself sees them (its database, not a grep of the Makefile), without file targets
# such as .venv/bin/ansible-test.
# (`make -q` of a target that does not exist prints the database and exits 2.)
targets=$({ make -qpRr -f Makefile : 2>/dev/null || true; } \
    | awk '/^# Not a target/ { skip = 1; next } /^[^#\t .$][^\t=]*:([^=]|$)/ && !skip { sub(/:.*/, ""); print } { skip = 0 }' \
    | grep -v / | sort -u)
listed=$(make --no-print-directory help | sed -n 's/^make \([^ ]*\) .*/\1/p' | sort -u)
phony=$(sed -n 's/^\.PHONY: *//p' Makefile | tr ' ' '\n' | grep . | sort -u)
[ "$(wc -l <<<"$targets")" -ge 20 ] || fail "found only $(wc -l <<<"$targets") make targets; the target scan is broken"
missing=$(comm -23 <(echo "$targets") <(echo "$listed"))
[ -z "$missing" ] || fail "make help does not list: $(echo "$missing" | paste -sd' ' -) (add '## one line' after the prerequisites)"
stale=$(comm -13 <(echo "$targets") <(echo "$listed"))
[ -z "$stale" ] || fail "make help lists targets that do not exist: $(echo "$stale" | paste -sd' ' -)"
unphony=$(comm -23 <(echo "$targets") <(echo "$phony"))
[ -z "$unphony" ] || fail "not in .PHONY: $(echo "$unphony" | paste -sd' ' -)"

# make build's light venv pins the ansible-core the tests use.
pin() { grep -E '^ansible-core[=<>~ ]' "$1" || true; }
if [ -z "$(pin tests/requirements-build.txt)" ] || [ "$(pin tests/requirements-build.txt)" != "$(pin tests/requirements-dev.txt)" ]; then
    fail "tests/requirements-build.txt pins '$(pin tests/requirements-build.txt)', tests/requirements-dev.txt '$(pin tests/requirements-dev.txt)': make them equal"
fi

# A listener on a free port, as another program would be; folders in a scratch place, not the servers' own.
scratch=$(mktemp -d)
listener=''
trap '[ -z "$listener" ] || kill "$listener" 2>/dev/null; rm -rf "$scratch"' EXIT
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(120)' > "$scratch/port" &
listener=$!
for _ in $(seq 1 50); do [ -s "$scratch/port" ] && break; sleep 0.1; done
taken=$(cat "$scratch/port")
[ -n "$taken" ] || fail "the stand-in listener did not start"

# refused NAME SECONDS TEXT... -- COMMAND...: COMMAND fails within SECONDS and its stderr has every TEXT.
refused() {
    local name=$1 limit=$2 texts=() t0 status=0 text
    shift 2
    while [ "$1" != -- ]; do texts+=("$1"); shift; done
    shift
    t0=$(date +%s%N)
    "$@" > "$scratch/$name.out" 2> "$scratch/$name.err" || status=$?
    local ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$status" = 0 ]; then fail "$name: not refused"; return; fi
    [ "$ms" -le $((limit * 1000)) ] || fail "$name: refused only after $ms ms"
    for text in "${texts[@]}"; do
        grep -qF -- "$text" "$scratch/$name.err" || fail "$name: its message lacks '$text': $(cat "$scratch/$name.err")"
    done
}
if [ -n "$taken" ]; then
    refused demo 5 "port $taken" "DEMO_DB_PORT" -- \
        env OTTER_DB_DIR="$scratch/demo-db" make --no-print-directory -o venv demo VENV="$scratch" DEMO_DB_PORT="$taken"
    refused test-db 5 "port $taken" "TEST_DB_PORT" -- \
        env OTTER_DB_DIR="$scratch/test-db" make --no-print-directory db TEST_DB_PORT="$taken"
    refused test-zk 5 "port $taken" "TEST_ZK_PORT" -- \
        env OTTER_ZK_DIR="$scratch/test-zk" make --no-print-directory zk TEST_ZK_PORT="$taken"
    for made in demo-db test-db test-zk; do
        [ ! -e "$scratch/$made" ] || fail "$made: a refused start still made its folder"
    done
fi
# Two checkouts that pick the same port do not share a folder by default: each folder names its checkout.
for script in mariadb zookeeper; do
    made=$(env -u OTTER_DB_DIR -u OTTER_ZK_DIR OTTER_DB_PORT=1 OTTER_ZK_PORT=1 "scripts/$script.sh" dir)
    [ "$made" = "$(work_dir "$script-1")" ] || fail "$script.sh: the default folder $made does not name this checkout"
done
# Another checkout's folder (it needs no server: the owner file is enough).
mkdir -p "$scratch/theirs"
# (On the taken port, so that even a broken check could not start a server.)
printf 'checkout=/elsewhere/otter.ha\nport=%s\n' "${taken:-1}" > "$scratch/theirs/owner"
refused foreign-start 5 "port ${taken:-1}" "/elsewhere/otter.ha" "DEMO_DB_PORT" -- \
    env OTTER_DB_DIR="$scratch/theirs" OTTER_DB_PORT="${taken:-1}" OTTER_DB_PORT_VAR=DEMO_DB_PORT scripts/mariadb.sh start
refused foreign-destroy 5 "/elsewhere/otter.ha" -- \
    env OTTER_DB_DIR="$scratch/theirs" OTTER_DB_PORT="${taken:-1}" scripts/mariadb.sh destroy
[ -f "$scratch/theirs/owner" ] || fail "mariadb.sh destroy deleted another checkout's folder"

[ "$failed" = 0 ] || exit 1
echo "self-check: make help lists all $(wc -l <<<"$targets") targets; make build pins $(pin tests/requirements-dev.txt) as the tests do;" \
    "make demo, make db and make zk refuse a taken port, mariadb.sh another checkout's folder"
