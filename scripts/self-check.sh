#!/usr/bin/env bash
# make self-check: the Makefile and the scripts check themselves, in a few seconds and without any server.
#   - `make help` lists every target of the Makefile, and every target is .PHONY;
#   - make build's light venv (tests/requirements-build.txt) pins the ansible-core of tests/requirements-dev.txt;
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

[ "$failed" = 0 ] || exit 1
echo "self-check: make help lists all $(wc -l <<<"$targets") targets; make build pins $(pin tests/requirements-dev.txt) as the tests do"
