"""Confirmations' view of Redis: the booking log read as an outbox by the relay, and each
booking's send claim and send records, read and written by the confirmation jobs."""

from dataclasses import dataclass
from typing import cast

import redis
from django.conf import settings

from vaksin.store import keys, metrics
from vaksin.store.bookings import LogEntry, held_number
from vaksin.store.connection import NotReplicated, answering, client, run_script
from vaksin.store.slots import PublishedCentre

# The consumer group through which the relay reads the booking log; its pending list is what
# makes a relay killed between enqueue and acknowledgement re-send the batch instead of losing it.
OUTBOX_GROUP = "confirmations"
SENT_RETENTION_SECONDS = 60 * 60 * 24 * 60
CONFIRMATION_CHANNELS = ("sms", "email")

Entries = list[tuple[str, LogEntry]]


def outbox_group_create() -> None:
    """Creates the relay's consumer group from the start of the log, once; a no-op afterwards."""
    with answering():
        try:
            client().xgroup_create(keys.BOOKINGS, OUTBOX_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


def outbox_read(
    *, consumer: str, count: int, block_ms: int | None, pending: bool = False
) -> Entries:
    """New log entries for this consumer, waiting up to block_ms for some (None: not at all);
    with pending=True, the ones it read but never acknowledged.

    With REDIS_MIN_REPLICAS, only entries the replicas hold too: a booking whose WAIT timed
    out on the web node must get no confirmation before it is certain. The read and a WAIT go
    on one connection (XREADGROUP is a write, so the WAIT covers every entry it returned); if
    the replicas lag, NotReplicated leaves the entries pending, to be read again."""
    replicas = settings.REDIS_MIN_REPLICAS
    pipe = client().pipeline(transaction=False) if replicas else client()
    with answering():
        found = pipe.xreadgroup(
            OUTBOX_GROUP,
            consumer,
            {keys.BOOKINGS: "0" if pending else ">"},
            count=count,
            block=None if pending else block_ms,
        )
        if replicas:
            pipe.wait(replicas, settings.REDIS_WAIT_MS)
            found, acknowledged = pipe.execute()
            if found and acknowledged < replicas:
                raise NotReplicated(f"{acknowledged} of {replicas} replicas hold the entries")
    # A pending entry deleted since it was read (a purge, vaksin/store/purged.py) comes back
    # without fields: read as an entry of no kind, it is acknowledged and nothing is sent.
    return (
        [(entry, cast(LogEntry, dict(fields or {}))) for entry, fields in found[0][1]]
        if found
        else []
    )


def outbox_claim_idle(*, consumer: str, idle_ms: int, count: int) -> Entries:
    """Takes over entries another (dead) relay read but never acknowledged."""
    with answering():
        reply = client().xautoclaim(
            keys.BOOKINGS, OUTBOX_GROUP, consumer, idle_ms, "0-0", count=count
        )
    return [(entry, cast(LogEntry, dict(fields))) for entry, fields in reply[1] if fields]


def outbox_ack(entry_ids: list[str]) -> None:
    if entry_ids:
        with answering():
            client().xack(keys.BOOKINGS, OUTBOX_GROUP, *entry_ids)


def outbox_backlog() -> tuple[int, int]:
    """Entries not yet read by the relay (lag) and read but not acknowledged (pending). Before
    the relay first ran (no group yet), every entry is unread."""
    with answering():
        try:
            groups = client().xinfo_groups(keys.BOOKINGS)
        except redis.ResponseError:
            groups = []
        for group in groups:
            if group["name"] == OUTBOX_GROUP:
                return int(group.get("lag") or 0), int(group["pending"])
        return int(client().xlen(keys.BOOKINGS)), 0


def outbox_oldest_unrelayed() -> int | None:
    """The number of the oldest log entry the relay has not finished with (not read yet, or read
    and not acknowledged), or None when it is up to date."""
    pipe = client().pipeline(transaction=False)
    pipe.xinfo_groups(keys.BOOKINGS).xpending(keys.BOOKINGS, OUTBOX_GROUP)
    pipe.xrevrange(keys.BOOKINGS, "+", "-", count=1)
    with answering():
        try:
            groups, pending, last = pipe.execute()
        except redis.ResponseError:  # no log, or no group yet: nothing was ever relayed
            first = client().xrange(keys.BOOKINGS, "-", "+", count=1)
            return keys.entry_number(first[0][0]) if first else None
    found = []
    if pending and pending.get("pending"):
        found.append(keys.entry_number(pending["min"]))
    delivered = next(
        (group["last-delivered-id"] for group in groups if group["name"] == OUTBOX_GROUP), "0-0"
    )
    if last and keys.entry_number(last[0][0]) > keys.entry_number(delivered):
        found.append(keys.entry_number(delivered) + 1)
    return min(found) if found else None


def confirmation_batch_read(
    numbers: list[int],
) -> tuple[dict[int, LogEntry], dict[str, PublishedCentre]]:
    """The log entries of bookings `numbers` and the centres they name, in one round trip.

    A relay batch is a run of consecutive log entries, so one XRANGE over its span reads it; when
    the numbers are scattered (several relays, a batch taken over from a dead one), each entry
    is read on its own, still in the same round trip.
    """
    if not numbers:
        return {}, {}
    low, high = min(numbers), max(numbers)
    pipe = client().pipeline(transaction=False)
    if high - low < 4 * len(numbers):
        pipe.xrange(keys.BOOKINGS, keys.entry_id(low), keys.entry_id(high))
    else:
        for number in numbers:
            pipe.xrange(keys.BOOKINGS, keys.entry_id(number), keys.entry_id(number))
    pipe.hgetall(keys.CENTRES)
    with answering():
        *found, centres = pipe.execute()
    wanted = set(numbers)
    entries = {
        keys.entry_number(entry): cast(LogEntry, dict(fields))
        for reply in found
        for entry, fields in reply
        if keys.entry_number(entry) in wanted
    }
    # Only the batch's own centres are parsed: a batch names a few, the country has hundreds.
    named = {entry.get("location", "") for entry in entries.values()}
    return entries, {
        key: PublishedCentre.from_json(centres[key]) for key in named if key in centres
    }


@dataclass(frozen=True)
class SendState:
    claimed: bool  # this run now holds the claim on the booking's send
    sent: dict[str, str | None]  # per channel, when it was recorded as sent (ms), or None
    holder: int | None  # the booking the person holds now: another number means cancelled


def confirmation_batch_claim(
    bookings: list[tuple[int, str, str]], *, token: str, seconds: int
) -> list[SendState]:
    """For each (number, id_type, id_number): claims its send for `seconds` (unless another
    worker holds the claim), then reads its send records and the person's current booking.

    One round trip for the whole batch. Each booking's records are read after its claim is
    taken, so a worker that finished and freed the claim just before is seen as having sent.
    """
    if not bookings:
        return []
    names = [keys.person_keys(id_type, id_number) for _, id_type, id_number in bookings]
    script_keys: list[str] = []
    script_args: list[object] = [token, seconds, len(CONFIRMATION_CHANNELS), len(names[0])]
    for (number, _, _), person in zip(bookings, names, strict=True):
        script_keys += [keys.confirmation_claim_key(number), keys.sent_key(number)]
        script_keys += [bucket for bucket, _ in person]
        script_args += [keys.sent_field(number, channel) for channel in CONFIRMATION_CHANNELS]
        script_args += [field for _, field in person]
    replies = run_script("confirmations/claim_sends", keys=script_keys, args=script_args)
    channels = len(CONFIRMATION_CHANNELS)
    return [
        SendState(
            claimed=bool(reply[0]),
            sent=dict(zip(CONFIRMATION_CHANNELS, reply[1 : 1 + channels], strict=True)),
            holder=held_number(reply[1 + channels :]),
        )
        for reply in replies
    ]


def confirmation_batch_release(numbers: list[int], *, token: str) -> None:
    """Frees the claims this run holds on bookings `numbers` (a claim that lapsed and was taken by
    another worker is left alone), in one round trip."""
    if numbers:
        run_script(
            "confirmations/release_claims",
            keys=[keys.confirmation_claim_key(n) for n in numbers],
            args=[token],
        )


def confirmation_sent(number: int, channels: list[str]) -> dict[str, str | None]:
    """When each channel's message for booking `number` was recorded as sent (ms), or None."""
    with answering():
        values = client().hmget(
            keys.sent_key(number), [keys.sent_field(number, c) for c in channels]
        )
    return dict(zip(channels, values, strict=True))


@dataclass(frozen=True)
class SentRecord:
    """One message that went out: booking `number`'s on `channel`, at `at_ms`; `booked_at` (Unix
    seconds) gives operators its delay."""

    number: int
    channel: str
    at_ms: int
    booked_at: int


def confirmation_record_sent(records: list[SentRecord]) -> None:
    """Records messages as sent, and counts each for operators with its delay since its booking,
    in one round trip. A retry after a lost reply counts them twice, which operators can live
    with; the records themselves are idempotent."""
    if not records:
        return
    script_keys = [keys.METRICS]
    script_args: list[object] = [SENT_RETENTION_SECONDS, metrics.SERIES_KEEP_SECONDS]
    for record in records:
        delay = max(record.at_ms / 1000 - record.booked_at, 0.0)
        timed = record.channel == "sms"
        script_keys += [
            keys.sent_key(record.number),
            keys.series_key(metrics.series_bucket(record.at_ms / 1000)) if timed else "",
        ]
        script_args += [
            keys.sent_field(record.number, record.channel),
            record.at_ms,
            record.channel,
            metrics.bucket_bound(metrics.DELAY_BUCKETS, delay),
            repr(delay),
        ]
    run_script("confirmations/record_sent", keys=script_keys, args=script_args)
