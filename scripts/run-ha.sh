#!/usr/bin/env bash
# What `make run-ha` runs once bootstrap has finished: the private PostgreSQL (scripts/services.sh),
# then the high-availability stack of deploy/ha.py under var/ha/ in the foreground: a Redis
# primary with two replicas, three Sentinels, HA_WEB_NODES (default 2) gunicorn web nodes behind
# nginx, the relay and the workers. It prints the nginx URL; Ctrl-C stops everything.
# Ports: PORT (nginx, default 8000; the web nodes take the next ones), HA_REDIS_PORT (default
# 6392, 6393, 6394), HA_SENTINEL_PORT (default 26392, 26393, 26394), PG_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT=${PORT:-8000}
REDIS_PORT=${REDIS_PORT:-6391}
PG_PORT=${PG_PORT:-5441}
DATABASE_URL=${DATABASE_URL:-$(REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh database-url)}
export DATABASE_URL
mkdir -p var
# The same secrets as `make run` (var/secrets.env), but debug off: this is the production shape.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  # shellcheck source=scripts/local-secrets.sh
  . scripts/local-secrets.sh
fi
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
# manage.py beside it reads var/local.env; the HA stack's settings are its own.
export VAKSIN_LOCAL_ENV=

cleanup() {
  trap - EXIT
  REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh stop
}
REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh start
trap cleanup EXIT
# The supervisor runs as this shell's child and is waited for, so that a SIGTERM sent to this
# shell (or to make) reaches it: bash dies of a SIGTERM while it waits for a foreground child,
# which would leave the stack running. Ctrl-C reaches it directly (it handles SIGINT itself).
.venv/bin/python -m deploy.ha &
supervisor=$!
trap 'kill -TERM "$supervisor" 2>/dev/null || true' TERM INT HUP
status=0
while kill -0 "$supervisor" 2>/dev/null; do
  wait "$supervisor" && status=0 || status=$?
done
exit "$status"
