#!/usr/bin/env bash
# scripts/supervise.sh: the site's processes (gunicorn, CHECKER_WORKERS RQ workers, RQ's cron, the
# sweeper) under supervisord, in the foreground, configured by scripts/supervisord.conf.
# Used by scripts/run.sh and by the fault tests. Expects Redis, the database and the
# settings' environment to be ready; SIGTERM / SIGINT stop it gracefully.
source "$(dirname "$0")/lib.sh"
# A check waits on the network, not the CPU: 4 workers per core by default.
: "${CHECKER_WORKERS:=$(( 4 * $(nproc) ))}"
[[ "$CHECKER_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "CHECKER_WORKERS must be a whole number of at least 1 (got '$CHECKER_WORKERS')"
: "${SWEEP_INTERVAL:=10}"
# A worker asked to stop finishes its check; RQ's own job timeout ends it at the latest.
: "${WORKER_STOP_SECONDS:=$(( ${CHECK_JOB_TIMEOUT:-120} + 15 ))}"
export ROOT PY CHECKER_WORKERS SWEEP_INTERVAL WORKER_STOP_SECONDS
export SUPERVISE_STATE_DIR="$VAR/supervise"
rm -rf "$SUPERVISE_STATE_DIR"   # a fresh start: no restart back-off carried over
exec "$ROOT/.venv/bin/supervisord" -c "$ROOT/scripts/supervisord.conf"
