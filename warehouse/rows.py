"""Booking-log entries into the warehouse table, and which of them PostgreSQL refuses.

Rows go in through COPY into a temporary table, then one INSERT ... ON CONFLICT (reference) DO
NOTHING, so re-reading entries adds nothing twice. When PostgreSQL refuses a batch for one of its
rows (a value it cannot hold, a clash with a row already there), the batch is halved until the
refused rows stand alone: the rest is written, and the refused ones are handed back for the
caller to set aside. A batch of n rows with one bad row costs about 2n rows copied.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.utils import DataError, IntegrityError

from registration.references import reference_for
from vaksin.store.entries import LogEntry

BOOKING_COLUMNS = (
    "number, reference, id_type, id_number, name, phone, email, location_id, date, "
    "arrival_window, lang, at"
)
# What PostgreSQL says about one row's values. An outage or a missing table is not about a row:
# it stops the whole export, which waits and tries again.
ROW_REFUSALS = (DataError, IntegrityError)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Entry = tuple[int, LogEntry]


@dataclass(frozen=True)
class Refusal:
    """A booking PostgreSQL would not take, and why."""

    number: int
    entry: LogEntry
    sqlstate: str  # e.g. 22001, a value too long
    reason: str  # PostgreSQL's own words, without the values (they may be personal data)


def _text(value: str) -> str:
    """A value in COPY's text format. Cleaned names cannot hold control characters, but a
    backslash is legal and must not be read as an escape."""
    return value.translate(_ESCAPES) if ("\\" in value or "\t" in value or "\n" in value) else value


def copy_text(entries: list[Entry]) -> str:
    """The booked entries among `entries` as COPY text rows, in BOOKING_COLUMNS order."""
    lines = []
    for number, entry in entries:
        if entry.get("kind") != "booked":
            continue
        lines.append(
            "\t".join(
                (
                    str(number),
                    reference_for(number),
                    _text(entry["id_type"]),
                    _text(entry["id_number"]),
                    _text(entry["name"]),
                    _text(entry["phone"]),
                    _text(entry["email"]),
                    _text(entry["location"]),
                    _text(entry["date"]),
                    _text(entry["window"]),
                    _text(entry.get("lang", "en")),
                    entry["at"],
                )
            )
        )
    lines.append("")
    return "\n".join(lines)


def _copy_in(booked: list[Entry]) -> int:
    """Writes booked entries in one COPY and one INSERT; returns the rows added."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS export_booking (number bigint, reference text, "
            "id_type text, id_number text, name text, phone text, email text, location_id text, "
            "date date, arrival_window text, lang text, at bigint) ON COMMIT DROP"
        )
        # Still there only when a caller wraps several chunks in one transaction (tests do).
        cursor.execute("TRUNCATE export_booking")
        with cursor.copy(f"COPY export_booking ({BOOKING_COLUMNS}) FROM STDIN") as copy:
            copy.write(copy_text(booked))
        cursor.execute(
            "INSERT INTO registration_booking (number, reference, id_type, id_number, name, "
            "phone, email, location_id, date, arrival_window, lang, booked_at, exported_at) "
            "SELECT number, reference, id_type, id_number, name, phone, email, location_id, "
            "date, arrival_window, lang, to_timestamp(at), now() FROM export_booking "
            "ORDER BY number ON CONFLICT (reference) DO NOTHING"
        )
        return cursor.rowcount


def _refusal(number: int, entry: LogEntry, error: Exception) -> Refusal:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    reason = getattr(diag, "message_primary", None) or str(error).splitlines()[0]
    return Refusal(
        number=number, entry=entry, sqlstate=getattr(cause, "sqlstate", "") or "", reason=reason
    )


def bookings_write(entries: list[Entry]) -> tuple[int, list[Refusal]]:
    """Writes the booked entries among `entries` inside the caller's transaction; returns the
    rows added and the entries PostgreSQL refused (nothing of theirs is written)."""
    refused: list[Refusal] = []
    booked = [(number, entry) for number, entry in entries if entry.get("kind") == "booked"]
    return _write_or_halve(booked, refused), refused


def _write_or_halve(booked: list[Entry], refused: list[Refusal]) -> int:
    if not booked:
        return 0
    try:
        # A savepoint: a refused batch is undone alone, not the caller's transaction.
        with transaction.atomic():
            return _copy_in(booked)
    except ROW_REFUSALS as error:
        if len(booked) == 1:
            refused.append(_refusal(*booked[0], error))
            return 0
    half = len(booked) // 2
    return _write_or_halve(booked[:half], refused) + _write_or_halve(booked[half:], refused)


def cancellations_write(entries: list[Entry]) -> int:
    """Marks the bookings that `entries` cancel, in the warehouse or set aside; returns how
    many warehouse rows were marked."""
    cancels = "".join(
        f"{int(entry['booking'])}\t{int(entry['at'])}\n"
        for _, entry in entries
        if entry.get("kind") == "cancelled"
    )
    if not cancels:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS export_cancel (booking bigint, at bigint) "
            "ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE export_cancel")
        with cursor.copy("COPY export_cancel (booking, at) FROM STDIN") as copy:
            copy.write(cancels)
        cursor.execute(
            "UPDATE registration_booking b SET cancelled_at = to_timestamp(c.at) "
            "FROM export_cancel c WHERE b.number = c.booking AND b.cancelled_at IS NULL"
        )
        cancelled = cursor.rowcount
        # A booking set aside is cancelled there, and carries it into the warehouse on retry.
        cursor.execute(
            "UPDATE registration_setasidebooking s SET cancelled_at = to_timestamp(c.at) "
            "FROM export_cancel c WHERE s.number = c.booking AND s.cancelled_at IS NULL"
        )
    return cancelled
