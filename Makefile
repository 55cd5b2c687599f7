# otter.ha: `make demo` shows the collection at work, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
VENV ?= .venv
REQUIREMENTS ?= tests/requirements-dev.txt
# The verbatim upstream Otter manager DDL, when a copy sits beside the checkout: the integration
# suite then also runs against it (our own fixture is tests/fixtures/otter_schema.sql).
UPSTREAM_SCHEMA ?= ../shared/otter/otter-manager-schema.sql
# Real third-party manager-database seeds, when a copy sits beside the checkout: the fleet target loads them.
REALWORLD ?= ../shared/otter/realworld

TEST_DB_PORT ?= 13306
TEST_ZK_PORT ?= 12181
# Where the integration targets learn the test servers' addresses (not in git).
INTEGRATION_CONFIG ?= tests/integration/integration_config.yml
DEMO_DB_PORT ?= 13307

BIN := $(VENV)/bin

.PHONY: help venv test sanity lint changelog-lint units integration integration-config demo demo-stop db db-stop zk clean bench docs build build-check newest changelog-release stress self-check

# Every target has a "## one line" after its prerequisites; `make help` lists them in Makefile order
# (scripts/self-check.sh, in `make test`, fails when a target lacks one).
help: ## this list of targets, and the ports the throwaway servers use
	@awk -F ':[^#]*## ' '/^[a-zA-Z][a-zA-Z0-9_-]*:[^=]*## / { printf "make %-19s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
	@echo
	@echo "Ports on 127.0.0.1 (override on the command line, e.g. make demo DEMO_DB_PORT=13407):"
	@echo "  TEST_DB_PORT=$(TEST_DB_PORT) TEST_ZK_PORT=$(TEST_ZK_PORT) DEMO_DB_PORT=$(DEMO_DB_PORT) STRESS_DB_PORT=$(STRESS_DB_PORT)"
	@echo "  NEWEST_DB_PORT=$(NEWEST_DB_PORT) NEWEST_ZK_PORT=$(NEWEST_ZK_PORT) (make newest's test servers)"

