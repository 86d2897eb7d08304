#!/usr/bin/env bash
# scripts/setup.sh [dev]: venv, Python packages, database migrations, static files.
# Idempotent and quick when nothing changed (a stamp records the installed requirements).
source "$(dirname "$0")/lib.sh"
REQ="requirements.txt"; [ "${1:-}" = dev ] && REQ="requirements-dev.txt"
if [ ! -x "$PY" ]; then
  python3 -m venv --help >/dev/null 2>&1 || ensure_packages python3-venv
  python3 -m venv .venv || die "could not create .venv (is python3-venv installed?)"
fi
STAMP=".venv/.installed-$(basename "$REQ" .txt)"
if [ ! -e "$STAMP" ] || [ "$REQ" -nt "$STAMP" ] || [ requirements.txt -nt "$STAMP" ]; then
  say "installing Python packages from $REQ"
  "$PY" -m pip install -q --disable-pip-version-check -r "$REQ" || die "pip install failed"
  touch "$STAMP"
fi
ensure_secret_key
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
