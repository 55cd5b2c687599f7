#!/usr/bin/env bash
# make docs: every module's and the role's documentation renders with ansible-doc, and
# antsibull-docs finds nothing wrong in the collection's documentation.
#   scripts/docs-check.sh VENV
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
work=$(work_dir docs)
tree=$("$root/scripts/collection-tree.sh" "$work")
cd "$tree"
export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$work" ANSIBLE_NOCOLOR=1
rendered=0
for module in plugins/modules/*.py; do
    name=$(basename "$module" .py)
    out=$(ansible-doc "otter.ha.$name")
    grep -q "otter.ha.$name" <<<"$out" || { echo "docs: ansible-doc otter.ha.$name rendered no page" >&2; exit 1; }
    rendered=$((rendered + 1))
done
for role in roles/*/; do
    name=$(basename "$role")
    out=$(ansible-doc -t role "otter.ha.$name")
    grep -q "ENTRY POINT: .*main" <<<"$out" || { echo "docs: ansible-doc -t role otter.ha.$name rendered no main entry point" >&2; exit 1; }
    rendered=$((rendered + 1))
done
antsibull-docs lint-collection-docs --plugin-docs .
echo "docs: $rendered pages rendered by ansible-doc; antsibull-docs lint-collection-docs is clean"
