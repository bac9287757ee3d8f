"""gunicorn settings for `web` in the Procfile, read from the environment.

HOST (default 127.0.0.1), PORT (default 8000) and WEB_CONCURRENCY (default 2 * cores + 1).
"""

import os
from typing import Any

from gunicorn import glogging


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SystemExit(f"{name} must be a positive whole number, not {raw!r}")
    return value


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_int_env('PORT', 8000)}"
# Cores this process may use, which in a container can be fewer than the machine has.
workers = _int_env("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"

# A request that takes 30 s is stuck (the booking path is one Redis round trip); recycle it.
timeout = 30
graceful_timeout = 20
keepalive = 5

# A CDN or load balancer in front logs requests; ours would cost a write per request at peak.
accesslog = None
errorlog = "-"


class QuietAccessLogger(glogging.Logger):
    """gunicorn builds each request's access-log fields (every header and environ variable)
    whenever a logging config is given, as ours is below, even with no access log to write:
    about 4% of a booking's time in the web process, sampled with bench/profile.py."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = QuietAccessLogger

# Workers touch a heartbeat file constantly; on a disk-backed /tmp that can stall them.
# Not a security concern (S108): the files hold no data.
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# gunicorn's control socket defaults to one path in the home folder, which two checkouts (or a
# test's gunicorn beside `make run`) would fight over; nothing here uses it.
control_socket_disable = True

# gunicorn's own lines (starting, a worker that timed out or died) as the same one-line JSON
# events as the application's (vaksin/logs.py, which imports nothing of Django's).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "vaksin.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}
