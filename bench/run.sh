#!/usr/bin/env bash
# make bench: the benchmark of otter.ha.otter_pipeline_nodes against a generic mysql_query loop and a
# raw PyMySQL floor (see bench/README.md). Installs what it needs: a virtual environment with
# bench/requirements.txt (.venv-bench) and Debian's MariaDB, started on its own port and removed at the end.
#   bench/run.sh [bench.py options]     e.g. bench/run.sh --channels 1,50 --no-readme
# Environment: OTTER_BENCH_DB_PORT (default 13308), OTTER_BENCH_VENV (default .venv-bench),
# OTTER_BENCH_KEEP_DB=1 keeps the server and the generated files for inspection.
source "$(dirname "$0")/../scripts/lib.sh"
venv=${OTTER_BENCH_VENV:-$root/.venv-bench}
export OTTER_DB_PORT=${OTTER_BENCH_DB_PORT:-13308} OTTER_DB_PORT_VAR=OTTER_BENCH_DB_PORT
db="$root/scripts/mariadb.sh"

"$root/scripts/venv.sh" "$venv" 3.11 "$root/bench/requirements.txt"
"$db" start
if [ "${OTTER_BENCH_KEEP_DB:-}" != 1 ]; then
    trap '"$db" destroy' EXIT
fi
state=$("$db" dir)/bench
rm -rf "$state"
"$venv/bin/python" "$root/bench/bench.py" --client-cnf "$("$db" dir)/client.cnf" --port "$OTTER_DB_PORT" \
    --state "$state" "$@"
