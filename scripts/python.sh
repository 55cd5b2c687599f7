#!/usr/bin/env bash
# Print the real path of a Python interpreter of the wanted version (default 3.11): pyenv's
# installs first (their shims fail for versions that are not installed), then the system's.
source "$(dirname "$0")/lib.sh"
want=${1:-3.11}
if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$want".*/bin/python"$want"; do
        [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
    done
fi
for candidate in /usr/bin/python"$want" /usr/local/bin/python"$want"; do
    [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
done
echo "python.sh: no Python $want found (install python$want, or pyenv install $want)" >&2
exit 1
