#!/usr/bin/env bash
# The role end to end, through the collection's own playbooks as an operator runs them
# (ansible-playbook otter.ha.ha / otter.ha.verify), against the real test MariaDB.
set -eux
set -o pipefail

# The shared test helpers (setup_otter_db) are the sibling targets.
export ANSIBLE_ROLES_PATH=..


# ansible-test hands script targets no variables: read the generated integration config directly.
CONFIG=../../integration_config.yml
run() { ansible-playbook -i inventory.yml -e @"$CONFIG" "$@"; }
recap_changed() { grep -E '^localhost +:' "$1" | sed -E 's/.*changed=([0-9]+).*/\1/'; }
# fails LOG COMMAND...: the command fails; its output is in $OUTPUT_DIR/LOG
fails() {
    local log=$OUTPUT_DIR/$1
    shift
    if "$@" > "$log" 2>&1; then cat "$log"; echo "expected a failure" >&2; exit 1; fi
}
has() { grep -qF -- "$2" "$OUTPUT_DIR/$1" || { cat "$OUTPUT_DIR/$1"; echo "missing: $2" >&2; exit 1; }; }
# lacks LOG TEXT: TEXT is not in the log (a bare `! grep` would never trip set -e).
lacks() { if grep -qF -- "$2" "$OUTPUT_DIR/$1"; then cat "$OUTPUT_DIR/$1"; echo "unexpected: $2" >&2; exit 1; fi; }
# no_change LOG: the recap of every host says changed=0.
no_change() {
    if awk '/^PLAY RECAP/ { recap = 1; next } recap && / : ok=/' "$OUTPUT_DIR/$1" | grep -v ' changed=0 '; then
        cat "$OUTPUT_DIR/$1"; echo "$1: a host changed something" >&2; exit 1
    fi
}

run setup.yml "$@"

# Check mode on the manager UI's layout: node-c is new; the layout is previewed with a placeholder for it, and
# nothing is written.
run otter.ha.ha --check --diff "$@" | tee "$OUTPUT_DIR/check.log"
grep -q 'Check mode: node(s) node-c would be registered by this run' "$OUTPUT_DIR/check.log"
grep -q '^+  LOAD    -1 node-c, 1 node-a, 2 node-b$' "$OUTPUT_DIR/check.log"
# The run's summary, last: what it would do.
has check.log '"nodes: 3 declared, 1 would be registered by this run (node-c)"'
has check.log '"pipelines: 2 would be changed (1, 2), in 1 layout entry"'
has check.log '"channels to restart or push: sync-ab"'
run check.yml -e expect=ui "$@"

# First run: registers node-c, writes the three nid files, converges, verifies.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/first.log"
[ "$(recap_changed "$OUTPUT_DIR/first.log")" -gt 0 ]
grep -q 'conf/nid changed for node-a, node-b, node-c' "$OUTPUT_DIR/first.log"
has first.log '"nodes: 3 declared, 1 registered by this run (node-c)"'
has first.log '"pipelines: 2 changed (1, 2), in 1 layout entry"'
has first.log '"channels to restart or push: sync-ab"'
has first.log '"findings: 0 in the layout, 0 live"'
run check.yml -e expect=full "$@"

# Second run: nothing changes.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/second.log"
[ "$(recap_changed "$OUTPUT_DIR/second.log")" -eq 0 ]
has second.log '"nodes: 3 declared, none new"'
has second.log '"pipelines: 0 changed, in 1 layout entry"'
lacks second.log 'channels to restart or push'

# Each phase has a tag of its name: --list-tasks shows them, and --tags verify runs the verification alone.
run otter.ha.ha --list-tasks "$@" > "$OUTPUT_DIR/list-tasks.log"
for phase in validate managers register preflight nid layout apply verify verify_live; do
    grep -Eq "TAGS: \[([a-z_]+, )*$phase(, [a-z_]+)*\]" "$OUTPUT_DIR/list-tasks.log"
done
run otter.ha.ha --tags verify "$@" | tee "$OUTPUT_DIR/tags-verify.log"
grep -q '2 pipeline(s) verified' "$OUTPUT_DIR/tags-verify.log"
if grep -E '^TASK \[otter\.ha\.node_ha : (One layout declaration|Resolve every|Register every|Write conf/nid|Converge every)' \
    "$OUTPUT_DIR/tags-verify.log"; then
    echo "--tags verify ran another phase" >&2
    exit 1
