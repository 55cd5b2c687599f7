#!/usr/bin/env bash
# Turn the changelog fragments into a release of CHANGELOG.rst for the version in galaxy.yml.
# antsibull-changelog asks ansible-doc about the collection's plugins, so the checkout is made
# visible to it as otter.ha for the duration.
#   scripts/changelog-release.sh VENV
source "$(dirname "$0")/lib.sh"
venv=$(venv_dir "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ansible_collections/otter"
ln -s "$root" "$work/ansible_collections/otter/ha"
cd "$root"
PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$work" antsibull-changelog release
