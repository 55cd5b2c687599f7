#!/usr/bin/env bash
# Copy the collection (the files git tracks or would track) to DEST/ansible_collections/otter/ha
# and print that path. ansible-test insists on running from a real folder of that shape.
source "$(dirname "$0")/lib.sh"
dest=$1
tree="$dest/ansible_collections/otter/ha"
rm -rf "$dest/ansible_collections"
mkdir -p "$tree"
cd "$root"
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$tree"
echo "$tree"