fi

# A check-mode run that would change nothing verifies as a real run does, and fails as one.
if run otter.ha.ha --check -e node_ha_min_nodes=4 "$@" > "$OUTPUT_DIR/check-min-nodes.log" 2>&1; then
    echo "a check-mode run passed verification with too few nodes" >&2
    exit 1
fi
grep -q 'sync-ab/a-to-b (pipeline 1)' "$OUTPUT_DIR/check-min-nodes.log"

# A pipeline edit in the manager UI deletes its rows and re-inserts one node per location.
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 1;
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (1, 1, 'SELECT', NOW(), NOW()), (1, 1, 'EXTRACT', NOW(), NOW()), (2, 1, 'LOAD', NOW(), NOW())"
run sql.yml "$@"
# Check mode previews the repair row by row and writes nothing.
run otter.ha.ha --check --diff "$@" | tee "$OUTPUT_DIR/check-edit.log"
grep -q '^+  LOAD    1 node-a, 2 node-b, 3 node-c$' "$OUTPUT_DIR/check-edit.log"
grep -q '^-  LOAD    2 node-b$' "$OUTPUT_DIR/check-edit.log"
grep -q 'Check mode: this run would change the layout, so the database does not hold' "$OUTPUT_DIR/check-edit.log"
run check.yml -e expect=edited "$@"
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/restore.log"
[ "$(recap_changed "$OUTPUT_DIR/restore.log")" -gt 0 ]
grep -q 'The layout of channel(s) sync-ab changed' "$OUTPUT_DIR/restore.log"
run check.yml -e expect=full "$@"

# With node_ha_db empty the role connects through the play's module_defaults: the three plays of ha.yml repair
# another UI edit, and so does the main entry point alone.
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 2;
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (2, 2, 'SELECT', NOW(), NOW()), (2, 2, 'EXTRACT', NOW(), NOW()), (1, 2, 'LOAD', NOW(), NOW())"
run sql.yml "$@"
run play_defaults.yml "$@" | tee "$OUTPUT_DIR/play-defaults.log"
[ "$(recap_changed "$OUTPUT_DIR/play-defaults.log")" -gt 0 ]
run check.yml -e expect=full "$@"
run sql.yml "$@"
run play_defaults.yml -e entry=main "$@" | tee "$OUTPUT_DIR/play-defaults-main.log"
[ "$(recap_changed "$OUTPUT_DIR/play-defaults-main.log")" -gt 0 ]
run check.yml -e expect=full "$@"
run play_defaults.yml -e entry=verify "$@"

# The main entry point cannot write conf/nid (that takes a play on the node hosts): with nodes that name a host
# it fails before anything is written, saying what to run instead.
fails main-nid.log run play_defaults.yml -e entry=main -e '{"node_ha_write_nid": true}' "$@"
has main-nid.log 'which the main entry point cannot run: use playbooks/ha.yml'

# No node_ha_db, no module_defaults, no ~/.my.cnf: both entry points fail at once, saying what to set.
mkdir -p "$OUTPUT_DIR/empty-home"
for entry in main verify; do
    if HOME=$OUTPUT_DIR/empty-home run no_connection.yml -e entry="$entry" "$@" > "$OUTPUT_DIR/no-db-$entry.log" 2>&1; then
        echo "the $entry entry point passed without a database connection" >&2
        exit 1
    fi
    grep -q 'node_ha_db is empty, so the role connected as the play configures it' "$OUTPUT_DIR/no-db-$entry.log"
done

# Verification alone passes on the converged table, in check mode too...
run otter.ha.verify "$@"
run otter.ha.verify --check "$@" | tee "$OUTPUT_DIR/verify-check.log"
grep -q '2 pipeline(s) verified' "$OUTPUT_DIR/verify-check.log"

# ...and fails, naming the pipeline, when the table is tampered with after the layout was written.
export SQL="INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (2, 2, 'SELECT', NOW(), NOW()), (9, 1, 'LOAD', NOW(), NOW())"
run sql.yml "$@"
if run otter.ha.verify "$@" > "$OUTPUT_DIR/tampered.log" 2>&1; then
    echo "verification passed on a tampered table" >&2
    exit 1
