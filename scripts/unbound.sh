#!/usr/bin/env bash
# scripts/unbound.sh start|stop: a local DNSSEC-validating resolver (Unbound) for real checks,
# on $UNBOUND_LISTEN:$UNBOUND_PORT, root trust anchor from Debian's dns-root-data.
source "$(dirname "$0")/lib.sh"
DIR="$VAR/unbound"; PIDFILE="$DIR/unbound.pid"
case "${1:-start}" in
  start)
    ensure_packages unbound dns-root-data
    mkdir -p "$DIR"
    if pid_alive "$PIDFILE"; then say "unbound: already running (pid $(cat "$PIDFILE")) on $UNBOUND_LISTEN:$UNBOUND_PORT"; exit 0; fi
    port_busy "$UNBOUND_LISTEN" "$UNBOUND_PORT" && die "port $UNBOUND_LISTEN:$UNBOUND_PORT is in use by another program. Stop it or set UNBOUND_PORT to a free port."
    # auto-trust-anchor-file must be writable (RFC 5011 updates): start from Debian's copy.
    [ -s "$DIR/root.key" ] || cp /usr/share/dns/root.key "$DIR/root.key"
    cat > "$DIR/unbound.conf" <<CONF
server:
  interface: $UNBOUND_LISTEN@$UNBOUND_PORT
  port: $UNBOUND_PORT
  access-control: 127.0.0.0/8 allow
  username: ""
  chroot: ""
  directory: "$DIR"
  pidfile: "$PIDFILE"
  logfile: "$DIR/unbound.log"
  use-syslog: no
  do-daemonize: yes
  module-config: "validator iterator"
  auto-trust-anchor-file: "$DIR/root.key"
  root-hints: "/usr/share/dns/root.hints"
  ede: yes
  val-log-level: 2
  harden-dnssec-stripped: yes
  edns-buffer-size: 1232
remote-control:
  control-enable: no
CONF
    unbound-checkconf "$DIR/unbound.conf" >/dev/null || die "unbound configuration invalid: $DIR/unbound.conf"
    unbound -c "$DIR/unbound.conf" || die "unbound did not start; see $DIR/unbound.log"
    for _ in $(seq 50); do pid_alive "$PIDFILE" && break; sleep 0.1; done
    say "unbound: started on $UNBOUND_LISTEN:$UNBOUND_PORT (validating, EDE on)";;
  stop) stop_pidfile "$PIDFILE"; say "unbound: stopped";;
  *) die "usage: $0 start|stop";;
esac
