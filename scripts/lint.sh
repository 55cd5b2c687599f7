#!/usr/bin/env bash
# ansible-lint (production profile, see .ansible-lint) on a copy of the collection placed where
# Ansible finds it as otter.ha, so FQCNs such as otter.ha.otter_pipeline_nodes resolve offline.
#   scripts/lint.sh VENV
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
work=$(work_dir lint)
tree=$("$root/scripts/collection-tree.sh" "$work")
cd "$tree"
export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$work"
exec ansible-lint --offline --nocolor
