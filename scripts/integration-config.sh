#!/usr/bin/env bash
# Print tests/integration/integration_config.yml: ansible-test strips the environment, so the
# integration targets learn where the test servers and fixtures are from these variables.
#   scripts/integration-config.sh DB_PORT [UPSTREAM_SCHEMA]
# The test ZooKeeper's port comes from OTTER_ZK_PORT (default 12181, as scripts/zookeeper.sh); the real
# third-party seeds from OTTER_REALWORLD (a folder, optional).
source "$(dirname "$0")/lib.sh"
port=$1
upstream=${2:-}
db_dir=$(OTTER_DB_PORT=$port "$root/scripts/mariadb.sh" dir)
cat <<YAML
---
otter_test_db_host: 127.0.0.1
otter_test_db_port: $port
otter_test_db_user: otter_test
otter_test_db_password: ${OTTER_DB_PASSWORD:-otter-test-secret}
otter_test_client_cnf: $db_dir/client.cnf
otter_test_fixtures: $root/tests/fixtures
otter_test_tls_dir: $db_dir/tls
otter_test_zk_hosts: 127.0.0.1:${OTTER_ZK_PORT:-12181}
otter_test_schemas:
  - name: fixture
    file: $root/tests/fixtures/otter_schema.sql
YAML
if [ -n "$upstream" ] && [ -r "$upstream" ]; then
    printf '  - name: upstream\n    file: %s\n' "$(cd "$(dirname "$upstream")" && pwd)/$(basename "$upstream")"
fi
realworld=${OTTER_REALWORLD:-}
if [ -n "$realworld" ] && [ -d "$realworld" ]; then
    printf 'otter_test_realworld: %s\n' "$(cd "$realworld" && pwd)"
fi
