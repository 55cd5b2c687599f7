#!/usr/bin/env bash
# Create (or refresh) a virtual environment with the pinned test tools.
#   scripts/venv.sh VENV_DIR PYTHON_VERSION REQUIREMENTS_FILE
source "$(dirname "$0")/lib.sh"
venv=$1 version=$2 requirements=$3
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
python=$("$(dirname "$0")/python.sh" "$version")
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get install -y -qq --no-install-recommends "python$version-venv" >/dev/null
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
