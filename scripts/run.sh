#!/usr/bin/env bash
# scripts/run.sh: start Redis, Unbound, an RQ worker and gunicorn; Ctrl-C stops what it started.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
ensure_secret_key
[ -n "${CHECKER_RESOLVER:-}" ] || export CHECKER_RESOLVER="$UNBOUND_LISTEN:$UNBOUND_PORT"

started=()
children=()
cleanup() {
  trap - INT TERM EXIT
  say ""; say "stopping..."
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
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

for i in $(seq "$WORKERS"); do
  "$PY" manage.py run_worker >>"$VAR/worker.log" 2>&1 &
  children+=($!)
done
"$PY" manage.py sweep_checks --loop >>"$VAR/sweeper.log" 2>&1 &
children+=($!)
"$ROOT/.venv/bin/gunicorn" -c scripts/gunicorn.conf.py >>"$VAR/web.log" 2>&1 &
children+=($!)
for _ in $(seq 100); do port_busy "$host" "$port" && break; sleep 0.1; done
cat >&2 <<MSG

  site:      http://$WEB_BIND/        health: http://$WEB_BIND/healthz
  resolver:  $CHECKER_RESOLVER     redis: $REDIS_URL
  logs:      $VAR/web.log  $VAR/worker.log  $VAR/sweeper.log
  database:  ${DATABASE_URL:-$VAR/db.sqlite3}
  Ctrl-C stops everything this command started.
MSG
wait -n "${children[@]}" || true
say "a process stopped on its own; see the logs in $VAR"
exit 1
