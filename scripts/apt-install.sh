#!/usr/bin/env bash
# Install Debian packages without letting them start system services (our scripts start their
# own servers on other ports): a policy-rc.d that refuses is put in place for the install when
# the machine has none.
#   scripts/apt-install.sh PACKAGE...
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || exit 0
added_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=1
fi
trap '[ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
