"""The high-availability stack on real engines, on loopback: what `make run-ha` (deploy/ha.py)
supervises, what bench/ha_capacity.py measures and what the fault tests (tests/ha/) kill pieces
of.

- a Redis primary and replicas, each with its append-only file fsynced on every write and
  min-replicas-to-write, so that a primary cut off from its replicas refuses writes;
- three Redis Sentinels, which promote a replica when the primary dies (quorum 2);
- N gunicorn web nodes, which find the primary through the Sentinels;
- nginx in front as the load balancer and the edge (deploy/nginx/edge.conf);
- the Procfile's other processes (the relay, which sends the one-time codes too, the
  confirmation workers, the export, the waiting lists' sweep) once each.

Every file lives under one run folder. Processes run in the foreground as children: `supervise`
restarts any that dies (as systemd's Restart=always would), and `stop` ends them all within
STOP_SECONDS. Each child gets SIGTERM from the kernel when the process that started it dies
(devstack/processes.py, parent_death_signal), so a supervisor killed with -9 leaves nothing
running; and each child's pid is kept in the run folder's pids/, so that the next start stops
whatever an earlier run left behind (stop_leftovers).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

import redis

from devstack.edge import prepare_edge
from devstack.environment import VENV, venv_path
from devstack.ha_config import (
    MASTER_NAME,
    OPERATOR_USER,
    REPLICA_USER,
    SENTINEL_USER,
    Ports,
    process_user,
    redis_auth,
    redis_config,
    sentinel_auth,
    sentinel_config,
    with_auth,
)
from devstack.processes import ROOT, kill_tree, start_process, stop_together, wait_for
from devstack.redis_users import user_url, users_rules
from devstack.starters import procfile_command

# The Procfile's processes besides web and release, one of each.
WORKERS = ("relay", "worker", "export", "waitlist")
# Each process's Redis user (deploy/redis/users.acl); manage.py's is admin.
PROCESS_USERS = {"web": "web", "relay": "relay", "worker": "workers", "export": "export",
                 "waitlist": "waitlist"}  # fmt: skip
# How long stop() gives the front and the workers, then the stores, before SIGKILL: together
# within the 10 s a supervisor (systemd's default is 90) or a person at Ctrl-C should wait.
FRONT_STOP_SECONDS, STORES_STOP_SECONDS = 6.0, 3.0


@dataclass
class HaStack:
    run: Path
    ports: Ports
    password: str  # OPERATOR_USER's; every other user gets one of its own (passwords)
    env: dict[str, str]  # the app's environment but Redis (DATABASE_URL, secrets, ...)
    min_replicas: int = 1
    web_workers: int = 2
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # New at every start of a stack: the nodes and Sentinels get them at every start too.
        users = [REPLICA_USER, SENTINEL_USER, *(process_user(name) for name in users_rules())]
        self.passwords = {user: token_hex(16) for user in users} | {OPERATOR_USER: self.password}

    # ---- where things are --------------------------------------------------------------------

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.ports.edge}"

    def web_url(self, node: int) -> str:
        return f"http://127.0.0.1:{self.ports.web[node]}"

    @property
    def redis_url(self) -> str:
        """The operator's URL. With Sentinels only the user, the password and the database
        count; the address is the first primary's, for tools that do not speak Sentinel."""
        return self.user_url(OPERATOR_USER)

    def user_url(self, user: str) -> str:
        return user_url(f"redis://127.0.0.1:{self.ports.redis[0]}/0", user, self.passwords[user])

    def app_env(self, process: str = "admin", **overrides: str) -> dict[str, str]:
        """The environment of a process of the app: its Redis user is `process`'s of users.acl
        (manage.py's is admin), on the primary and on the Sentinels."""
        env = dict(self.env)
        env.update({
            "REDIS_URL": self.user_url(process_user(process)),
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.ports.sentinels),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
            "REDIS_MIN_REPLICAS": str(self.min_replicas),
            "PATH": venv_path(env.get("PATH", "")),
            "VIRTUAL_ENV": str(VENV),
        })  # fmt: skip
        env.update(overrides)
        return env

    def sentinel(self) -> redis.Sentinel:
        return redis.Sentinel(
            [("127.0.0.1", port) for port in self.ports.sentinels],
            sentinel_kwargs={
                "username": OPERATOR_USER,
                "password": self.password,
                "socket_timeout": 1,
            },
            username=OPERATOR_USER,
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
        return redis.Redis(
            port=port, username=OPERATOR_USER, password=self.password, socket_timeout=5
        )

    # ---- processes ---------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        """Starts `name` in a session of its own (stopping it stops what it started)."""
        self.commands[name] = (args, env)
        process = start_process(
            args, env, self.run / "log" / f"{name}.log", append=True, dies_with_parent=True
        )
        self.processes[name] = process
        pids = self.run / "pids"
        pids.mkdir(exist_ok=True)
        (pids / f"{name}.pid").write_text(f"{process.pid} {process_started(process.pid)}\n")

    def stop_leftovers(self, seconds: float = STORES_STOP_SECONDS) -> list[str]:
        """Stops what an earlier run under this folder left running (see stop_leftovers)."""
        return stop_leftovers(self.run, seconds=seconds)

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
            # Kept across runs: Sentinel rewrites it when it changes the node's role. Its users
            # are this run's.
            if not config.exists():
                config.write_text(redis_config(
                    port=port, directory=directory, primary=None if port == primary else primary,
                ))  # fmt: skip
            auth = redis_auth(directory=directory, passwords=self.passwords)
            config.write_text(with_auth(config.read_text(), auth))
            config.chmod(0o600)
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
                config.write_text(
                    sentinel_config(port=port, directory=self.run, primary=self.ports.redis[0])
                )
            config.write_text(with_auth(config.read_text(), sentinel_auth(self.passwords)))
            config.chmod(0o600)
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
            sentinel = redis.Redis(
                port=port, username=OPERATOR_USER, password=self.password, socket_timeout=2
            )
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
        env = self.app_env("web", PORT=str(port), WEB_CONCURRENCY=str(self.web_workers))
        self.spawn(f"web-{node + 1}", procfile_command("web"), env)

    def start_webs(self) -> None:
        for node in range(len(self.ports.web)):
            self.start_web(node)
        for node in range(len(self.ports.web)):
            wait_for(f"{self.web_url(node)}/healthz", seconds=60,
                     process=self.processes[f"web-{node + 1}"])  # fmt: skip

    def start_workers(self, names: tuple[str, ...] = WORKERS) -> None:
        for name in names:
            self.spawn(name, procfile_command(name), self.app_env(PROCESS_USERS[name]))

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
        kill_tree(self.processes[name])

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
        front = [n for n in self.processes if n not in stores]
        for group, seconds in ((front, FRONT_STOP_SECONDS), (stores, STORES_STOP_SECONDS)):
            stop_together((self.processes[name] for name in group), seconds=seconds)
        for name in self.processes:
            with contextlib.suppress(FileNotFoundError):
                (self.run / "pids" / f"{name}.pid").unlink()


def stop_leftovers(run: Path, *, seconds: float = STORES_STOP_SECONDS) -> list[str]:
    """Stops every process an earlier run under `run` left running (a supervisor that died
    before its children could be told, and a child that outlived the kernel's SIGTERM);
    returns their names. A pid is only signalled while it is the same process (same start
    time), never one the system gave out again since."""
    found: dict[str, int] = {}
    for pidfile in sorted((run / "pids").glob("*.pid")):
        number, _, started = pidfile.read_text().strip().partition(" ")
        if started and process_started(int(number)) == started:
            found[pidfile.stem] = int(number)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(number), signal.SIGTERM)
        pidfile.unlink()
    deadline = time.monotonic() + seconds
    while any(process_started(pid) for pid in found.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in found.values():
        if process_started(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    return sorted(found)


def process_started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), or "" when there is none: with the
    pid, what names one process and never another that later gets the same pid. A zombie
    counts as gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] == "Z" else fields[19]


def _flags(value: object) -> set[str]:
    return set(value.split(",")) if isinstance(value, str) else set(value or ())  # type: ignore[call-overload]
