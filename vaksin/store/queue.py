"""The waiting room's tickets and admission: one script (lua/waiting_room/queue.lua) that
advances admission and reads or takes a phone's ticket in the same step (appending it to the
log of tickets), and the reads and operators' writes around it: the draw's commitment before
the opening, its seed at the opening."""

import hashlib
from collections.abc import Iterator
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
    commitment: str  # "" until operators commit to a seed
    head: str = ""  # the log's chain after the last ticket taken
    drawn_head: str = ""  # the chain as the opening froze it ("" before)
    revealed: bool = False  # the seed is revealed: the draw's places can be given
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
    reply = run_script(
        "waiting_room/queue",
        keys=[
            keys.QUEUE,
            keys.QUEUE_STEPS,
            keys.QUEUE_USED,
            bucket,
            keys.METRICS if counted else "",
            keys.QUEUE_LOG,
        ],
        args=[
            action,
            field,
            rules.opening_ms,
            rules.pass_ms,
            rules.rate,
            keys.bucketed_name(bucket, field) if phone else "",
            rules.auto_target,
            rules.auto_period_ms,
            value,
            "" if now_ms is None else now_ms,
        ],
    )
    ticket, position, through, rate, since, issued, drawn, commitment, mode = reply[:9]
    head, drawn_head, revealed = reply[9:]
    return QueueReading(
        through=int(through),
        rate=float(rate),
        mode=str(mode),
        issued=int(issued),
        drawn=int(drawn) if drawn != "" else None,
        commitment=str(commitment),
        head=str(head),
        drawn_head=str(drawn_head),
        revealed=bool(revealed),
        ticket=int(ticket) if ticket != "" else None,
        position=int(position) if position != "" else None,
        admitted_at_ms=int(since) if since != "" else None,
    )


def seed_commitment(seed: str) -> str:
    """What is published before the opening: the SHA-256 of the seed, in hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def queue_seed() -> str | None:
    """The draw's seed once operators have revealed it (never in Redis before)."""
    with answering():
        value = client().hget(keys.QUEUE, "seed")
    return str(value) if value else None


def queue_commit(commitment: str) -> bool:
    """Publishes the draw's commitment (the SHA-256 of a seed operators keep elsewhere); False
    when the room already has one (it is never replaced: people may have noted it)."""
    with answering():
        return bool(client().hsetnx(keys.QUEUE, "commitment", commitment))


def queue_reveal(seed: str) -> bool:
    """Stores the revealed seed, so that the script gives the draw's places; False when it is
    not the seed committed to (or none was). The caller checks that the opening has passed and
    that the draw is frozen (a step after the opening); the chain is advanced first, so that
    the draw's head is known."""
    with answering():
        committed = client().hget(keys.QUEUE, "commitment")
        if not committed or seed_commitment(seed) != committed:
            return False
    queue_chain_advance()  # the draw's key takes the chain at the drawn tickets
    with answering():
        client().hsetnx(keys.QUEUE, "seed", seed)
        return bool(client().hget(keys.QUEUE, "seed") == seed)


@dataclass(frozen=True)
class LogEntry:
    """One ticket as the log of tickets holds it."""

    ticket: int
    holder: str  # the phone's name ("<bucket hex>:<field>"), a keyed HMAC
    at_ms: int  # when it was taken, by the script's clock


GENESIS = "0" * 64


def chain_next(head: str, ticket: int, holder: str, at_ms: int) -> str:
    """The log's head once ticket `ticket` is appended after `head` (docs/waiting-room.md)."""
    return hashlib.sha256(f"{head}|{ticket}|{holder}|{at_ms}".encode()).hexdigest()


def queue_chain_advance(*, batch: int = 20_000, rounds: int = 50) -> int | None:
    """Advances the log's chain over the tickets taken since it last moved, `batch` at a time,
    at most `rounds` batches; returns how many tickets it covers, or None when another process
    is advancing it now. Hashing here rather than in the join script keeps a ticket's cost in
    Redis to an XADD at the noon rush; the head is a second behind at most (GET /api/queue
    calls this once a second)."""
    with answering():
        covered, issued, drawn, drawn_head = client().hmget(
            keys.QUEUE, ["head_ticket", "issued", "drawn", "drawn_head"]
        )
        if int(covered or 0) == int(issued or 0) and (drawn is None or drawn_head):
            return int(covered or 0)  # nothing to do: the usual case, one read
        if not client().set(keys.QUEUE_CHAIN_LOCK, "1", nx=True, px=10_000):
            return None
        try:
            for _ in range(rounds):
                head, covered = client().hmget(keys.QUEUE, ["head", "head_ticket"])
                head, covered = head or GENESIS, int(covered or 0)
                entries = client().xrange(
                    keys.QUEUE_LOG, min=f"({keys.entry_id(covered)}", max="+", count=batch
                )
                heads: list[str] = []
                for entry_id, values in entries:
                    head = chain_next(head, keys.entry_number(entry_id), values["holder"],
                                      int(values["at"]))  # fmt: skip
                    heads.append(head)
                to = keys.entry_number(entries[-1][0]) if entries else covered
                reply = run_script("waiting_room/chain", keys=[keys.QUEUE],
                                   args=[covered, to, heads[-1] if heads else head])  # fmt: skip
                if reply[0] == "split":  # stop at the drawn tickets first, then go on
                    at = int(reply[1])
                    args = [covered, at, heads[at - covered - 1]]
                    run_script("waiting_room/chain", keys=[keys.QUEUE], args=args)
                    continue
                if reply[0] == "ok" and len(entries) < batch:
                    return int(reply[1])
            return None
        finally:
            client().delete(keys.QUEUE_CHAIN_LOCK)


def queue_chain_state() -> tuple[str, int]:
    """The log's head as published now, and how many tickets it covers."""
    with answering():
        head, covered = client().hmget(keys.QUEUE, ["head", "head_ticket"])
    return head or GENESIS, int(covered or 0)


def queue_log(*, page: int = 10_000) -> Iterator[LogEntry]:
    """Every ticket in the log, in order. A full read, for `waiting_room_draw`, never for the
    request path."""
    after = "-"
    while True:
        with answering():
            entries = client().xrange(keys.QUEUE_LOG, min=after, max="+", count=page)
        for entry_id, values in entries:
            yield LogEntry(keys.entry_number(entry_id), values["holder"], int(values["at"]))
        if len(entries) < page:
            return
        after = f"({entries[-1][0]}"


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


@dataclass(frozen=True)
class QueueAdmission:
    """What the room's state holds about admission beyond a step's reply, for operators."""

    rate_kept: bool  # a rate is stored (set by hand or steered); else the configured one runs
    used: int  # passes used to book
    lapsed: int  # passes that ran out unused (each let one more ticket in)


def queue_admission_read() -> QueueAdmission:
    """Read after a step (queue_step(..., action="tick")), which brings `lapsed` up to date."""
    with answering():
        pipe = client().pipeline(transaction=False)
        pipe.hmget(keys.QUEUE, "rate", "lapsed")
        pipe.bitcount(keys.QUEUE_USED)
        (rate, lapsed), used = pipe.execute()
    return QueueAdmission(rate_kept=rate is not None, used=int(used), lapsed=int(lapsed or 0))
