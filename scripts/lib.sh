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
