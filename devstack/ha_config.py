"""The high-availability stack's ports, and the configuration of its Redis nodes and Sentinels:
every acknowledged write fsynced on its node, a primary cut off from its replicas refusing
writes, and Sentinels that promote a replica when the primary dies (quorum 2)."""

from dataclasses import dataclass
from pathlib import Path

from devstack.processes import free_port

MASTER_NAME = "vaksin"
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
