#!/usr/bin/env bash
# make build-check: build the collection tarball and check it as Galaxy and a new user would:
#   - what it holds (nothing of a checkout's venvs, test output or caches);
#   - galaxy-importer (Galaxy's own import check, from IMPORTER_VENV) passes on it, with no warning;
#   - ansible-lint's production profile passes on the installed collection, not only on the checkout;
#   - README.md's "Use it from your own project" block, run as it stands against the test MariaDB (only the
#     database address, account and password, and the node hosts' connections and homes, are pointed at this
#     machine), converges the demo channel; one more `otter.ha.ha` then changes nothing.
#   scripts/build-check.sh VENV DB_PORT IMPORTER_VENV
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
port=$2
importer=$(venv_dir "$3")
export PATH="$venv/bin:$PATH" ANSIBLE_NOCOLOR=1
work=$(work_dir build)
rm -rf "$work" && mkdir -p "$work/dist" "$work/collections" "$work/run" "$work/home" "$work/homes/node-a/conf" "$work/homes/node-b/conf"

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

# Galaxy's importer, in its own venv (it brings its own ansible-core and ansible-lint); it reports problems as
# WARNING/ERROR lines and may still exit 0.
(cd "$work" && PATH="$importer/bin:$PATH" "$importer/bin/python" -m galaxy_importer.main "$tarball") > "$work/importer.log" 2>&1 \
    || { cat "$work/importer.log"; echo "build-check: galaxy-importer failed on the tarball" >&2; exit 1; }
if grep -E '(^|[^A-Za-z])(WARNING|ERROR)' "$work/importer.log"; then
    echo "build-check: galaxy-importer reported the problems above" >&2
    exit 1
fi
grep -q 'Importer processing completed successfully' "$work/importer.log" \
    || { cat "$work/importer.log"; echo "build-check: galaxy-importer did not complete" >&2; exit 1; }
echo "build-check: galaxy-importer passed"

export ANSIBLE_COLLECTIONS_PATH="$work/collections"
ansible-galaxy collection install "$tarball" -p "$work/collections" >/dev/null
installed=$work/collections/ansible_collections/otter/ha
# ansible-lint as a user of the installed collection runs it: no .ansible-lint (it is not in the tarball).
[ ! -e "$installed/.ansible-lint" ] || { echo "build-check: the tarball holds .ansible-lint" >&2; exit 1; }
(cd "$installed" && ansible-lint --profile production --nocolor) > "$work/lint.log" 2>&1 \
    || { cat "$work/lint.log"; echo "build-check: ansible-lint (production) fails on the installed collection" >&2; exit 1; }
echo "build-check: ansible-lint (production) passed on the installed collection"

OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" start
OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" load otter "$root/tests/fixtures/otter_schema.sql" \
    "$root/tests/fixtures/bidirectional_channel.sql"
password=${OTTER_DB_PASSWORD:-otter-test-secret}

# The README's quick start, from its marker to the end of that code block.
quickstart=$(awk '/^<!-- quickstart:/ { found = 1; next } found && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit } inside { print }' "$root/README.md")
[ "$(grep -c 'ansible-playbook' <<<"$quickstart")" -ge 3 ] || { echo "build-check: README.md's quick start block is missing" >&2; exit 1; }
# Point it at this machine: the tarball, the test database and account, local node hosts with homes of their own,
# and the nodes' addresses at the ones the demo channel's fixture registered.
quickstart=$(sed -e "s#otter-ha-[0-9][0-9.]*\.tar\.gz#$tarball#" \
    -e "s#login_host: otter-db.example.com#login_host: 127.0.0.1#" -e "s#login_port: 3306#login_port: $port#" \
    -e "s#login_user: otter_ha#login_user: otter_test#" -e "s#'the-otter-db-password'#'$password'#" \
    -e 's#{ansible_host: [0-9.]*}#{ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}#' \
    -e "/host: otter-node-a/s#/home/admin/node#$work/homes/node-a#" -e "/host: otter-node-b/s#/home/admin/node#$work/homes/node-b#" \
    -e "/host: otter-node-a/s#ip: 10.0.1.11#ip: 127.0.0.1#" -e "/host: otter-node-b/s#ip: 10.0.2.11#ip: 127.0.0.2#" \
    <<<"$quickstart")
for point in "login_host: 127.0.0.1" "ip: 127.0.0.1" "ip: 127.0.0.2" "login_port: $port" otter_test "'$password'" "$work/homes/node-a" "$work/homes/node-b" "$tarball"; do
    grep -qF -- "$point" <<<"$quickstart" || { echo "build-check: the quick start no longer has the place for $point" >&2; exit 1; }
done
cd "$work/run"   # nowhere near the checkout
# Nothing from the checkout or the earlier install on the path: the quick start's ansible.cfg decides.
(unset ANSIBLE_COLLECTIONS_PATH; HOME="$work/home" bash -euo pipefail -c "$quickstart") > quickstart.log 2>&1 \
    || { cat quickstart.log; echo "build-check: README.md's quick start failed (log above)" >&2; exit 1; }
project=$work/run/otter-deploy
grep -qF "\$ANSIBLE_VAULT;" "$project/group_vars/all/vault.yml" \
    || { echo "build-check: the quick start did not vault the password" >&2; exit 1; }
! grep -qF -- "$password" "$project/group_vars/all/vault.yml" "$project/inventory.yml" \
    || { echo "build-check: the password is in the project in clear" >&2; exit 1; }
[ -f "$project/collections/ansible_collections/otter/ha/MANIFEST.json" ] \
    || { echo "build-check: the quick start did not install the collection into the project" >&2; exit 1; }
(cd "$project" && HOME="$work/home" ansible-playbook otter.ha.ha) > again.log 2>&1 || { cat again.log; exit 1; }
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' again.log || { cat again.log; echo "build-check: a second run changed something" >&2; exit 1; }
rows=$(OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" sql otter -N -B -e 'SELECT COUNT(*) FROM PIPELINE_NODE_RELATION')
[ "$rows" = 12 ] || { echo "build-check: expected 12 relation rows, found $rows" >&2; exit 1; }
for node in node-a node-b; do
    [ -s "$work/homes/$node/conf/nid" ] || { echo "build-check: $node's conf/nid was not written" >&2; exit 1; }
done
echo "build-check: README.md's quick start (install, requirements, vault, otter.ha.ha --check, otter.ha.ha, otter.ha.verify)" \
    "converged the demo channel to 12 rows from the installed tarball, and one more run changed nothing"
