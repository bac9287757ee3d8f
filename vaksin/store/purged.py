"""What is left of a booking once its personal data is purged, and the purge script.

A stream entry cannot be edited, so a purge deletes the booking's entry (XDEL) and keeps a compact
record in its place, in a bucket hash by booking number: the slot, the arrival window, the second
dose's date and window when it has one, the language, when it was booked and purged, and the keyed
HMAC names of its person and phone (not personal data, the same names the person and phone buckets
already hold), so that the counters can still be checked against it. Readers of the booking log
(vaksin/store/bookings.py, lookup.py) read a purged booking as a "booked" entry with empty personal
fields and a `purged_at` field; see docs/redis.md. A waiting-list offer's entry (it names the
waiter's phone) is purged the same way once its list is over, and reads back as an offer without the
phone; a cancellation's (a move writes one too: it names the phone the confirmation went to) once
the booking it cancelled is past retention, and reads back as a cancellation without the phone.
"""

import json
from dataclasses import dataclass
from typing import cast

from vaksin.store import keys
from vaksin.store.connection import answering, client, run_script
from vaksin.store.entries import LogEntry

# The personal fields of a booking entry: what a purge removes.
PERSONAL_FIELDS = ("id_type", "id_number", "name", "phone", "email")
# The fields a purged booking keeps, as they were in its entry.
KEPT_FIELDS = ("location", "date", "window", "lang", "at")
# The second dose's date and window (a booking of two doses, and a cancellation of one, which
# names the date): kept when the entry has them, so a one-dose booking's record is as it was.
SECOND_DOSE_FIELDS = ("date2", "window2")
# And those a purged waiting-list offer keeps besides (the waiter is the phone's keyed name).
OFFER_KEPT_FIELDS = ("waiter", "until")
# And those a purged cancellation keeps besides: which booking, by whom, why, what replaced it.
CANCEL_KEPT_FIELDS = ("booking", "by", "reason", "moved_to")


@dataclass(frozen=True)
class PurgeItem:
    """One booking to purge: its number, and its compact record (from purge_record)."""

    number: int
    record: str


def purge_record(entry: LogEntry, *, persons: list[str], phones: list[str], purged_at: int) -> str:
    """The compact record that stands for booking `entry` once purged: no personal data."""
    kept = {name: entry.get(name, "") for name in KEPT_FIELDS} | _second_dose(entry)
    record = {**kept, "persons": persons, "phones": phones, "purged_at": purged_at}
    return json.dumps(record, separators=(",", ":"))


def offer_record(entry: LogEntry, *, purged_at: int) -> str:
    """The compact record that stands for a waiting-list offer once purged: its slot, waiter (a
    keyed name) and times, without the phone it was sent to."""
    kept = {name: entry.get(name, "") for name in (*KEPT_FIELDS, *OFFER_KEPT_FIELDS)}
    return json.dumps({"kind": "offered", **kept, "purged_at": purged_at}, separators=(",", ":"))


def cancellation_record(entry: LogEntry, *, phones: list[str], purged_at: int) -> str:
    """The compact record that stands for a cancellation (or a move's) once purged: what it
    cancelled and why, and the phone's keyed names, without the phone."""
    kept = {name: entry.get(name, "") for name in (*KEPT_FIELDS, *CANCEL_KEPT_FIELDS)}
    kept |= _second_dose(entry)
    record = {"kind": "cancelled", **kept, "phones": phones, "purged_at": purged_at}
    return json.dumps(record, separators=(",", ":"))


def _second_dose(entry: LogEntry) -> dict[str, str]:
    return {name: str(entry.get(name)) for name in SECOND_DOSE_FIELDS if entry.get(name)}


def purged_entry(record: str) -> LogEntry:
    """A purged booking as readers of the log see it: a booking with empty personal fields (and
    a purged offer as an offer without its phone)."""
    data = json.loads(record)
    entry: dict[str, str] = {"kind": "booked", **{name: "" for name in PERSONAL_FIELDS}}
    entry.update({name: str(data.get(name, "")) for name in KEPT_FIELDS})
    if data.get("kind") == "offered":
        entry["kind"] = "offered"
        entry.update({name: str(data.get(name, "")) for name in OFFER_KEPT_FIELDS})
    if data.get("kind") == "cancelled":
        entry = {"kind": "cancelled", "phone": "", **{n: entry[n] for n in KEPT_FIELDS}}
        entry.update({name: str(data.get(name, "")) for name in CANCEL_KEPT_FIELDS if name in data})
    entry.update({name: str(data[name]) for name in SECOND_DOSE_FIELDS if data.get(name)})
    entry["purged_at"] = str(data.get("purged_at", ""))
    entry["persons"] = ",".join(data.get("persons", []))
    entry["phones"] = ",".join(data.get("phones", []))
    return cast(LogEntry, entry)


def is_purged(entry: LogEntry) -> bool:
    return bool(entry.get("purged_at"))


def purge_batch(items: list[PurgeItem]) -> int:
    """Purges each booking that is still in the log, is not the log's last entry and was not
    purged before, all in one script (lua/warehouse/purge.lua); returns how many this call
    purged."""
    if not items:
        return 0
    args: list[str | int] = []
    for item in items:
        args += [item.number, keys.purged_field(item.number), item.record]
    reply = run_script(
        "warehouse/purge",
        keys=[keys.BOOKINGS, keys.PURGE_STATE, *(keys.purged_key(i.number) for i in items)],
        args=args,
    )
    return int(reply[0])


def purged_count(kind: str = "") -> int:
    """How many log entries have been purged so far: of `kind` ("bookings", "offers" or
    "cancellations"), or of all (the log's length counts them all)."""
    kinds = ("bookings", "offers", "cancellations")
    with answering():
        counts = client().hmget(keys.PURGE_STATE, list(kinds))
    found = dict(zip(kinds, (int(count or 0) for count in counts), strict=True))
    return found[kind] if kind else sum(found.values())


def read_purged(numbers: list[int]) -> dict[int, LogEntry]:
    """The purged bookings among `numbers`, as entries (see purged_entry), in one round trip
    (a whole bucket at a time: the gaps a purge leaves in the log come in runs)."""
    if not numbers:
        return {}
    buckets = sorted({keys.purged_key(number) for number in numbers})
    pipe = client().pipeline(transaction=False)
    for bucket in buckets:
        pipe.hgetall(bucket)
    with answering():
        replies = dict(zip(buckets, pipe.execute(), strict=True))
    found = {}
    for number in numbers:
        record = replies[keys.purged_key(number)].get(keys.purged_field(number))
        if record:
            found[number] = purged_entry(record)
    return found


def read_bucketed(kind: str, names: list[str]) -> list[int | None]:
    """What each bucketed name of `kind` ("persons", "phones") holds now, in one round trip."""
    if not names:
        return []
    pipe = client().pipeline(transaction=False)
    for name in names:
        pipe.hget(*keys.bucketed_key(kind, name))
    with answering():
        return [int(value) if value else None for value in pipe.execute()]
