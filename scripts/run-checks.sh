#!/usr/bin/env bash
# Run make targets one after another, report each with its time, and close with one line
# 'checks: N passed, N failed'. Exits non-zero when any failed; later checks still run.
#   scripts/run-checks.sh TARGET...
set -uo pipefail
passed=0 failed=0 failures=()
for target in "$@"; do
    start=$(date +%s)
    echo "==> make $target"
    if make --no-print-directory "$target"; then
        passed=$((passed + 1)); outcome=ok
    else
        failed=$((failed + 1)); outcome=FAILED; failures+=("$target")
    fi
    echo "==> make $target: $outcome in $(( $(date +%s) - start ))s"
done
[ "$failed" -eq 0 ] || echo "failed: ${failures[*]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
