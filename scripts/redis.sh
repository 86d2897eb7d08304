#!/usr/bin/env bash
# scripts/redis.sh start|stop: the project's own Redis on 127.0.0.1:$REDIS_PORT, data in var/redis.
source "$(dirname "$0")/lib.sh"
DIR="$VAR/redis"; PIDFILE="$DIR/redis.pid"
case "${1:-start}" in
  start)
    ensure_packages redis-server
    mkdir -p "$DIR"
    if pid_alive "$PIDFILE"; then say "redis: already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$REDIS_PORT"; exit 0; fi
    port_busy 127.0.0.1 "$REDIS_PORT" && die "port 127.0.0.1:$REDIS_PORT is in use by another program. Stop it or set REDIS_PORT to a free port."
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR" --daemonize yes --pidfile "$PIDFILE" \
      --logfile "$DIR/redis.log" --appendonly yes --save "60 1" --protected-mode yes >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "redis did not start; see $DIR/redis.log"
    say "redis: started on 127.0.0.1:$REDIS_PORT (data in $DIR)";;
  stop) stop_pidfile "$PIDFILE"; say "redis: stopped";;
  *) die "usage: $0 start|stop";;
esac
