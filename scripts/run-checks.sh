#!/usr/bin/env bash
# Run make targets one after another, report each with its time, and close with one line
# 'checks: N passed, N failed'. Exits non-zero when any failed; later checks still run.
# A+B runs make A and make B side by side (for targets with ports and trees of their own), each into a log
# that is printed whole when both have ended, so their lines do not interleave.
#   scripts/run-checks.sh TARGET|TARGET+TARGET...
set -uo pipefail
passed=0 failed=0 failures=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# record TARGET STATUS SECONDS: count and report one target's outcome.
record() {
    local outcome=ok
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); outcome=FAILED; failures+=("$1")
    fi
    echo "==> make $1: $outcome in $3s"
}

for check in "$@"; do
    IFS=+ read -r -a group <<<"$check"
    start=$(date +%s)
    if [ "${#group[@]}" -eq 1 ]; then
        echo "==> make $check"
        make --no-print-directory "$check"
        record "$check" $? $(( $(date +%s) - start ))
        continue
    fi
    echo "==> make ${group[*]}, side by side"
    pids=()
    for target in "${group[@]}"; do
        (
            began=$(date +%s)
            make --no-print-directory "$target" > "$logs/$target.log" 2>&1
            echo "$? $(( $(date +%s) - began ))" > "$logs/$target.status"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    for target in "${group[@]}"; do
        echo "==> make $target (ran beside: ${group[*]})"
        cat "$logs/$target.log"
        read -r status seconds < "$logs/$target.status" || { status=1; seconds='?'; }
        record "$target" "$status" "$seconds"
    done
done
[ "$failed" -eq 0 ] || echo "failed: ${failures[*]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
