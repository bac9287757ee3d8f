"""The nginx edge in front of the web processes (deploy/nginx/edge.conf): the CDN of `make bench`
and the load balancer of `make run-ha`, with every file it writes in one run folder."""

import grp
import os
import pwd
import subprocess
from pathlib import Path

from devstack.processes import ROOT

CONFIG = ROOT / "deploy" / "nginx" / "edge.conf"
LOGS = ("origin-hits.log", "queue-origin-hits.log", "nginx-error.log")


def nginx_user() -> str:
    """The `user` line of the edge's nginx.conf.

    Started as root, nginx runs its workers as `nobody`, who cannot enter a checkout under a
    private folder (a 0700 temporary folder, a home folder): every cache write failed and
    every edge request went to the origin. Running the workers as the user who started the
    stack lets them write wherever the stack itself writes, from any checkout location, and
    keeps all of nginx's files in the run folder rather than in a system-wide one that
    `nobody` could write. Not started as root, nginx cannot change user, and its workers are
    already the stack's user."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"


def edge_config(*, run: Path, origin_ports: list[int], edge_port: int) -> str:
    """deploy/nginx/edge.conf with its placeholders filled in: the edge in front of every
    origin."""
    config = CONFIG.read_text()
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in origin_ports
    )
    values = {
        "run": str(run),
        "origin_servers": servers,
        "edge_port": str(edge_port),
        "user": nginx_user(),
    }
    for key, value in values.items():
        config = config.replace("{" + key + "}", value)
    return config


def prepare_edge(*, run: Path, origin_ports: list[int], edge_port: int) -> list[str]:
    """Writes the edge's nginx.conf into `run`, with fresh logs; returns the command to run it."""
    (run / "nginx.conf").write_text(
        edge_config(run=run, origin_ports=origin_ports, edge_port=edge_port)
    )
    (run / "nginx-temp").mkdir(exist_ok=True)
    for log in LOGS:
        (run / log).unlink(missing_ok=True)
    command = ["nginx", "-c", str(run / "nginx.conf")]
    # nginx opens its compiled-in error log before it reads the config; -e (nginx 1.19.5 and
    # later) points that one at the run folder too.
    usage = subprocess.run(["nginx", "-h"], capture_output=True, text=True, check=False).stderr
    if "-e filename" in usage:
        command[1:1] = ["-e", str(run / "nginx-error.log")]
    return command


def edge_log_problems(run: Path) -> list[str]:
    """Lines of the edge's error log at level error or worse (a cache it cannot write, say)."""
    log = run / "nginx-error.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    levels = ("[error]", "[crit]", "[alert]", "[emerg]")
    return [line for line in lines if any(level in line for level in levels)]
