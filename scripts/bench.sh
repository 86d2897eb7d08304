#!/usr/bin/env bash
# scripts/bench.sh: every benchmark in tests/benchmarks/, against the loopback test network.
source "$(dirname "$0")/lib.sh"
ensure_packages redis-server knot ldnsutils bind9-dnsutils unbound openssl wrk
"$ROOT/scripts/setup.sh" dev
started=()
if ! pid_alive "$VAR/redis/redis.pid"; then "$ROOT/scripts/redis.sh" start; started+=(redis); fi
trap 'for svc in "${started[@]}"; do "$ROOT/scripts/$svc.sh" stop || true; done' EXIT
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}/14}"
status=0
for bench in tests/benchmarks/bench_*.py; do
  say "== $bench"
  module="${bench%.py}"; module="${module//\//.}"
  "$PY" -m "$module" || status=1
done
exit $status
