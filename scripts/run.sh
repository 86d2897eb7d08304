#!/usr/bin/env bash
# scripts/run.sh: start Redis and Unbound (unless running), then the site under supervisord
# (scripts/supervise.sh: gunicorn, the worker pool, the sweeper; a process that dies is
# restarted with back-off). Ctrl-C or SIGTERM stops everything it started; running checks
# finish first.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
ensure_secret_key
[ -n "${CHECKER_RESOLVER:-}" ] || export CHECKER_RESOLVER="$UNBOUND_LISTEN:$UNBOUND_PORT"
: "${CHECKER_WORKERS:=$(( 4 * $(nproc) ))}"
export CHECKER_WORKERS

started=()
supervisor=""
cleanup() {
  trap - INT TERM EXIT
  if [ -n "$supervisor" ] && kill -0 "$supervisor" 2>/dev/null; then
    say ""; say "stopping (running checks finish first; see $VAR/supervisord.log)..."
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
  fi
  for svc in "${started[@]}"; do "$ROOT/scripts/$svc.sh" stop || true; done
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

if ! pid_alive "$VAR/redis/redis.pid"; then "$ROOT/scripts/redis.sh" start; started+=(redis); fi
if [ "$CHECKER_RESOLVER" = "$UNBOUND_LISTEN:$UNBOUND_PORT" ] && ! pid_alive "$VAR/unbound/unbound.pid"; then
  "$ROOT/scripts/unbound.sh" start; started+=(unbound)
fi
host="${WEB_BIND%:*}"; port="${WEB_BIND##*:}"
port_busy "$host" "$port" && die "$WEB_BIND is in use by another program. Stop it or set WEB_BIND=127.0.0.1:8001."
pid_alive "$VAR/supervisord.pid" && die "the site already runs here (supervisord pid $(cat "$VAR/supervisord.pid"))."

# In the background so that this shell receives Ctrl-C / SIGTERM and can pass it on.
"$ROOT/scripts/supervise.sh" &
supervisor=$!
for _ in $(seq 300); do port_busy "$host" "$port" && break; kill -0 "$supervisor" 2>/dev/null || break; sleep 0.1; done
cat >&2 <<MSG

  site:      http://$WEB_BIND/        health: http://$WEB_BIND/healthz
  resolver:  $CHECKER_RESOLVER     redis: $REDIS_URL
  workers:   $CHECKER_WORKERS (CHECKER_WORKERS), supervised by supervisord
  logs:      $VAR/supervisord.log  $VAR/web.log  $VAR/worker-NN.log  $VAR/sweeper.log
  database:  ${DATABASE_URL:-$VAR/db.sqlite3}
  Ctrl-C stops everything this command started.
MSG
wait "$supervisor" || true
supervisor=""
say "supervisord stopped on its own; see $VAR/supervisord.log"
exit 1
