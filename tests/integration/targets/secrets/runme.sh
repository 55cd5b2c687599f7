#!/usr/bin/env bash
# The login password never shows: not in task output, -vvv output, diffs, executed_queries, error
# messages, nor in backup files. Every module and the role run, succeeding and failing, with -vvv --diff,
# once with a plain password and once with one full of quotes, a backslash and SQL comment syntax.
set -eux
set -o pipefail

export ANSIBLE_ROLES_PATH=..
run() { ansible-playbook -i inventory.yml -e @../../integration_config.yml "$@"; }

run setup.yml "$@"
log_dir="$OUTPUT_DIR/secrets-logs"
mkdir -p "$log_dir" "$OUTPUT_DIR/backups"
for account in otter_ha otter_odd; do
    ANSIBLE_STDOUT_CALLBACK=default run play.yml -e "account=$account" -vvv --diff "$@" \
        > "$log_dir/$account.log" 2>&1 || { cat "$log_dir/$account.log"; exit 1; }
done

# The runs did what they should (the plays assert it too); a near-empty log would prove nothing.
grep -q 'executed_queries' "$log_dir/otter_ha.log"
grep -q 'INSERT INTO PIPELINE_NODE_RELATION' "$log_dir/otter_ha.log"
grep -q 'DELETE FROM NODE' "$log_dir/otter_odd.log"
grep -q '^+  LOAD' "$log_dir/otter_odd.log"
grep -q "access denied: check login_user and login_password" "$log_dir/otter_odd.log"
ls "$OUTPUT_DIR"/backups/otter-relations-*.sql >/dev/null

set +x
leaks=0
# Whole passwords, and fragments that survive JSON or YAML escaping of the odd one.
for needle in 'otter-Secret-Pw-7731' 'Secret-Pw' "Qu'o\"te\\bs;-- Pw-5519" 'Pw-5519' 'te\bs' \
              'wrong-Guess-Pw-4420' 'Guess-Pw'; do
    if grep -rnF -- "$needle" "$log_dir" "$OUTPUT_DIR/backups"; then
        echo "LEAK: the output above contains a password (fragment $needle)" >&2
        leaks=1
    fi
done
[ "$leaks" -eq 0 ]
echo "no password in $(cat "$log_dir"/*.log | wc -l) lines of output nor in the backup files"
