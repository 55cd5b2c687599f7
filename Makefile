# otter.ha: `make demo` shows the collection at work, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
VENV ?= .venv
REQUIREMENTS ?= tests/requirements-dev.txt
# The verbatim upstream Otter manager DDL, when a copy sits beside the checkout: the integration
# suite then also runs against it (our own fixture is tests/fixtures/otter_schema.sql).
UPSTREAM_SCHEMA ?= ../shared/otter/otter-manager-schema.sql

TEST_DB_PORT ?= 13306
TEST_ZK_PORT ?= 12181
# Where the integration targets learn the test servers' addresses (not in git).
INTEGRATION_CONFIG ?= tests/integration/integration_config.yml
DEMO_DB_PORT ?= 13307

BIN := $(VENV)/bin

.PHONY: help venv test sanity lint changelog-lint units integration integration-config demo demo-stop db db-stop zk clean bench docs build build-check newest changelog-release stress

help:
	@echo "make demo    throwaway MariaDB with an Otter manager schema and a bidirectional channel, then playbooks/ha.yml"
	@echo "make test    sanity, lint, changelog lint, unit and integration tests (real MariaDB on 127.0.0.1:$(TEST_DB_PORT))"
	@echo "make clean   stop the throwaway servers and delete them, the venvs and test output"

venv: $(BIN)/ansible-test
$(BIN)/ansible-test: $(REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(VENV) $(PYTHON_VERSION) $(REQUIREMENTS)
	@touch $@

CHECKS ?= sanity lint changelog-lint docs units integration build-check newest stress

test: venv
	scripts/run-checks.sh $(CHECKS)

sanity: venv
	scripts/ansible-test.sh $(VENV) sanity --color no

lint: venv
	scripts/lint.sh $(VENV)

docs: venv
	scripts/docs-check.sh $(VENV)

# The collection tarball, in dist/.
build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path dist .

# Build, install the tarball into an empty collections path and run otter.ha.ha from it.
build-check: venv db
	scripts/build-check.sh $(VENV) $(TEST_DB_PORT)

# Sanity, unit and integration tests again on the newest ansible-core line (Python 3.12). To keep
# `make test` within CI's budget this line runs the integration suite on our schema fixture only;
# the 2.19 line also runs it on upstream's DDL.
NEWEST := VENV=.venv-newest PYTHON_VERSION=3.12 REQUIREMENTS=tests/requirements-newest.txt UPSTREAM_SCHEMA=
newest:
	$(MAKE) --no-print-directory sanity units integration $(NEWEST)

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# After bumping `version` in galaxy.yml: fragments -> CHANGELOG.rst and changelogs/changelog.yaml.
changelog-release: venv
	scripts/changelog-release.sh $(VENV)

units: venv
	scripts/ansible-test.sh $(VENV) units --local --color no

db:
	OTTER_DB_PORT=$(TEST_DB_PORT) scripts/mariadb.sh start

db-stop:
	OTTER_DB_PORT=$(TEST_DB_PORT) scripts/mariadb.sh stop

# A throwaway ZooKeeper on 127.0.0.1:$(TEST_ZK_PORT) for the live (node stand-in) tests.
zk:
	OTTER_ZK_PORT=$(TEST_ZK_PORT) scripts/zookeeper.sh start

integration-config: db zk
	OTTER_ZK_PORT=$(TEST_ZK_PORT) scripts/integration-config.sh $(TEST_DB_PORT) $(UPSTREAM_SCHEMA) > $(INTEGRATION_CONFIG)

# TARGETS narrows the run, e.g. make integration TARGETS=otter_node
integration: venv integration-config
	OTTER_INTEGRATION_CONFIG=$(abspath $(INTEGRATION_CONFIG)) scripts/ansible-test.sh $(VENV) integration --local --color no $(TARGETS)

demo: venv
	OTTER_DB_PORT=$(DEMO_DB_PORT) scripts/demo.sh $(VENV)

demo-stop:
	OTTER_DB_PORT=$(DEMO_DB_PORT) scripts/mariadb.sh destroy

# Parallel runs, killed connections and server restarts against an own MariaDB on 127.0.0.1:$(STRESS_DB_PORT),
# about 75 s; tests/stress/stress.py --help for the counts.
STRESS_DB_PORT ?= 13358
stress: venv
	STRESS_DB_PORT=$(STRESS_DB_PORT) $(BIN)/python tests/stress/stress.py --strict-commit-wording

# Not part of `make test`: own venv (.venv-bench) and MariaDB on 127.0.0.1:13308, a few minutes; see bench/README.md.
bench:
	bench/run.sh

clean:
	-OTTER_DB_PORT=$(TEST_DB_PORT) scripts/mariadb.sh destroy
	-OTTER_DB_PORT=$(DEMO_DB_PORT) scripts/mariadb.sh destroy
	-OTTER_ZK_PORT=$(TEST_ZK_PORT) scripts/zookeeper.sh destroy
	rm -rf $(VENV) .venv-newest .venv-bench dist .state tests/output tests/integration/integration_config.yml
