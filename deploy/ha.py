"""The high-availability stack on real engines, on loopback: what `make run-ha` runs and what the
fault tests (tests/ha/) kill pieces of.

- a Redis primary and replicas, each with its append-only file fsynced on every write and
  min-replicas-to-write, so that a primary cut off from its replicas refuses writes;
- three Redis Sentinels, which promote a replica when the primary dies (quorum 2);
- N gunicorn web nodes, which find the primary through the Sentinels;
- nginx in front as the load balancer and the edge (bench/nginx.conf);
- the Procfile's other processes (relay, confirmation and code workers, export, the waiting
  lists' sweep) once each.

Every file lives under one run folder. Processes run in the foreground as children: `supervise`
restarts any that dies (as systemd's Restart=always would), and `stop` ends them all.
"""

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bench.stack import ROOT, prepare_edge, procfile
from tests.processes import free_port, wait_for

MASTER_NAME = "vaksin"
# The Procfile's processes besides web and release, one of each.
WORKERS = ("relay", "worker", "codes", "export", "waitlist")
# How fast the Sentinels act on a dead primary: a second of silence, then a vote, and a vote
# that fails is tried again after twice the failover timeout. Production uses more
# (docs/deploy.md); on loopback nothing is slow without being dead.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


@dataclass
class Ports:
    redis: list[int]  # the first starts as the primary
    sentinels: list[int]
    web: list[int]
    edge: int

    @classmethod
    def free(cls, *, replicas: int = 2, web_nodes: int = 2) -> "Ports":
        return cls(
            redis=[free_port() for _ in range(replicas + 1)],
            sentinels=[free_port() for _ in range(3)],
            web=[free_port() for _ in range(web_nodes)],
            edge=free_port(),
        )

    @classmethod
    def from_base(
        cls, *, redis: int, sentinel: int, edge: int, replicas: int, web_nodes: int
    ) -> "Ports":
        """Consecutive ports from each base: the web nodes right after the edge's."""
        return cls(
            redis=[redis + i for i in range(replicas + 1)],
            sentinels=[sentinel + i for i in range(3)],
            web=[edge + 1 + i for i in range(web_nodes)],
            edge=edge,
        )


def redis_config(*, port: int, directory: Path, password: str, primary: int | None) -> str:
    lines = [
        "bind 127.0.0.1",
        f"port {port}",
        f"dir {directory}",
        # Every acknowledged write is on this node's disk before its reply (as in make run).
        "appendonly yes",
        "appendfsync always",
        'save ""',
        f"requirepass {password}",
        f"masterauth {password}",
        # A primary with no replica that answered within 10 s refuses writes: cut off from its
        # replicas (or left alone after a failover), it cannot acknowledge what a promotion
        # would lose. The booking's WAIT (REDIS_MIN_REPLICAS) is the per-write guarantee.
        "min-replicas-to-write 1",
        "min-replicas-max-lag 10",
        "hash-max-listpack-entries 512",
        "hash-max-listpack-value 256",
    ]
    if primary is not None:
        lines.append(f"replicaof 127.0.0.1 {primary}")
    return "\n".join(lines) + "\n"


def sentinel_config(*, port: int, directory: Path, password: str, primary: int) -> str:
    return "\n".join([
        "bind 127.0.0.1",
        f"port {port}",
        f"dir {directory}",
        f"requirepass {password}",
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary} 2",
        f"sentinel auth-pass {MASTER_NAME} {password}",
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER_NAME} 1",
    ]) + "\n"  # fmt: skip


