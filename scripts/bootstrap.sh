#!/usr/bin/env bash
# Installs what this machine lacks to run Vaksin (or, with --dev, to test it): Debian packages,
# the .venv and, for the browser tests, node_modules. Idempotent; on a machine that already has
# everything it only hashes a few files, so `make run` and `make test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
case "${1:-}" in
  --dev) dev=1 ;;
  "") ;;
  *) echo "usage: scripts/bootstrap.sh [--dev]" >&2; exit 2 ;;
esac

say() { echo "bootstrap: $*"; }

# Newest PostgreSQL on the machine; Debian installs each major under its own folder.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

redis_ok() {
  command -v redis-server >/dev/null || return 1
  local v
  v=$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
  [ "${v:-0}" -ge 7 ]
}

postgres_ok() {
  local bin
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ] \
    && [ -x "$bin/psql" ]
}

python_bin() {
  local py
  for py in python3.11 python3; do
    if command -v "$py" >/dev/null \
      && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

# Debian splits venv/ensurepip out of the interpreter package.
python_ok() { local py; py=$(python_bin) && "$py" -c 'import ensurepip, venv' 2>/dev/null; }

apt_install() {
  local run=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      run=(sudo)
    else
      say "missing system packages: $*" >&2
      say "run as root: apt-get update && apt-get install -y $*" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    say "missing system packages: $* (no apt-get here; install them by hand)" >&2
    exit 1
  fi
  say "installing system packages: $*"
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
redis_ok || missing+=(redis-server redis-tools)
postgres_ok || missing+=(postgresql)
python_ok || missing+=(python3 python3-venv)
if [ "$dev" = 1 ]; then
  command -v chromium >/dev/null || missing+=(chromium fonts-liberation)
  # The browser tests' screenshots of the Chinese and Tamil pages need their scripts' fonts.
  # (grep reads the whole list: with -q, fc-list could die of SIGPIPE and pipefail call the font
  # missing, reinstalling it on every run.)
  fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
  fc-list 2>/dev/null | grep -i "Lohit Tamil" >/dev/null || missing+=(fonts-lohit-taml)
  command -v npm >/dev/null || missing+=(nodejs npm)
  command -v nginx >/dev/null || missing+=(nginx-light)
  # makemessages, which the translation tests run on a copy of the tree.
  command -v xgettext >/dev/null || missing+=(gettext)
  command -v wrk >/dev/null || missing+=(wrk)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
  redis_ok || { say "Redis >= 7 is required; this distribution ships $(redis-server --version)" >&2; exit 1; }
  postgres_ok || { say "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin" >&2; exit 1; }
  python_ok || { say "Python >= 3.11 with venv is required" >&2; exit 1; }
fi

# Virtualenv, from the locks (every package pinned with its hashes; `make lock` writes them from
# requirements*.txt), reinstalled only when a lock changes. `make run` installs the runtime lock
# and requirements-run.lock (honcho); --dev installs requirements-dev.lock, which holds both at
# the same versions, so it also satisfies a plain install and writes both stamps.
sha() { cat "$@" | sha256sum | cut -d' ' -f1; }
pip_install() {
  .venv/bin/pip install -q --disable-pip-version-check --require-hashes "$@"
}
if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  rm -rf .venv
  say "creating .venv with $(python_bin)"
  "$(python_bin)" -m venv .venv
fi
runtime_sha=$(sha requirements.lock requirements-run.lock)
if [ "$dev" = 1 ]; then
  dev_sha=$(sha requirements-dev.lock)
  if [ "$(cat .venv/.requirements-dev.sha256 2>/dev/null)" != "$dev_sha" ]; then
    say "installing requirements-dev.lock into .venv"
    pip_install -r requirements-dev.lock
    echo "$dev_sha" >.venv/.requirements-dev.sha256
    echo "$runtime_sha" >.venv/.requirements.sha256
  fi
elif [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$runtime_sha" ]; then
  say "installing requirements.lock and requirements-run.lock into .venv"
  pip_install -r requirements.lock -r requirements-run.lock
  echo "$runtime_sha" >.venv/.requirements.sha256
fi

# axe-core for the accessibility checks in the browser tests.
if [ "$dev" = 1 ]; then
  lock_sha=$(sha package.json package-lock.json)
  if [ "$(cat node_modules/.package-lock.sha256 2>/dev/null)" != "$lock_sha" ]; then
    say "installing node_modules (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$lock_sha" >node_modules/.package-lock.sha256
  fi
fi
