"""One origin and its edge, as `make bench` runs them: the Procfile's web process, its other
processes once each, and the nginx edge in front, every log in one run folder.

The stores are not started here: whoever builds the stack gives the environment that points its
processes at theirs.
"""

import shlex
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack.edge import prepare_edge
from devstack.processes import free_port, start_process, stop_process, wait_for
from devstack.starters import procfile, shell_exec


@dataclass
class Stack:
    run: Path
    # The environment of every process that is given none of its own.
    environment: Callable[[], dict[str, str]]
    web_workers: int = 4
    origin_port: int = field(default_factory=free_port)
    edge_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.origin_port}"

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}"

    def spawn(self, name: str, command: str, env: dict[str, str] | None = None) -> None:
        """`command` (a Procfile line) as `name`, logging to <run>/<name>.log."""
        self.processes[name] = start_process(
            shell_exec(command), env or self.environment(), self.run / f"{name}.log"
        )

    def start_web(self, name: str = "web", *, env: dict[str, str] | None = None) -> str:
        """The Procfile's web process on its own port, in `env` (the stack's environment
        unless given); returns its base URL once it answers. The one named "web" is the origin
        behind the edge."""
        port = self.origin_port if name == "web" else free_port()
        env = (env or self.environment()) | {
            "PORT": str(port),
            "WEB_CONCURRENCY": str(self.web_workers),
        }
        self.spawn(name, procfile()["web"], env)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process=self.processes[name])
        return base

    def start_workers(self) -> None:
        """Every Procfile process but web and release, once each."""
        for name, command in procfile().items():
            if name not in ("web", "release"):
                self.spawn(name, command)

    def start_edge(self) -> None:
        command = prepare_edge(
            run=self.run, origin_ports=[self.origin_port], edge_port=self.edge_port
        )
        self.spawn("edge", shlex.join(command))
        wait_for(f"{self.edge}/healthz", process=self.processes["edge"])

    def process_trees(self, redis_pid: int) -> dict[str, int]:
        """The root process of each kind that serves a booking, for bench/cpu.py."""
        return {
            "web": self.processes["web"].pid,
            "Redis": redis_pid,
            "relay": self.processes["relay"].pid,
            "worker": self.processes["worker"].pid,
        }

    def stop(self, *names: str) -> None:
        """The processes `names`, or every one."""
        for name in names or list(self.processes):
            if process := self.processes.pop(name, None):
                stop_process(process)


@contextmanager
def running_stack(run: Path, environment: Callable[[], dict[str, str]]) -> Iterator[Stack]:
    """A stack whose processes are all stopped on the way out, however it is left."""
    run.mkdir(parents=True, exist_ok=True)
    stack = Stack(run=run, environment=environment)
    try:
        yield stack
    finally:
        stack.stop()
