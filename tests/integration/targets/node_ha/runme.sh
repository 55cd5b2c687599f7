#!/usr/bin/env bash
# The role end to end, through the collection's own playbooks as an operator runs them
# (ansible-playbook otter.ha.ha / otter.ha.verify), against the real test MariaDB.
set -eux
set -o pipefail

# The shared test helpers (setup_otter_db) are the sibling targets.
export ANSIBLE_ROLES_PATH=..


# ansible-test hands script targets no variables: read the generated integration config directly.
run() { ansible-playbook -i inventory.yml -e @../../integration_config.yml "$@"; }
recap_changed() { grep -E '^localhost +:' "$1" | sed -E 's/.*changed=([0-9]+).*/\1/'; }

run setup.yml "$@"

# Check mode on the manager UI's layout: node-c is new, so the layout cannot be previewed; nothing is written.
run otter.ha.ha --check --diff "$@" | tee "$OUTPUT_DIR/check.log"
grep -q 'Check mode: node(s) node-c would be registered by this run' "$OUTPUT_DIR/check.log"
run check.yml -e expect=ui "$@"

# First run: registers node-c, writes the three nid files, converges, verifies.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/first.log"
[ "$(recap_changed "$OUTPUT_DIR/first.log")" -gt 0 ]
grep -q 'conf/nid changed for node-a, node-b, node-c' "$OUTPUT_DIR/first.log"
run check.yml -e expect=full "$@"

# Second run: nothing changes.
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/second.log"
[ "$(recap_changed "$OUTPUT_DIR/second.log")" -eq 0 ]

# Each phase has a tag of its name: --list-tasks shows them, and --tags verify runs the verification alone.
run otter.ha.ha --list-tasks "$@" > "$OUTPUT_DIR/list-tasks.log"
for phase in validate register nid layout apply verify verify_live; do
    grep -Eq "TAGS: \[([a-z_]+, )*$phase(, [a-z_]+)*\]" "$OUTPUT_DIR/list-tasks.log"
done
run otter.ha.ha --tags verify "$@" | tee "$OUTPUT_DIR/tags-verify.log"
grep -q '2 pipeline(s) verified' "$OUTPUT_DIR/tags-verify.log"
if grep -E '^TASK \[otter\.ha\.node_ha : (The layout selects|Register|Pair each|Write conf/nid|Converge|Learn)' \
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
grep -q '^+  LOAD    1, 2, 3$' "$OUTPUT_DIR/check-edit.log"
grep -q '^-  LOAD    2$' "$OUTPUT_DIR/check-edit.log"
grep -q 'Check mode: this run would change the layout, so the database does not hold' "$OUTPUT_DIR/check-edit.log"
run check.yml -e expect=edited "$@"
run otter.ha.ha "$@" | tee "$OUTPUT_DIR/restore.log"
[ "$(recap_changed "$OUTPUT_DIR/restore.log")" -gt 0 ]
grep -q 'The layout of channel(s) sync-ab changed' "$OUTPUT_DIR/restore.log"
run check.yml -e expect=full "$@"

# With node_ha_db empty the role connects through the play's module_defaults: it repairs another UI edit.
export SQL="DELETE FROM PIPELINE_NODE_RELATION WHERE PIPELINE_ID = 2;
  INSERT INTO PIPELINE_NODE_RELATION (NODE_ID, PIPELINE_ID, LOCATION, GMT_CREATE, GMT_MODIFIED)
  VALUES (2, 2, 'SELECT', NOW(), NOW()), (2, 2, 'EXTRACT', NOW(), NOW()), (1, 2, 'LOAD', NOW(), NOW())"
run sql.yml "$@"
run play_defaults.yml "$@" | tee "$OUTPUT_DIR/play-defaults.log"
[ "$(recap_changed "$OUTPUT_DIR/play-defaults.log")" -gt 0 ]
run check.yml -e expect=full "$@"
run play_defaults.yml -e entry=verify "$@"

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