@dataclass
class HaStack:
    run: Path
    ports: Ports
    password: str
    env: dict[str, str]  # the app's environment but Redis (DATABASE_URL, secrets, ...)
    min_replicas: int = 1
    web_workers: int = 2
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    # ---- where things are --------------------------------------------------------------------

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.ports.edge}"

    def web_url(self, node: int) -> str:
        return f"http://127.0.0.1:{self.ports.web[node]}"

    @property
    def redis_url(self) -> str:
        # With Sentinels only the password and the database count; the address is the first
        # primary's, for tools that do not speak Sentinel.
        return f"redis://:{self.password}@127.0.0.1:{self.ports.redis[0]}/0"

    def app_env(self, **overrides: str) -> dict[str, str]:
        env = dict(self.env)
        env.update({
            "REDIS_URL": self.redis_url,
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.ports.sentinels),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
            "REDIS_MIN_REPLICAS": str(self.min_replicas),
            "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
            "VIRTUAL_ENV": str(ROOT / ".venv"),
        })  # fmt: skip
        env.update(overrides)
        return env

    def sentinel(self) -> redis.Sentinel:
        return redis.Sentinel(
            [("127.0.0.1", port) for port in self.ports.sentinels],
            sentinel_kwargs={"password": self.password, "socket_timeout": 1},
            password=self.password,
            socket_timeout=2,
        )

    def primary_port(self) -> int | None:
        """The port of the primary that the Sentinels name now, or None."""
        try:
            return int(self.sentinel().discover_master(MASTER_NAME)[1])
        except redis.RedisError:
            return None

    def node(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, password=self.password, socket_timeout=5)

    # ---- processes ---------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        """Starts `name` in a session of its own (stopping it stops what it started)."""
        self.commands[name] = (args, env)
        log = (self.run / "log" / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def respawn(self, name: str) -> None:
        self.restarts[name] = self.restarts.get(name, 0) + 1
        args, env = self.commands[name]
        self.spawn(name, args, env)

    def start_redis(self) -> None:
        primary = self.ports.redis[0]
        for port in self.ports.redis:
            directory = self.run / f"redis-{port}"
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)
            config = directory / "redis.conf"
            # Kept across runs: Sentinel rewrites it when it changes the node's role.
            if not config.exists():
                config.write_text(redis_config(
                    port=port, directory=directory, password=self.password,
                    primary=None if port == primary else primary,
                ))  # fmt: skip
            self.spawn(f"redis-{port}", ["redis-server", str(config)])
        for port in self.ports.redis:
            self.wait_redis(port)

    def wait_redis(self, port: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if self.node(port).ping():
                    return
            except redis.BusyLoadingError:
                pass
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def start_sentinels(self) -> None:
        for port in self.ports.sentinels:
            config = self.run / f"sentinel-{port}.conf"
            if not config.exists():
                config.write_text(sentinel_config(
                    port=port, directory=self.run, password=self.password,
                    primary=self.ports.redis[0],
                ))  # fmt: skip
            self.spawn(f"sentinel-{port}", ["redis-server", str(config), "--sentinel"])
        deadline = time.monotonic() + 30
        while self.primary_port() is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the Sentinels name no primary; see the sentinel logs")
            time.sleep(0.2)

    def wait_replicated(self, seconds: float = 60) -> None:
        """Until every replica follows the primary and has caught up with it (writes are
        accepted, min-replicas-to-write), and every Sentinel knows every replica and the other
        Sentinels: one that has not yet seen a replica would leave it, after a failover,
        following the dead primary, and the new primary with no replica to accept writes."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            port = self.primary_port()
            try:
                if port and self._caught_up(port) and self._sentinels_know_everyone():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the replicas did not come online")

    def _sentinels_know_everyone(self) -> bool:
        for port in self.ports.sentinels:
            sentinel = redis.Redis(port=port, password=self.password, socket_timeout=2)
            replicas = [
                replica
                for replica in sentinel.sentinel_slaves(MASTER_NAME)
                # redis-py gives the flags as a set, or as the raw comma-separated string.
                if not {"s_down", "o_down", "disconnected"} & _flags(replica["flags"])
            ]
            others: list[dict[str, Any]] = sentinel.sentinel_sentinels(MASTER_NAME)  # type: ignore[assignment]
            if (
                len(replicas) < len(self.ports.redis) - 1
                or len(others) < len(self.ports.sentinels) - 1
            ):
                return False
        return True

    def _caught_up(self, primary: int) -> bool:
        info = self.node(primary).info("replication")
        offset = int(info["master_repl_offset"])
        replicas = [port for port in self.ports.redis if port != primary]
        # What min-replicas-to-write counts: replicas that acknowledged within the lag allowed.
        if int(info.get("min_slaves_good_slaves", len(replicas))) < len(replicas):
            return False
        for port in replicas:
            own = self.node(port).info("replication")
            if own.get("master_link_status") != "up" or own.get("master_sync_in_progress"):
                return False
            if int(own.get("slave_repl_offset", -1)) < offset:
                return False
        return True

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.app_env(), check=True
        )

    def start_web(self, node: int) -> None:
        port = self.ports.web[node]
        env = self.app_env(PORT=str(port), WEB_CONCURRENCY=str(self.web_workers))
        self.spawn(f"web-{node + 1}", shlex.split(procfile()["web"]), env)

    def start_webs(self) -> None:
        for node in range(len(self.ports.web)):
            self.start_web(node)
        for node in range(len(self.ports.web)):
            wait_for(f"{self.web_url(node)}/healthz", seconds=60,
                     process=self.processes[f"web-{node + 1}"])  # fmt: skip

    def start_workers(self, names: tuple[str, ...] = WORKERS) -> None:
        for name in names:
            self.spawn(name, ["sh", "-c", f"exec {procfile()[name]}"], self.app_env())

    def start_edge(self) -> None:
        edge = self.run / "edge"
        edge.mkdir(exist_ok=True)
        command = prepare_edge(run=edge, origin_ports=self.ports.web, edge_port=self.ports.edge)
        self.spawn("edge", command)
        wait_for(f"{self.edge}/healthz", process=self.processes["edge"])

    def start_stores(self) -> None:
        """Redis and the Sentinels, once every replica has caught up and is known."""
        self.start_redis()
        self.start_sentinels()
        self.wait_replicated()

    def start_front(self, *, workers: tuple[str, ...] = WORKERS) -> None:
        """The web nodes, the `workers` and the edge in front of the nodes."""
        self.start_webs()
        self.start_workers(workers)
        self.start_edge()

    def start(self, *, workers: tuple[str, ...] = WORKERS) -> None:
        (self.run / "log").mkdir(parents=True, exist_ok=True)
        self.start_stores()
        self.start_front(workers=workers)

    def kill(self, name: str) -> None:
        """kill -9 of a process and of everything in its session (an RQ work horse too)."""
        process = self.processes[name]
        tree = [process.pid]
        for pid in tree:
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):
                    tree.extend(int(child) for child in (task / "children").read_text().split())
        for pid in reversed(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    def diagnosis(self, lines: int = 15) -> str:
        """The primary's view of its replicas and the end of every Redis and Sentinel log, for
        a test that failed."""
        parts = []
        port = self.primary_port()
        if port:
            try:
                parts.append(f"primary {port}: {self.node(port).info('replication')}")
            except redis.RedisError as error:
                parts.append(f"primary {port}: {error}")
        for log in sorted((self.run / "log").glob("*.log")):
            if log.name.startswith(("redis", "sentinel")):
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    def supervise(self, should_stop: Callable[[], bool], *, say: Callable[[str], None]) -> None:
        """Restarts any process that exits, until should_stop()."""
        while not should_stop():
            for name, process in list(self.processes.items()):
                if process.poll() is not None:
                    say(f"{name} exited ({process.returncode}); restarting it")
                    self.respawn(name)
            time.sleep(0.5)

    def stop(self) -> None:
        # The front and the workers first, Redis once they are gone: a worker finishing its job
        # on the way out still has its store.
        stores = [n for n in self.processes if n.startswith(("redis", "sentinel"))]
        for group in ([n for n in self.processes if n not in stores], stores):
            for name in group:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.processes[name].pid, signal.SIGTERM)
            for name in group:
                process = self.processes[name]
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _flags(value: object) -> set[str]:
    return set(value.split(",")) if isinstance(value, str) else set(value or ())  # type: ignore[call-overload]


def main() -> None:
    """`make run-ha` (scripts/run-ha.sh): the stack under var/ha until Ctrl-C."""
    run = ROOT / "var" / "ha"
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
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
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
        stack.supervise(lambda: stopping, say=lambda line: print(line, flush=True))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
