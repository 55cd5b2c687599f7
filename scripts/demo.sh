#!/usr/bin/env bash
# make demo: a throwaway Otter manager database with a bidirectional channel as the manager UI
# leaves it (one node per stage), then playbooks/ha.yml from examples/inventory.yml, twice.
#   scripts/demo.sh VENV
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
port=${OTTER_DB_PORT:-13307}
export OTTER_DB_PORT=$port
db="$root/scripts/mariadb.sh"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting a throwaway MariaDB on 127.0.0.1:$port"
"$db" start
state=$("$db" dir)/demo
rm -rf "$state" && mkdir -p "$state/nodes/node-a/conf" "$state/nodes/node-b/conf" "$state/collections/ansible_collections/otter"
ln -s "$root" "$state/collections/ansible_collections/otter/ha"

say "Loading the Otter manager schema and a bidirectional channel (sync-ab: a-to-b, b-to-a)"
"$db" load otter "$root/tests/fixtures/otter_schema.sql" "$root/tests/fixtures/bidirectional_channel.sql"
password="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
"$db" sql -e "DROP USER IF EXISTS 'otter_ha'@'127.0.0.1'; CREATE USER 'otter_ha'@'127.0.0.1' IDENTIFIED BY '$password';"
"$db" sql < "$root/tests/fixtures/grants.sql"

table() {
    "$db" sql otter --table -e "
        SELECT c.NAME AS channel, p.NAME AS pipeline, r.LOCATION AS location,
               GROUP_CONCAT(CONCAT(n.NAME, ' (', r.NODE_ID, ')') ORDER BY r.NODE_ID SEPARATOR ', ') AS nodes,
               COUNT(*) AS \`rows\`
        FROM PIPELINE_NODE_RELATION r
        JOIN PIPELINE p ON p.ID = r.PIPELINE_ID JOIN CHANNEL c ON c.ID = p.CHANNEL_ID
        LEFT JOIN NODE n ON n.ID = r.NODE_ID
        GROUP BY c.NAME, p.NAME, r.LOCATION
        ORDER BY p.NAME, FIELD(r.LOCATION, 'SELECT', 'EXTRACT', 'LOAD');"
}
say "PIPELINE_NODE_RELATION as the manager UI left it: one node per stage, no HA"
table

export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$state/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
run_playbook() {
    ansible-playbook -i "$root/examples/inventory.yml" "$root/playbooks/ha.yml" \
        -e otter_db_port="$port" -e otter_db_password="$password" -e otter_nodes_root="$state/nodes" \
        -e node_ha_backup_dir="$state/backups"
}

say "ansible-playbook playbooks/ha.yml (first run: registers nodes, writes conf/nid, converges, verifies)"
run_playbook | tee "$state/first-run.log"

say "PIPELINE_NODE_RELATION after the first run: every stage on both nodes"
table
for node in node-a node-b; do
    echo "conf/nid of $node: $(cat "$state/nodes/$node/conf/nid")"
done

say "ansible-playbook playbooks/ha.yml (second run: nothing to change)"
run_playbook | tee "$state/second-run.log"
if ! grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$state/second-run.log"; then
    echo "demo: the second run changed something; it should not have" >&2
    exit 1
fi
say "Second run: changed=0 on every host. The demo database stays up on 127.0.0.1:$port ('make demo-stop' removes it)."
