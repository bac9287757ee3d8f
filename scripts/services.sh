#!/usr/bin/env bash
# A private Redis and PostgreSQL for this checkout, on loopback, with their data under ./var/.
#   scripts/services.sh start|stop|status|clean
#   scripts/services.sh redis-url [DB] [USER]   prints the private Redis's URL, password included:
#                                               the operator's (every command: tests, bench,
#                                               redis-cli), or USER's (deploy/redis/users.acl)
#   scripts/services.sh database-url [NAME]     prints the private PostgreSQL's URL, as the owner
#                                               of the database (not a superuser), password included
# REDIS_PORT (default 6391) and PG_PORT (default 5441) let two checkouts, or two sets of services
# in one checkout, run side by side: ports other than the defaults get their own data folders.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

REDIS_PORT=${REDIS_PORT:-6391}
PG_PORT=${PG_PORT:-5441}
var=$root/var
suffix() { [ "$1" = "$2" ] || echo "-$1"; }
redis_dir=$var/redis$(suffix "$REDIS_PORT" 6391)
redis_pidfile=$var/run/redis-$REDIS_PORT.pid
# Redis access is code execution in the workers (RQ imports what a job names), so even the
# private loopback Redis has a password: generated once, readable by this checkout's owner only.
# It is the operator's, vaksin-operator: every command, for the tests, the bench and redis-cli,
# never a process of the app. The default user is off (a Redis this script started before it
# turned it off keeps its default user, with this password, until its next start).
redis_password_file=$var/redis-$REDIS_PORT.password
redis_operator=vaksin-operator
redis_log=$var/log/redis-$REDIS_PORT.log
pg_link=$var/pg$(suffix "$PG_PORT" 5441)
pg_log=$var/log/pg-$PG_PORT.log
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# ---- Redis -----------------------------------------------------------------------------------

