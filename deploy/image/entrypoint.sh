#!/bin/sh
# The image's entrypoint (Containerfile). The first argument names the process and the Procfile
# says what it runs, so the image, `make run` and a platform reading the Procfile run the same
# commands:
#   web (the default), relay, worker, export, waitlist          the Procfile's line
#   migrate (or release)                                        the Procfile's release line
#   healthcheck                                                 the HEALTHCHECK (below)
#   anything else                                               manage.py with those arguments
# Arguments after a process name are added to its command (web --workers 4). The systemd
# units of deploy/systemd/ run it too, from the install folder.
set -eu
# The application's folder, two above this script: /opt/vaksin in the image and on a VM.
cd "$(dirname "$0")/../.."

# One stream: Python's logging and gunicorn write their JSON lines to stderr, and some
# platforms take every stderr line for an error; stdout keeps them in order and at their level.
exec 2>&1

process=${1:-web}
[ $# -eq 0 ] || shift
case "$process" in
  web | relay | worker | export | waitlist) ;;
  migrate | release) process=release ;;
  healthcheck)
    # The HEALTHCHECK, and the web's readiness probe on Kubernetes. Only gunicorn listens: a
    # worker is healthy while it runs (its platform restarts it when it exits). The web is
    # healthy when /healthz answers and Redis, the booking path, is up; PostgreSQL being down
    # (a failover) stops the staff pages and the export, not the public, so it is only shown.
    # Host: localhost, which DJANGO_ALLOWED_HOSTS must keep for the probes.
    exec python - <<'PY'
import json
import os
import sys
import urllib.error
import urllib.request


def running(word):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if word in cmdline.read():
                    return True
        except OSError:
            pass
    return False


if running(b"gunicorn"):
    url = f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}/healthz"
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=4) as answer:
            body = answer.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    except OSError as error:
        sys.exit(f"healthcheck: {url}: {error}")
    print(body.decode(errors="replace"))
    try:
        sys.exit(0 if json.loads(body).get("redis") == "ok" else 1)
    except ValueError:
        sys.exit(1)
PY
    ;;
  *) exec python manage.py "$process" "$@" ;;
esac

command=$(sed -n "s/^$process:[[:space:]]*//p" Procfile)
# Names the process to the settings, which then take its own Redis user's URL from
# REDIS_URL_<PROCESS> when one is set (deploy/redis/users.acl).
export VAKSIN_PROCESS=$process
if [ -z "$command" ]; then
  echo "entrypoint: the Procfile has no $process process" >&2
  exit 1
fi
# The Procfile's line is plain words (no quotes, no patterns): split, never expanded.
set -f
# shellcheck disable=SC2086
exec $command "$@"
