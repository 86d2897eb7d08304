#!/usr/bin/env bash
# scripts/test.sh [pytest args]: set up, start Redis, run the whole suite.
source "$(dirname "$0")/lib.sh"
ensure_packages redis-server unbound dns-root-data knot ldnsutils bind9-dnsutils openssl chromium
"$ROOT/scripts/setup.sh" dev
# Tests use their own Redis database index, so a running `make run` keeps its queue.
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}/15}"
started=()
if ! pid_alive "$VAR/redis/redis.pid"; then "$ROOT/scripts/redis.sh" start; started+=(redis); fi
cleanup() { for svc in "${started[@]}"; do "$ROOT/scripts/$svc.sh" stop || true; done; }
trap cleanup EXIT
set +e
"$PY" -m pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that is a failure of the suite, say so plainly.
[ $status -eq 5 ] && say "pytest collected no tests"
exit $status
