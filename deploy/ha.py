"""`make run-ha` (scripts/run-ha.sh): the high-availability stack of devstack/ha.py under var/ha,
supervised in the foreground until Ctrl-C: a Redis primary with replicas, three Sentinels, the
web nodes behind the nginx edge (deploy/nginx/edge.conf), the relay and the workers. Any
process that dies is started again, as systemd's Restart=always would.

SIGTERM or Ctrl-C (SIGINT) stops every process it started, the stores last, within 10 s,
whatever it was doing (starting the stores, migrating, supervising). A SIGKILL of this process
leaves nothing running either: each child gets SIGTERM from the kernel when it dies, and the
next start stops anything an earlier run left under the same folder.
"""

import os
import signal
import sys
from pathlib import Path

from devstack.ha import HaStack, stop_leftovers
from devstack.ha_config import Ports
from devstack.processes import ROOT


class Stopping(BaseException):
    """SIGTERM or SIGINT arrived: whatever runs stops, and the stack with it."""


def main() -> None:
    """`make run-ha` (scripts/run-ha.sh): the stack under var/ha (HA_RUN) until Ctrl-C.
    `--stop` (make stop): only stops what an earlier run left running there."""
    run = Path(os.environ.get("HA_RUN") or ROOT / "var" / "ha")
    if sys.argv[1:] == ["--stop"]:
        if left := stop_leftovers(run):
            print(f"run-ha: stopped what an earlier run left running: {', '.join(left)}")
        return
    (run / "log").mkdir(parents=True, exist_ok=True)
    password_file = run / "redis.password"
    if not password_file.exists():
        password_file.write_text(os.urandom(24).hex())
        password_file.chmod(0o600)
    ports = Ports.from_base(
        redis=int(os.environ.get("HA_REDIS_PORT", "6392")),
        sentinel=int(os.environ.get("HA_SENTINEL_PORT", "26392")),
        edge=int(os.environ.get("PORT", "8000")),
        replicas=int(os.environ.get("HA_REPLICAS", "2")),
        web_nodes=int(os.environ.get("HA_WEB_NODES", "2")),
    )
    env = dict(os.environ)
    env.setdefault("DJANGO_SECURE_COOKIES", "0")
    # nginx sets X-Forwarded-For to the client's address: per-address limits count clients.
    env.setdefault("TRUSTED_PROXY_HEADER", "X-Forwarded-For")
    env.setdefault("TRUSTED_PROXIES", "127.0.0.1/32")
    stack = HaStack(
        run=run,
        ports=ports,
        password=password_file.read_text().strip(),
        env=env,
        web_workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
    )

    def stop(signum: int, frame: object) -> None:
        # Once: a second Ctrl-C must not cut the stop itself short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stopping

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if left := stack.stop_leftovers():
            print(f"Stopped what an earlier run left running: {', '.join(left)}", flush=True)
        stack.start_stores()
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput", "--verbosity", "0")
        stack.manage("seed_slots", "--demo", "--if-empty")
        stack.start_front()
        print(
            f"Vaksin (high availability) is running at {stack.edge}/ (Ctrl-C stops it)\n"
            f"  Redis primary 127.0.0.1:{ports.redis[0]}, replicas "
            f"{', '.join(str(p) for p in ports.redis[1:])}; Sentinels "
            f"{', '.join(str(p) for p in ports.sentinels)}; web nodes "
            f"{', '.join(str(p) for p in ports.web)}; logs in var/ha/log/",
            flush=True,
        )
        stack.supervise(lambda: False, say=lambda line: print(line, flush=True))
    except Stopping:
        print("Stopping...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    main()