fi
grep -q 'sync-ab/b-to-a (pipeline 2)' "$OUTPUT_DIR/tampered.log"
grep -q 'sync-ab/a-to-b (pipeline 1)' "$OUTPUT_DIR/tampered.log"
# It only reads, so it fails in check mode as well.
if run otter.ha.verify --check "$@" > "$OUTPUT_DIR/tampered-check.log" 2>&1; then
    echo "verification passed in check mode on a tampered table" >&2
    exit 1
fi
grep -q 'sync-ab/b-to-a (pipeline 2)' "$OUTPUT_DIR/tampered-check.log"
grep -q 'sync-ab/a-to-b (pipeline 1)' "$OUTPUT_DIR/tampered-check.log"

# The role repairs it, and verification passes again.
run otter.ha.ha "$@"
run otter.ha.verify "$@"
run check.yml -e expect=full "$@"

# ---------------------------------------------------------------------------------------------------------------
# A fleet declared as two layout entries (fleet_inventory): herry-go/otter-init's design on the fixture's channel,
# each direction's SELECT and EXTRACT on the two nodes of its source site and LOAD on the two of the other site;
# node-a2 and node-b2 are new. Each node has its own node host, which writes its own conf/nid.
frun() { ansible-playbook -i fleet_inventory -e @"$CONFIG" "$@"; }
cnf=$(sed -n 's/^otter_test_client_cnf: //p' "$CONFIG")
db() { mariadb --defaults-file="$cnf" --batch --skip-column-names otter -e "$1"; }
triples() { db "SELECT CONCAT_WS(' ', PIPELINE_ID, NODE_ID, LOCATION) FROM PIPELINE_NODE_RELATION ORDER BY 1" | tr '\n' ','; }
homes=$OUTPUT_DIR/fleet-homes
# snapshot, then unchanged: NODE, PIPELINE_NODE_RELATION and every conf/nid under the fleet's homes are as they were.
snapshot() {
    db 'CHECKSUM TABLE NODE, PIPELINE_NODE_RELATION' > "$OUTPUT_DIR/checksums.before"
    rm -rf "$OUTPUT_DIR/homes.before" && cp -a "$homes" "$OUTPUT_DIR/homes.before"
}
unchanged() {
    db 'CHECKSUM TABLE NODE, PIPELINE_NODE_RELATION' | diff "$OUTPUT_DIR/checksums.before" -
    diff -r "$OUTPUT_DIR/homes.before" "$homes"
    for nid in "$OUTPUT_DIR"/homes.before/*/conf/nid; do
        if [ -e "$nid" ]; then cmp "$nid" "$homes/${nid#"$OUTPUT_DIR"/homes.before/}"; fi
    done
}
design='1 1 EXTRACT,1 1 SELECT,1 2 LOAD,1 3 EXTRACT,1 3 SELECT,1 4 LOAD,2 1 LOAD,2 2 EXTRACT,2 2 SELECT,2 3 LOAD,2 4 EXTRACT,2 4 SELECT,'
ui_edit="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 1;
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (1, 1, 'SELECT', NOW(), NOW()), (1, 1, 'EXTRACT', NOW(), NOW()), (2, 1, 'LOAD', NOW(), NOW())"

run setup.yml "$@"

# Check mode previews both entries, the new nodes as placeholders, and writes nothing.
snapshot
frun otter.ha.ha --check --diff "$@" | tee "$OUTPUT_DIR/fleet-check.log"
has fleet-check.log 'Check mode: node(s) node-a2, node-b2 would be registered by this run'
has fleet-check.log 'node-a2, 1 node-a'
unchanged

# One run registers both new nodes (one transaction), writes the four nid files (one play on the four node hosts),
# converges both entries (one transaction) and verifies them; a second run changes nothing.
frun otter.ha.ha "$@" | tee "$OUTPUT_DIR/fleet-first.log"
[ "$(triples)" = "$design" ] || { triples; exit 1; }
for node in node-a=1 node-b=2 node-a2=3 node-b2=4; do
    [ "$(cat "$homes/${node%=*}/conf/nid")" = "${node#*=}" ]
done
has fleet-first.log 'conf/nid changed for node-a, node-a2, node-b, node-b2.'
has fleet-first.log '2 pipeline(s) verified'
# One task per database phase, whatever the number of nodes and entries: no loop over nodes or channels ran.
[ "$(grep -c '^TASK \[otter.ha.node_ha : Register every node in one transaction\]' "$OUTPUT_DIR/fleet-first.log")" -eq 1 ]
[ "$(grep -c '^TASK \[otter.ha.node_ha : Converge every layout entry in one transaction\]' "$OUTPUT_DIR/fleet-first.log")" -eq 1 ]
if grep -E '^[a-z]+: \[localhost\] => \(item=' "$OUTPUT_DIR/fleet-first.log"; then
    echo "a task looped on the database host" >&2
    exit 1
fi
frun otter.ha.ha "$@" | tee "$OUTPUT_DIR/fleet-second.log"
no_change fleet-second.log

# A UI edit is pending (the run would rewrite pipeline 1's rows), and a node is declared with a mistyped IP, next
# to a new node: the run fails in validate, naming both addresses; NODE, the relations and every nid file are
# unchanged (the new node is not registered either).
db "$ui_edit"
snapshot
fails fleet-mistyped.log frun otter.ha.ha -e @fleet_vars/mistyped.yml "$@"
has fleet-mistyped.log "TASK [otter.ha.node_ha : Resolve every declared node as the registration will (check mode, writes nothing)]"
has fleet-mistyped.log "node 4 'node-b2' is registered at 127.0.0.12:2088, not at 127.0.0.99:2088"
has fleet-mistyped.log 'node_ha_allow_readdress'
lacks fleet-mistyped.log 'TASK [otter.ha.node_ha : Register every node in one transaction]'
unchanged

# Too few nodes for node_ha_min_nodes, with a new node declared: refused in validate, nothing written.
fails fleet-min-nodes.log frun otter.ha.ha -e @fleet_vars/new_node.yml -e node_ha_min_nodes=3 "$@"
has fleet-min-nodes.log 'fewer than min_nodes=3'
lacks fleet-min-nodes.log 'TASK [otter.ha.node_ha : Register every node in one transaction]'
unchanged

# Two entries that give one pipeline location different nodes: refused in validate, naming both, nothing written.
fails fleet-conflict.log frun otter.ha.ha -e @fleet_vars/conflict.yml "$@"
has fleet-conflict.log "('site A to site B') and layouts[2] ('a-to-b loads on site A') both manage sync-ab/a-to-b (pipeline 1) LOAD"
unchanged

# node_ha_layout and node_ha_layouts both set: refused before anything is read.
fails fleet-both.log frun otter.ha.ha -e '{"node_ha_layout": {"channels": ["sync-ab"], "nodes": ["node-a", "node-b"]}}' "$@"
has fleet-both.log 'node_ha_layout and node_ha_layouts are both set'
unchanged

# A node host whose Otter home has no conf folder: the nodes are registered (node-x is new), the nid play fails on
# that host saying what to do, and the playbook stops before the layout: the pending UI edit is still there.
relations_before=$(triples)
fails fleet-nid.log frun otter.ha.ha -e @fleet_vars/new_node.yml "$@"
has fleet-nid.log "conf/nid was not written on otter-x: $homes/node-x/conf: not a folder on this host (set otter_home"
has fleet-nid.log 'the playbook stops here, so the layout was not changed: fix this and run the playbook again'
lacks fleet-nid.log 'TASK [otter.ha.node_ha : Converge every layout entry in one transaction]'
[ "$(db "SELECT COUNT(*) FROM NODE WHERE NAME = 'node-x'")" -eq 1 ]
[ "$(triples)" = "$relations_before" ]
[ ! -e "$homes/node-x/conf/nid" ]
# Fixed (the node's home exists now), the same run completes.
mkdir -p "$homes/node-x/conf"
frun otter.ha.ha -e @fleet_vars/new_node.yml "$@" | tee "$OUTPUT_DIR/fleet-nid-fixed.log"
[ "$(cat "$homes/node-x/conf/nid")" = "$(db "SELECT ID FROM NODE WHERE NAME = 'node-x'")" ]
[ "$(triples)" = "$design" ]
# A conf/nid of several lines is not something Otter writes: the run stops, naming it, and writes no nid file.
printf '3\n9\n' > "$homes/node-a2/conf/nid"
snapshot
fails fleet-nid-lines.log frun otter.ha.ha "$@"
has fleet-nid-lines.log "conf/nid was not written on otter-a2: $homes/node-a2/conf/nid holds more than one line"
unchanged
# A file that is only off (another id) is rewritten, and only that one.
printf '9\n' > "$homes/node-a2/conf/nid"
frun otter.ha.ha "$@" | tee "$OUTPUT_DIR/fleet-nid-off.log"
has fleet-nid-off.log 'conf/nid changed for node-a2.'
[ "$(cat "$homes/node-a2/conf/nid")" = 3 ]

# Moving node-b2 to another IP on purpose (node_ha_allow_readdress): same row and ID, its nid file is unchanged,
# and the role says that it must be restarted on its new address. Moving it back works the same way.
snapshot
frun otter.ha.ha -e @fleet_vars/readdress.yml "$@" | tee "$OUTPUT_DIR/fleet-readdress.log"
has fleet-readdress.log 'Moved node node-b2 (id 4) from 127.0.0.12:2088 to 127.0.0.13:2088 in place'
has fleet-readdress.log 'must be restarted on its new address'
[ "$(db "SELECT CONCAT(ID, ' ', IP) FROM NODE WHERE NAME = 'node-b2'")" = '4 127.0.0.13' ]
diff -r "$OUTPUT_DIR/homes.before" "$homes"
[ "$(triples)" = "$design" ]
frun otter.ha.ha -e '{"node_ha_allow_readdress": true}' "$@" | tee "$OUTPUT_DIR/fleet-readdress-back.log"
has fleet-readdress-back.log 'Moved node node-b2 (id 4) from 127.0.0.13:2088 to 127.0.0.12:2088 in place'
[ "$(db "SELECT CONCAT(ID, ' ', IP) FROM NODE WHERE NAME = 'node-b2'")" = '4 127.0.0.12' ]
diff -r "$OUTPUT_DIR/homes.before" "$homes"

# Verification in check mode (it only reads) fails on a broken layout, naming what differs, as a real run does.
db "DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 2 AND NODE_ID = 3 AND LOCATION = 'LOAD'"
for mode in --check --diff; do
    fails "fleet-broken$mode.log" frun otter.ha.verify "$mode" "$@"
    has "fleet-broken$mode.log" 'LOAD of sync-ab/b-to-a (pipeline 2): lacks declared node(s) 3 node-a2 (not as declared)'
    has "fleet-broken$mode.log" 'sync-ab/b-to-a (pipeline 2): LOAD runs on 1 node(s) (1 node-a), fewer than min_nodes=2'
done
frun otter.ha.ha "$@"
[ "$(triples)" = "$design" ]

# Adopting an existing fleet (README, "Adopting an existing fleet"): the inventory without a layout, the current
# layout written as node_ha_layouts into its group_vars, then the role with it: check mode and a real run change
# nothing.
adopt=$OUTPUT_DIR/adopt
rm -rf "$adopt" && mkdir -p "$adopt" && cp -a fleet_inventory "$adopt/inventory"
rm "$adopt/inventory/group_vars/all/layouts.yml"
config=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
(
    cd "$adopt"
    ansible-playbook -i inventory otter.ha.adopt -e node_ha_adopt_file=inventory/group_vars/all/node_ha_layouts.yml \
        -e @"$config" "$@" | tee "$OUTPUT_DIR/adopt.log"
    # Narrowed to the fleet's one channel, the same entries.
    ansible-playbook -i inventory otter.ha.adopt -e '{"node_ha_adopt_channels": ["sync-ab"]}' \
        -e node_ha_adopt_file="$OUTPUT_DIR/adopt-sync-ab.yml" -e @"$config" "$@" > "$OUTPUT_DIR/adopt-narrow.log"
    cmp "$OUTPUT_DIR/adopt-sync-ab.yml" inventory/group_vars/all/node_ha_layouts.yml
    ansible-playbook -i inventory otter.ha.ha --check --diff -e @"$config" "$@" | tee "$OUTPUT_DIR/adopt-check.log"
    ansible-playbook -i inventory otter.ha.ha -e @"$config" "$@" | tee "$OUTPUT_DIR/adopt-run.log"
)
cat "$adopt/inventory/group_vars/all/node_ha_layouts.yml"
grep -qx 'node_ha_layouts:' "$adopt/inventory/group_vars/all/node_ha_layouts.yml"
[ "$(grep -c '^- ' "$adopt/inventory/group_vars/all/node_ha_layouts.yml")" -eq 2 ]
no_change adopt-check.log
no_change adopt-run.log
has adopt-run.log '2 pipeline(s) verified'
[ "$(triples)" = "$design" ]
