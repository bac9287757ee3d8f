#!/usr/bin/env bash
# What `make run` runs once bootstrap has finished and the private services are up: migrate,
# collect static files, seed demo slots on an empty system, then every Procfile process but
# `release` in the foreground. Ctrl-C (or SIGTERM) stops those processes and the services.
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT=${PORT:-8000}
# The links in waiting-list offers point here.
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
mkdir -p var
REDIS_PORT=${REDIS_PORT:-6391}
PG_PORT=${PG_PORT:-5441}
if [ -z "${REDIS_URL:-}" ]; then
  # Each process as a Redis user of its own, with only what it needs (deploy/redis/users.acl);
  # manage.py (this script's and yours, through var/local.env) as the admin user.
  redis_url() { REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh redis-url 0 "$1"; }
  REDIS_URL=$(redis_url admin)
  REDIS_URL_WEB=$(redis_url web) REDIS_URL_RELAY=$(redis_url relay)
  REDIS_URL_WORKER=$(redis_url workers)
  REDIS_URL_EXPORT=$(redis_url export) REDIS_URL_WAITLIST=$(redis_url waitlist)
  export REDIS_URL_WEB REDIS_URL_RELAY REDIS_URL_WORKER REDIS_URL_EXPORT REDIS_URL_WAITLIST
fi
# As the owner of its database, with its password (never a superuser: scripts/services.sh).
DATABASE_URL=${DATABASE_URL:-$(REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh database-url)}
export REDIS_URL DATABASE_URL
# Without a real secret this is a developer's machine: debug mode, and secrets made up once and
# kept in var/secrets.env, so that sessions and the names of people survive a restart.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  # shellcheck source=scripts/local-secrets.sh
  . scripts/local-secrets.sh
  export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
fi
# What manage.py needs beside this run, read by vaksin/settings.py for any variable the
# environment does not set: every variable of this environment the product reads (the waiting
# room's too), so `.venv/bin/python manage.py <command>` beside it works with nothing set.
.venv/bin/python -m devstack.local_env var/local.env
# The ports of this run, for `make stop` and `make status` (the Makefile includes this file).
mkdir -p var/run
printf 'PORT ?= %s\nREDIS_PORT ?= %s\nPG_PORT ?= %s\n' "$PORT" "$REDIS_PORT" "$PG_PORT" \
  >var/run/make-run.mk
# The Procfile says `python` and `gunicorn`: the ones in .venv.
export VIRTUAL_ENV=$PWD/.venv
export PATH=$VIRTUAL_ENV/bin:$PATH

honcho_pid=
descendants() {
  local child
  for child in $(pgrep -P "$1"); do echo "$child"; descendants "$child"; done
}
cleanup() {
  # A second Ctrl-C while stopping must not cut the stopping short.
  trap - EXIT
  trap '' INT TERM
  if [ -n "$honcho_pid" ] && kill -0 "$honcho_pid" 2>/dev/null; then
    local children
    children=$(descendants "$honcho_pid")
    kill -TERM "$honcho_pid" 2>/dev/null || true
    wait "$honcho_pid" 2>/dev/null || true
    # honcho puts each process in a session of its own; if honcho itself went down hard (a
    # second Ctrl-C), nothing else would stop what it started.
    # shellcheck disable=SC2086 # one word per pid
    [ -z "$children" ] || kill -TERM $children 2>/dev/null || true
  fi
  REDIS_PORT=$REDIS_PORT PG_PORT=$PG_PORT scripts/services.sh stop
}
trap cleanup EXIT
# Ctrl-C is how a person stops `make run`: a clean stop, not an error.
trap 'exit 0' INT
trap 'exit 143' TERM

python manage.py migrate --noinput
python manage.py collectstatic --noinput --verbosity 0
python manage.py seed_slots --demo --if-empty

# Every process type but `release` (run above as migrate), web first: honcho gives the first
# process $PORT and each later one $PORT + 100. Confirmation workers send one message at a time
# and wait for its record to be fsynced, so two of them keep up with twice the bookings.
processes=$(sed -n 's/^\([A-Za-z0-9_-]\{1,\}\):.*/\1/p' Procfile | grep -vx release \
  | awk '$0 == "web" { print; next } { rest = rest $0 "\n" } END { printf "%s", rest }')

case "${SMS_BACKEND:-vaksin.sms.FileSmsBackend}" in
  *FileSmsBackend) sms="appended to ${SMS_FILE_PATH:-var/log/sms.log} (tail -f it for your code)" ;;
  *ConsoleSmsBackend) sms="printed below by the relay (codes) and worker processes" ;;
  *) sms="sent through $SMS_BACKEND" ;;
esac
cat <<EOF
Vaksin is running at http://127.0.0.1:$PORT/ (Ctrl-C stops it)
  Codes and confirmations by SMS: $sms
  E-mails: files under ${EMAIL_FILE_PATH:-var/mail/}
  Staff: \`make staff\` creates a member of staff and enrols their authenticator app;
         then log in at http://127.0.0.1:$PORT/admin/ with the password and the app's code.
  manage.py beside it: .venv/bin/python manage.py <command> (it reads var/local.env)
  \`make status\` and \`make stop\` (from another terminal) act on these ports.
EOF
# In the background so that the traps above run as soon as a signal arrives; honcho sets its
# own SIGINT handler, and puts each process in a session of its own that it stops as a group.
# shellcheck disable=SC2086 # one word per process name
honcho start -c "worker=${CONFIRMATION_WORKERS:-2}" $processes &
honcho_pid=$!
wait "$honcho_pid"
