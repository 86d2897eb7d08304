# Shared helpers for the scripts in this folder. Sourced, not run.
# Every default below yields to a variable already set in the environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VAR="${VAR_DIR:-$ROOT/var}"
mkdir -p "$VAR"
PY="$ROOT/.venv/bin/python"

: "${REDIS_PORT:=6390}"
: "${REDIS_URL:=redis://127.0.0.1:${REDIS_PORT}/0}"
: "${UNBOUND_LISTEN:=127.0.0.1}"
: "${UNBOUND_PORT:=8053}"
: "${WEB_BIND:=127.0.0.1:8000}"
export REDIS_URL VAR_DIR="$VAR"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ensure_packages PKG...: install missing Debian packages (as root) or say the exact command.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages. Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  if [ ! -e "$VAR/.apt-updated" ]; then
    apt-get update -qq && touch "$VAR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# pid_alive FILE: the process named in FILE is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# port_busy HOST PORT: something accepts TCP connections there.
port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# stop_pidfile FILE: stop the process named in FILE and wait for it (at most 10 s).
stop_pidfile() {
  local file="$1" pid
  pid_alive "$file" || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

# secret key for local runs: generated once into var/ unless SECRET_KEY is set.
ensure_secret_key() {
  if [ -z "${SECRET_KEY:-}" ] && [ -z "${SECRET_KEY_FILE:-}" ]; then
    [ -s "$VAR/secret_key" ] || (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$VAR/secret_key")
    export SECRET_KEY_FILE="$VAR/secret_key"
  fi
}