venv: $(BIN)/ansible-test ## the test venv (.venv) with the pinned tools of tests/requirements-dev.txt
$(BIN)/ansible-test: $(REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(VENV) $(PYTHON_VERSION) $(REQUIREMENTS)
	@touch $@

# A+B runs make A and make B side by side (their own ports and trees), reporting each.
CHECKS ?= self-check sanity lint changelog-lint docs units build-check integration+newest stress

test: venv ## every check CI runs (CHECKS=... narrows), each timed, with a pass/fail summary
	scripts/run-checks.sh $(CHECKS)

self-check: ## the Makefile and scripts check themselves (make help complete, build pin, port refusals); seconds, no server
	scripts/self-check.sh

sanity: venv ## ansible-test sanity (shellcheck, pylint, validate-modules, ...) on a copy of the tree
	scripts/ansible-test.sh $(VENV) sanity --color no

lint: venv ## ansible-lint, production profile
	scripts/lint.sh $(VENV)

docs: venv ## every module and role page renders with ansible-doc; antsibull-docs lint
	scripts/docs-check.sh $(VENV)

# The collection tarball, in dist/. It needs ansible-galaxy only: the test venv's when there is one, else a
# light venv with nothing but ansible-core ($(BUILD_REQUIREMENTS), about 20 s the first time).
BUILD_REQUIREMENTS ?= tests/requirements-build.txt
BUILD_VENV ?= $(if $(wildcard $(BIN)/ansible-galaxy),$(VENV),.venv-build)
build: $(BUILD_VENV)/bin/ansible-galaxy ## the collection tarball, in dist/ (needs ansible-core only, not the test venv)
	$(BUILD_VENV)/bin/ansible-galaxy collection build --force --output-path dist .
.venv-build/bin/ansible-galaxy: $(BUILD_REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh .venv-build $(PYTHON_VERSION) $(BUILD_REQUIREMENTS)
	@touch $@

# Build the tarball and check it as Galaxy and a new user would: galaxy-importer (in a venv of its own,
# $(IMPORTER_VENV)), ansible-lint on the installed collection, and README.md's quick start run as it stands.
IMPORTER_VENV ?= .venv-importer
IMPORTER_REQUIREMENTS ?= tests/requirements-importer.txt
build-check: venv db $(IMPORTER_VENV)/.requirements ## the tarball: galaxy-importer, ansible-lint installed, the README quick start from it
	OTTER_DB_PORT_VAR=TEST_DB_PORT scripts/build-check.sh $(VENV) $(TEST_DB_PORT) $(IMPORTER_VENV)
$(IMPORTER_VENV)/.requirements: $(IMPORTER_REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(IMPORTER_VENV) $(PYTHON_VERSION) $(IMPORTER_REQUIREMENTS)

# Sanity, unit and integration tests again on the newest ansible-core line (Python 3.12). To keep
# `make test` within CI's budget this line runs the integration suite on our schema fixture only;
# the 2.19 line also runs it on upstream's DDL.
# It has test servers and an integration config of its own, so `make test` runs it beside the 2.19 line's
# integration tests (CHECKS' "integration+newest").
NEWEST_DB_PORT ?= 13316
NEWEST_ZK_PORT ?= 12191
NEWEST := VENV=.venv-newest PYTHON_VERSION=3.12 REQUIREMENTS=tests/requirements-newest.txt UPSTREAM_SCHEMA= \
	TEST_DB_PORT=$(NEWEST_DB_PORT) TEST_ZK_PORT=$(NEWEST_ZK_PORT) INTEGRATION_CONFIG=tests/integration/integration_config-newest.yml
newest: ## sanity, units and integration again on the newest ansible-core line (Python 3.12)
	$(MAKE) --no-print-directory sanity units integration $(NEWEST)

changelog-lint: venv ## antsibull-changelog lint of changelogs/fragments
	$(BIN)/antsibull-changelog lint

# After bumping `version` in galaxy.yml: fragments -> CHANGELOG.rst and changelogs/changelog.yaml.
changelog-release: venv ## after bumping version in galaxy.yml: fragments into CHANGELOG.rst
	scripts/changelog-release.sh $(VENV)

units: venv ## unit tests (ansible-test units)
	scripts/ansible-test.sh $(VENV) units --local --color no

db: ## start the test MariaDB on 127.0.0.1:TEST_DB_PORT
	OTTER_DB_PORT=$(TEST_DB_PORT) OTTER_DB_PORT_VAR=TEST_DB_PORT scripts/mariadb.sh start

db-stop: ## stop the test MariaDB (its data stays until make clean)
	OTTER_DB_PORT=$(TEST_DB_PORT) OTTER_DB_PORT_VAR=TEST_DB_PORT scripts/mariadb.sh stop

# A throwaway ZooKeeper on 127.0.0.1:$(TEST_ZK_PORT) for the live (node stand-in) tests.
zk: ## start the test ZooKeeper on 127.0.0.1:TEST_ZK_PORT
	OTTER_ZK_PORT=$(TEST_ZK_PORT) OTTER_ZK_PORT_VAR=TEST_ZK_PORT scripts/zookeeper.sh start

integration-config: db zk ## write tests/integration/integration_config.yml for the running test servers
	OTTER_ZK_PORT=$(TEST_ZK_PORT) OTTER_REALWORLD=$(REALWORLD) scripts/integration-config.sh $(TEST_DB_PORT) $(UPSTREAM_SCHEMA) > $(INTEGRATION_CONFIG)

# TARGETS narrows the run, e.g. make integration TARGETS=otter_node
integration: venv integration-config ## integration tests against the test MariaDB and ZooKeeper (TARGETS=... narrows)
	OTTER_INTEGRATION_CONFIG=$(abspath $(INTEGRATION_CONFIG)) scripts/ansible-test.sh $(VENV) integration --local --color no $(TARGETS)

demo: venv ## throwaway MariaDB on DEMO_DB_PORT with an Otter schema and a channel, then playbooks/ha.yml twice
	OTTER_DB_PORT=$(DEMO_DB_PORT) OTTER_DB_PORT_VAR=DEMO_DB_PORT scripts/demo.sh $(VENV)

demo-stop: ## stop the demo MariaDB and delete its files
	OTTER_DB_PORT=$(DEMO_DB_PORT) OTTER_DB_PORT_VAR=DEMO_DB_PORT scripts/mariadb.sh destroy

# Parallel runs, killed connections and server restarts against an own MariaDB on 127.0.0.1:$(STRESS_DB_PORT),
# about 2 min; tests/stress/stress.py --help for the counts.
STRESS_DB_PORT ?= 13358
stress: venv ## parallel runs, killed connections, server restarts, READ-COMMITTED and node-removal races on STRESS_DB_PORT (about 2 min)
	STRESS_DB_PORT=$(STRESS_DB_PORT) OTTER_DB_PORT_VAR=STRESS_DB_PORT $(BIN)/python tests/stress/stress.py --strict-commit-wording

# Not part of `make test`: own venv (.venv-bench) and MariaDB on 127.0.0.1:13308, a few minutes; see bench/README.md.
bench: ## benchmark (not in make test): own venv and MariaDB on 13308, a few minutes
	bench/run.sh

clean: ## stop and delete the throwaway servers, the venvs, dist/ and test output
	-OTTER_DB_PORT=$(TEST_DB_PORT) OTTER_DB_PORT_VAR=TEST_DB_PORT scripts/mariadb.sh destroy
	-OTTER_DB_PORT=$(DEMO_DB_PORT) OTTER_DB_PORT_VAR=DEMO_DB_PORT scripts/mariadb.sh destroy
	-OTTER_ZK_PORT=$(TEST_ZK_PORT) OTTER_ZK_PORT_VAR=TEST_ZK_PORT scripts/zookeeper.sh destroy
	rm -rf $(VENV) .venv-newest .venv-bench .venv-build $(IMPORTER_VENV) dist .state tests/output tests/integration/integration_config*.yml
