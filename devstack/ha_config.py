"""The high-availability stack's ports, and the configuration of its Redis nodes and Sentinels:
every acknowledged write fsynced on its node, a primary cut off from its replicas refusing
writes, and Sentinels that promote a replica when the primary dies (quorum 2).

Nobody is the default user (it is off on the nodes and on the Sentinels): each process of the
app connects as its own user of deploy/redis/users.acl, and asks the Sentinels where the primary
is as that same user, allowed only the questions that finds it; the replicas follow their primary
as REPLICA_USER, the Sentinels watch the nodes and talk to each other as SENTINEL_USER, and the
stack's own checks (and an operator's redis-cli) are OPERATOR_USER."""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import free_port
from devstack.redis_users import users_rules

MASTER_NAME = "vaksin"
# How fast the Sentinels act on a dead primary: a second of silence, then a vote, and a vote
# that fails is tried again after twice the failover timeout. Production uses more
# (docs/deploy.md); on loopback nothing is slow without being dead.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000

# Every command, as the default user had: the stack's own checks, the tests and redis-cli.
OPERATOR_USER = "vaksin-operator"
REPLICA_USER = "vaksin-replica"
SENTINEL_USER = "vaksin-sentinel"
# What each needs, from Redis's documentation of replication and Sentinel with ACLs.
REPLICA_RULES = "-@all +psync +replconf +ping"
# On a node: watch it (INFO, PING, the hello channel) and, in a failover, turn it into a primary
# or a replica and rewrite its configuration, ending the clients of the old role.
SENTINEL_ON_NODE_RULES = (
    "resetchannels &__sentinel__:* -@all +ping +info +role +multi +exec +slaveof +replicaof "
    "+config|rewrite +client|setname +client|kill +script|kill +publish +subscribe"
)
# On another Sentinel: its hellos, its pings and its vote on whether the primary is down.
SENTINEL_ON_SENTINEL_RULES = (
    "resetchannels &__sentinel__:* -@all +ping +publish +client|setname "
    "+sentinel|is-master-down-by-addr"
)
# A process's user on the Sentinels: where the primary (and its replicas) are, nothing else.
CLIENT_ON_SENTINEL_RULES = (
    "-@all +ping +hello +client|setname +sentinel|masters +sentinel|master "
    "+sentinel|get-master-addr-by-name +sentinel|slaves +sentinel|replicas +sentinel|sentinels"
)
# The lines of a configuration that say who may connect and as whom; rewritten at every start
# (the rest of a node's configuration is kept: Sentinel rewrites it when it changes its role).
AUTH_LINE = re.compile(
    r"^(requirepass|masteruser|masterauth|aclfile|user|sentinel (auth-pass|auth-user|"
    r"sentinel-user|sentinel-pass)) "
)


def process_user(name: str) -> str:
    """The Redis user of process `name` of users.acl (web, relay, workers, ...)."""
    return f"vaksin-{name}"


def acl_line(user: str, password: str, rules: str) -> str:
    # Only the password's SHA-256 in the file, as Redis itself writes them back.
    digest = hashlib.sha256(password.encode()).hexdigest()
    return f"user {user} on #{digest} {rules}"


def node_users(passwords: dict[str, str]) -> str:
    """The ACL file of every node: `passwords` by user (OPERATOR_USER, REPLICA_USER,
    SENTINEL_USER and each process's, process_user(name))."""
    lines = [
        "user default off resetkeys resetchannels -@all",
        acl_line(OPERATOR_USER, passwords[OPERATOR_USER], "~* &* +@all"),
        acl_line(REPLICA_USER, passwords[REPLICA_USER], REPLICA_RULES),
        acl_line(SENTINEL_USER, passwords[SENTINEL_USER], SENTINEL_ON_NODE_RULES),
    ]
    for name, rules in users_rules().items():
        lines.append(acl_line(process_user(name), passwords[process_user(name)], " ".join(rules)))
    return "\n".join(lines) + "\n"


def sentinel_users(passwords: dict[str, str]) -> list[str]:
    """The user lines of every Sentinel's configuration."""
    lines = [
        "user default off resetkeys resetchannels -@all",
        acl_line(OPERATOR_USER, passwords[OPERATOR_USER], "~* &* +@all"),
        acl_line(SENTINEL_USER, passwords[SENTINEL_USER], SENTINEL_ON_SENTINEL_RULES),
    ]
    for name in users_rules():
        lines.append(
            acl_line(process_user(name), passwords[process_user(name)], CLIENT_ON_SENTINEL_RULES)
        )
    return lines


def with_auth(config: str, auth: list[str]) -> str:
    """`config` with its lines of AUTH_LINE replaced by `auth`: a configuration an earlier run
    wrote (with the default user's password) gets this run's users."""
    kept = [line for line in config.splitlines() if not AUTH_LINE.match(line)]
    return "\n".join([*kept, *auth]) + "\n"


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


def redis_auth(*, directory: Path, passwords: dict[str, str]) -> list[str]:
    """A node's lines of AUTH_LINE: its users from its ACL file (written here, beside it), and
    how it follows a primary when it is a replica."""
    acl = directory / "users.acl"
    acl.write_text(node_users(passwords))
    acl.chmod(0o600)
    return [
        f"aclfile {acl}",
        f"masteruser {REPLICA_USER}",
        f"masterauth {passwords[REPLICA_USER]}",
    ]


def redis_config(*, port: int, directory: Path, primary: int | None) -> str:
    """A node's configuration but its users (redis_auth)."""
    lines = [
        "bind 127.0.0.1",
        f"port {port}",
        f"dir {directory}",
        # Every acknowledged write is on this node's disk before its reply (as in make run).
        "appendonly yes",
        "appendfsync always",
        'save ""',
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


def sentinel_auth(passwords: dict[str, str]) -> list[str]:
    """A Sentinel's lines of AUTH_LINE: its users, and who it is on the nodes and on the other
    Sentinels. After `sentinel monitor`, which they name."""
    return [
        *sentinel_users(passwords),
        f"sentinel auth-user {MASTER_NAME} {SENTINEL_USER}",
        f"sentinel auth-pass {MASTER_NAME} {passwords[SENTINEL_USER]}",
        f"sentinel sentinel-user {SENTINEL_USER}",
        f"sentinel sentinel-pass {passwords[SENTINEL_USER]}",
    ]


def sentinel_config(*, port: int, directory: Path, primary: int) -> str:
    """A Sentinel's configuration but its users (sentinel_auth)."""
    return "\n".join([
        "bind 127.0.0.1",
        f"port {port}",
        f"dir {directory}",
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary} 2",
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER_NAME} 1",
    ]) + "\n"  # fmt: skip
