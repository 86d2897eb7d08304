#!/usr/bin/env bash
# scripts/demo.sh: bring up the loopback test network and run the site against it, so every
# scenario domain can be checked in a browser without internet. Ctrl-C stops both.
source "$(dirname "$0")/lib.sh"
ensure_packages redis-server knot ldnsutils bind9-dnsutils unbound openssl
"$ROOT/scripts/setup.sh" dev
"$PY" -m tests.fakenet up || die "the test network did not start; see var/fakenet/"
trap '"$PY" -m tests.fakenet down' EXIT
set -a
# shellcheck disable=SC1091
source "$VAR/fakenet/checker.env"
set +a
say "test network up; scenario domains: $PY -m tests.fakenet list"
"$ROOT/scripts/run.sh"