redis_pid() {
  local pid
  pid=$(cat "$redis_pidfile" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

redis_password() {
  if [ ! -s "$redis_password_file" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$redis_password_file")
  fi
  cat "$redis_password_file"
}

# As the operator, or as the default user on a Redis started before there was an operator.
redis_cli_as() { REDISCLI_AUTH=$(redis_password) redis-cli --user "$1" -h 127.0.0.1 -p "$REDIS_PORT" "${@:2}"; }
redis_admin=
redis_cli() {
  local user
  if [ -z "$redis_admin" ]; then
    for user in "$redis_operator" default; do
      if [ "$(redis_cli_as "$user" ping 2>/dev/null)" = PONG ]; then redis_admin=$user; break; fi
    done
  fi
  redis_cli_as "${redis_admin:-$redis_operator}" "$@"
}

# Each process connects as a user of its own with only what it needs (deploy/redis/users.acl,
# docs/operations.md "Redis users"), each with a password of its own beside the default one.
redis_user_password() {
  local file=$var/redis-$REDIS_PORT-$1.password
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

# Made at every start: Redis keeps its users in memory only. `read -a` splits the rules into
# words without expanding them (`~` alone is the empty key, not a home folder). The operator
# too, for a Redis started before there was one (its default user stays on until it restarts:
# turning it off under a running `make test` would cut it off).
redis_users() {
  local name rest rules
  redis_cli ACL SETUSER "$redis_operator" reset on ">$(redis_password)" '~*' '&*' +@all >/dev/null
  redis_admin=
  while read -r name rest; do
    case $name in '' | '#'*) continue ;; esac
    read -ra rules <<<"$rest"
    redis_cli ACL SETUSER "vaksin-$name" reset on ">$(redis_user_password "$name")" "${rules[@]}" \
      >/dev/null
  done <"$root/deploy/redis/users.acl"
}

redis_ping() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }

redis_running() { redis_pid >/dev/null && redis_ping; }

redis_start() {
  if redis_running; then
    echo "redis: already running on 127.0.0.1:$REDIS_PORT (pid $(redis_pid))"
    return
  fi
  if redis_ping || [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1)" = PONG ]; then
    echo "redis: port $REDIS_PORT is taken by another Redis; set REDIS_PORT" >&2
    return 1
  fi
  # The data holds names and ID numbers: the owner's alone.
  mkdir -p "$redis_dir"
  chmod 700 "$redis_dir"
  # Every acknowledged booking must survive kill -9: AOF with fsync on each write, no RDB
  # snapshots. The listpack limits keep the small booking hashes in their compact encoding.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$redis_dir" \
    --appendonly yes --appendfsync always --save "" \
    --daemonize yes --pidfile "$redis_pidfile" --logfile "$redis_log" \
    --hash-max-listpack-entries 512 --hash-max-listpack-value 256 \
    --user default off resetkeys resetchannels -@all \
    --user "$redis_operator" on "#$(redis_password | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
    '~*' '&*' +@all 9>&-
  for _ in $(seq 100); do
    if redis_running; then
      echo "redis: started on 127.0.0.1:$REDIS_PORT (pid $(redis_pid))"
      return
    fi
    sleep 0.1
  done
  echo "redis: did not answer PING within 10 s; see $redis_log" >&2
  return 1
}

redis_stop() {
  local pid
  if ! pid=$(redis_pid); then
    echo "redis: not running (port $REDIS_PORT)"
    return
  fi
  # SHUTDOWN flushes the AOF; the pid check above makes sure it is our Redis on that port.
  redis_cli shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { echo "redis: stopped (port $REDIS_PORT)"; return; }
    sleep 0.1
  done
  echo "redis: pid $pid did not stop within 10 s" >&2
  return 1
}

redis_status() {
  if redis_running; then
    echo "redis: running on 127.0.0.1:$REDIS_PORT (pid $(redis_pid))"
  else
    echo "redis: stopped (port $REDIS_PORT)"
    return 1
  fi
}

# ---- PostgreSQL ------------------------------------------------------------------------------

# PostgreSQL refuses to run as root, so root runs it as an unprivileged system user.
pg_user=
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=vaksin; fi
fi

as_pg() {
  # From / because the PostgreSQL user may not be allowed into the checkout (all paths are absolute).
  if [ -n "$pg_user" ]; then (cd / && runuser -u "$pg_user" -- "$@"); else "$@"; fi
}

pg_data() { readlink -f "$pg_link"; }

pg_pid() {
  local pid
  pid=$(head -1 "$(pg_data)/postmaster.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

pg_ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U vaksin -d postgres -t 1; }

pg_running() { pg_pid >/dev/null && pg_ready; }

# The cluster asks for a password (scram-sha-256), even on loopback: whoever else is on the
# machine must not read the bookings or the staff's password hashes. The app's role, vaksin,
# owns its database and may create databases (the tests make their own), and is no superuser;
# the superuser, postgres, has a password of its own that only this script uses. Both are
# generated once into ./var (0600). A cluster made before this trusts loopback and ignores them.
pg_password_file=$var/pg-$PG_PORT.password
pg_superuser_password_file=$var/pg-$PG_PORT.superuser.password
secret_in() {
  if [ ! -s "$1" ]; then
    (umask 077 && mkdir -p "$var" && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
  fi
  cat "$1"
}
pg_password() { secret_in "$pg_password_file"; }

psql_vaksin() {
  PGPASSWORD=$(pg_password) "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U vaksin "$@"
}

# A new cluster's first start: the app's role, from the superuser (psql's :'pw' quotes it, and
# keeps it out of every command line).
pg_app_role() {
  PGPASSWORD=$(secret_in "$pg_superuser_password_file") "$pg_bin/psql" -X -q -h 127.0.0.1 \
    -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -v pw="$(pg_password)" \
    <<<"create role vaksin login createdb password :'pw';" >/dev/null
}

# Creates var/pg (once) where the PostgreSQL user can reach it, and initialises the cluster.
pg_prepare() {
  if [ -n "$pg_user" ] && ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pg_user"
  fi
  if [ ! -e "$pg_link" ]; then
    rm -f "$pg_link" # a link left dangling by a wiped /tmp
    if [ -n "$pg_user" ] && ! runuser -u "$pg_user" -- test -x "$var"; then
      # The checkout sits under a folder the unprivileged user cannot enter (e.g. /root).
      local tmp
      tmp=/tmp/vaksin-pg-$(printf '%s' "$pg_link" | sha256sum | cut -c1-12)
      mkdir -p "$tmp/data"
      chown "$pg_user": "$tmp" "$tmp/data"
      chmod 700 "$tmp"
      ln -s "$tmp/data" "$pg_link"
      echo "postgres: $pg_user cannot enter $var, so the cluster lives in $tmp (${pg_link#"$root"/} links to it)"
    else
      mkdir -p "$pg_link"
    fi
  fi
  local data
  data=$(pg_data)
  if [ -n "$pg_user" ] && [ "$(stat -c %U "$data")" != "$pg_user" ]; then
    chown -R "$pg_user": "$data"
  fi
  chmod 700 "$data"
  if [ ! -s "$data/PG_VERSION" ]; then
    local locale=--no-locale
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=--locale=C.UTF-8; fi
    # The superuser's password for initdb in a file of its own that the PostgreSQL user can
    # read (it may not enter ./var), gone once read.
    local pwfile
    pwfile=$(mktemp)
    secret_in "$pg_superuser_password_file" >"$pwfile"
    if [ -n "$pg_user" ]; then chown "$pg_user" "$pwfile"; fi
    as_pg "$pg_bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
      -E UTF8 "$locale" >"$var/log/initdb-$PG_PORT.log" 2>&1 \
      || { rm -f "$pwfile"; echo "postgres: initdb failed; see $var/log/initdb-$PG_PORT.log" >&2; return 1; }
    rm -f "$pwfile"
    pg_new=1
  fi
}

pg_start() {
  if pg_running; then
    echo "postgres: already running on 127.0.0.1:$PG_PORT (pid $(pg_pid))"
    return
  fi
  if pg_ready; then
    echo "postgres: port $PG_PORT is taken by another server; set PG_PORT" >&2
    return 1
  fi
  pg_prepare
  local data log
  data=$(pg_data)
  # The log sits beside the data when the data had to move out of the checkout. It is opened
  # here and handed to the server as its output (not pg_ctl -l, which opens it as the
  # PostgreSQL user): var/log is 0700, as the SMS log beside it names phones, and only the
  # checkout's user may enter it.
  log=$pg_log
  if [ -L "$pg_link" ]; then log=$(dirname "$data")/postgresql.log; fi
  touch "$log"
  chmod 600 "$log"
  if [ -n "$pg_user" ]; then chown "$pg_user": "$log"; fi
  # After a kill -9 of the postmaster its orphaned backends hold the data folder for a moment,
  # so a failed start is retried a few times.
  local try
  for try in 1 2 3 4 5; do
    if as_pg "$pg_bin/pg_ctl" -D "$data" -w -t 60 -s \
      -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='' -c fsync=on" \
      start 9>&- >>"$log" 2>/dev/null; then
      break
    fi
    if [ "$try" = 5 ]; then
      echo "postgres: did not start; see $log" >&2
      return 1
    fi
    sleep 1
  done
  if [ -n "${pg_new:-}" ]; then pg_app_role; fi
  if [ -z "$(psql_vaksin -d postgres -tAc "select 1 from pg_database where datname = 'vaksin'")" ]; then
    psql_vaksin -d postgres -c "create database vaksin owner vaksin"
  fi
  echo "postgres: started on 127.0.0.1:$PG_PORT (pid $(pg_pid))"
}

pg_stop() {
  if ! pg_pid >/dev/null; then
    echo "postgres: not running (port $PG_PORT)"
    return
  fi
  as_pg "$pg_bin/pg_ctl" -D "$(pg_data)" -m fast -w -t 60 -s stop
  echo "postgres: stopped (port $PG_PORT)"
}

pg_status() {
  if pg_running; then
    echo "postgres: running on 127.0.0.1:$PG_PORT (pid $(pg_pid))"
  else
    echo "postgres: stopped (port $PG_PORT)"
    return 1
  fi
}

# ---- commands --------------------------------------------------------------------------------

if [ -z "$pg_bin" ]; then
  echo "postgres: no binaries under /usr/lib/postgresql/*/bin; run scripts/bootstrap.sh" >&2
  exit 1
fi
command -v redis-server >/dev/null || { echo "redis: redis-server not found; run scripts/bootstrap.sh" >&2; exit 1; }

mkdir -p "$var/log" "$var/run"
chmod 700 "$var/log" # the file SMS backend's log names phones (vaksin/private_files.py)
# One start/stop at a time per set of ports (make run and make test may race). The servers must
# not inherit this descriptor (9>&- above), or they would hold the lock for their whole life.
exec 9>"$var/run/services-$REDIS_PORT-$PG_PORT.lock"
flock 9

case "${1:-}" in
  start) redis_start && redis_users && pg_start ;;
  redis-url)
    if [ -n "${3:-}" ]; then
      echo "redis://vaksin-$3:$(redis_user_password "$3")@127.0.0.1:$REDIS_PORT/${2:-0}"
    else
      echo "redis://$redis_operator:$(redis_password)@127.0.0.1:$REDIS_PORT/${2:-0}"
    fi
    ;;
  database-url) echo "postgres://vaksin:$(pg_password)@127.0.0.1:$PG_PORT/${2:-vaksin}" ;;
  stop)
    rc=0
    redis_stop || rc=1
    pg_stop || rc=1
    exit $rc
    ;;
  status)
    # Exit status 3 (as LSB init scripts do) when either service is down.
    rc=0
    redis_status || rc=3
    pg_status || rc=3
    exit $rc
    ;;
  clean)
    redis_stop
    pg_stop
    # Remove clusters that had to live under /tmp along with the links to them.
    for link in "$var"/pg*; do
      case "$(readlink "$link")" in
        /tmp/vaksin-pg-*/data) rm -rf "$(dirname "$(readlink "$link")")" ;;
      esac
    done
    rm -rf "$var"
    echo "removed $var"
    ;;
  *)
    echo "usage: scripts/services.sh start|stop|status|clean|redis-url [DB] [USER]|database-url [NAME]" >&2
    exit 2
    ;;
esac
