#!/usr/bin/env bash
# ansible-lint (production profile, see .ansible-lint) on a copy of the collection placed where
# Ansible finds it as otter.ha, so FQCNs such as otter.ha.otter_pipeline_nodes resolve offline.
#   scripts/lint.sh VENV
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(cd "$1" && pwd)
work="${TMPDIR:-/tmp}/otter-ha-lint-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
tree=$("$root/scripts/collection-tree.sh" "$work")
cd "$tree"
export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$work"
exec ansible-lint --offline --nocolor
