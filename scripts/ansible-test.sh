#!/usr/bin/env bash
# Run ansible-test from VENV on a fresh copy of the collection, offline.
#   scripts/ansible-test.sh VENV sanity|units|integration [ARGS...]
# The integration config (not in git) is copied along: $OTTER_INTEGRATION_CONFIG, or else
# tests/integration/integration_config.yml when it exists.
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
shift
if [ "${1:-}" = sanity ] && ! command -v shellcheck >/dev/null; then
    die "shellcheck is not installed, and ansible-test sanity would skip its shellcheck test: apt-get install shellcheck"
fi
python="$venv/bin/python"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test bootstraps pip in its virtual environments with a script it downloads from a host
# outside the package registries; a cached stand-in installs pip from ensurepip instead.
requirements_py=$("$python" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
pip_version=$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$requirements_py" | head -n 1)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ -n "$pip_version" ] && [ ! -f "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cp "$root/scripts/get-pip-offline.py" "$cache"
fi

# Outside the checkout: inside it, ansible-test would ask git for the file list, and git ignores the copy.
work="$(work_dir ansible-test)-$pyver"
tree=$("$root/scripts/collection-tree.sh" "$work")
config=${OTTER_INTEGRATION_CONFIG:-$root/tests/integration/integration_config.yml}
if [ -f "$config" ]; then
    cp "$config" "$tree/tests/integration/integration_config.yml"
fi
cd "$tree"
export PATH="$venv/bin:$PATH"
exec ansible-test "$@" --python "$pyver"
