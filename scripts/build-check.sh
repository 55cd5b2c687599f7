#!/usr/bin/env bash
# make build-check: build the collection tarball, check what it holds, install it into an empty
# collections path and run `ansible-playbook otter.ha.ha` from it (nothing from the checkout on the
# path) against the test MariaDB, twice; the second run must change nothing.
#   scripts/build-check.sh VENV DB_PORT
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
port=$2
export PATH="$venv/bin:$PATH" ANSIBLE_NOCOLOR=1
work=$(work_dir build)
rm -rf "$work" && mkdir -p "$work/dist" "$work/collections" "$work/run" "$work/homes/node-a/conf" "$work/homes/node-b/conf"

# Build from a copy of what git would track, so local venvs and caches cannot leak in by accident
# and build_ignore is tested on its own.
tree=$("$root/scripts/collection-tree.sh" "$work/src")
for leftover in .venv .venv-build tests/output .pytest_cache .ansible dist; do mkdir -p "$tree/$leftover" && touch "$tree/$leftover/marker"; done
ansible-galaxy collection build "$tree" --output-path "$work/dist" >/dev/null
tarball=$(ls "$work/dist"/otter-ha-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

listing=$(tar -tzf "$tarball")
for must in MANIFEST.json FILES.json LICENSE README.md roles/node_ha/README.md plugins/modules/otter_pipeline_nodes.py roles/node_ha/meta/argument_specs.yml playbooks/ha.yml meta/runtime.yml; do
    grep -qx "$must" <<<"$listing" || { echo "build-check: $must is missing from the tarball" >&2; exit 1; }
done
if grep -E '(^|/)(\.venv[^/]*|tests/output|\.pytest_cache|__pycache__|\.state|\.git|\.gitignore|\.ci|\.ansible|\.ansible-lint|\.shellcheckrc|bench|scripts|dist)(/|$)|^Makefile$|integration_config\.yml$|\.pyc$|\.tar\.gz$' <<<"$listing"; then
    echo "build-check: the tarball holds files that do not belong in a release (listed above)" >&2
    exit 1
fi

ansible-galaxy collection install "$tarball" -p "$work/collections" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
cd "$work/run"   # nowhere near the checkout

OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" start
OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" load otter "$root/tests/fixtures/otter_schema.sql" \
    "$root/tests/fixtures/bidirectional_channel.sql"
cnf="$(OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" dir)/client.cnf"
cat > inventory.yml <<YAML
all:
  hosts:
    localhost: {ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}
  vars:
    node_ha_db: {config_file: "$cnf"}
    node_ha_backup_dir: "$work/backups"
    node_ha_nodes:
      - {name: node-a, ip: 127.0.0.1, zk_cluster: default, host: localhost, otter_home: "$work/homes/node-a"}
      - {name: node-b, ip: 127.0.0.2, zk_cluster: default, host: localhost, otter_home: "$work/homes/node-b"}
    node_ha_layout: {channels: [sync-ab], nodes: [node-a, node-b], state: exact}
YAML
ansible-playbook -i inventory.yml otter.ha.ha > first.log || { cat first.log; exit 1; }
ansible-playbook -i inventory.yml otter.ha.ha > second.log || { cat second.log; exit 1; }
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' second.log || { cat second.log; echo "build-check: second run changed something" >&2; exit 1; }
rows=$(OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" sql otter -N -B -e 'SELECT COUNT(*) FROM PIPELINE_NODE_RELATION')
[ "$rows" = 12 ] || { echo "build-check: expected 12 relation rows, found $rows" >&2; exit 1; }
echo "build-check: the installed tarball converged the demo channel to 12 rows, and a second run changed nothing"
