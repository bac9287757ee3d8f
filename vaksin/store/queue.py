"""The waiting room's tickets and admission: one script (lua/waiting_room/queue.lua) that
advances admission and reads or takes a phone's ticket in the same step, and the reads around
it."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from vaksin.store import keys
from vaksin.store.connection import answering, client, run_script

Action = Literal["join", "status", "tick", "rate", "mode"]


@dataclass(frozen=True)
class QueueRules:
    """What the script needs to know of the configuration, in milliseconds."""

    opening_ms: int  # when admission starts and the draw's ticket count is frozen
    pass_ms: int  # how long an admitted ticket may book
    rate: float  # admissions a second until operators set another
    auto_target: float  # the automatic mode's booking rate, bookings a second
    auto_period_ms: int = 5000


@dataclass(frozen=True)
class QueueReading:
    """The room as one step of the script left it, and the phone's ticket when asked for."""

    through: int  # admitted through this position
    rate: float
    mode: str  # "set" or "auto"
    issued: int  # tickets taken
    drawn: int | None  # tickets taken before the opening (None before the opening)
    commitment: str
    ticket: int | None = None
    position: int | None = None  # None until the draw gives one
    admitted_at_ms: int | None = None  # when the ticket's turn came


def queue_step(
    rules: QueueRules,
    *,
    action: Action,
    phone: str = "",
    value: str = "",
    counted: bool = True,
    now_ms: int | None = None,
) -> QueueReading:
    """One step of the waiting room: advances admission, then does `action`. `now_ms` stands
    for Redis's clock (tests move time with it instead of sleeping)."""
    bucket, field = keys.ticket_key(phone) if phone else ("", "")
    seed = secrets.token_hex(32)
    reply = run_script(
        "waiting_room/queue",
        keys=[
            keys.QUEUE,
            keys.QUEUE_STEPS,
            keys.QUEUE_USED,
            bucket,
            keys.METRICS if counted else "",
        ],
        args=[
            action,
            field,
            rules.opening_ms,
            rules.pass_ms,
            rules.rate,
            seed,
            seed_commitment(seed),
            rules.auto_target,
            rules.auto_period_ms,
            value,
            "" if now_ms is None else now_ms,
        ],
    )
    ticket, position, through, rate, since, issued, drawn, commitment, mode = reply
    return QueueReading(
        through=int(through),
        rate=float(rate),
        mode=str(mode),
        issued=int(issued),
        drawn=int(drawn) if drawn != "" else None,
        commitment=str(commitment),
        ticket=int(ticket) if ticket != "" else None,
        position=int(position) if position != "" else None,
        admitted_at_ms=int(since) if since != "" else None,
    )


def seed_commitment(seed: str) -> str:
    """What is published before the opening: the SHA-256 of the seed, in hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def queue_seed() -> str | None:
    """The draw's seed: secret until the opening (the caller decides when to reveal it)."""
    with answering():
        value = client().hget(keys.QUEUE, "seed")
    return str(value) if value else None


def queue_records() -> dict[str, tuple[int, int | None]]:
    """Every phone's ticket as "<bucket hex>:<field>" -> (ticket, position). A full scan, for
    `waiting_room_draw --verify`, never for the request path."""
    found: dict[str, tuple[int, int | None]] = {}
    with answering():
        for bucket in client().scan_iter(match=keys.QUEUE_TICKETS_PATTERN, count=1000):
            for field, record in client().hgetall(bucket).items():
                ticket, _, position = record.partition(":")
                found[keys.bucketed_name(bucket, field)] = (
                    int(ticket),
                    int(position) if position else None,
                )
    return found
