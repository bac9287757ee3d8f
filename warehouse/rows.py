"""Booking-log entries into the warehouse table, and which of them PostgreSQL refuses.

Each booked entry is made into its COPY text row once, reference and all (booking_rows), where
the log is read. A batch goes straight into the table by one COPY: the watermark moves with the
rows it covers, so nothing after it is there yet. When a row is there all the same (an export
re-reading entries after an old watermark was restored), the COPY is refused as a whole and the
batch goes the careful way: COPY into a temporary table, then one INSERT ... ON CONFLICT
(reference) DO NOTHING, so re-reading adds nothing twice. When PostgreSQL refuses a batch for one
of its rows (a value it cannot hold, a clash with another row), the batch is halved until the
refused rows stand alone: the rest is written, and the refused ones are handed back for the
caller to set aside. A batch of n rows with one bad row costs about 2n rows copied.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.utils import DataError, IntegrityError

from registration.references import references_for
from vaksin.store.entries import LogEntry

BOOKING_COLUMNS = (
    "number, reference, id_type, id_number, name, phone, email, location_id, date, "
    "arrival_window, lang, second_date, second_arrival_window, booked_at, exported_at"
)
# What PostgreSQL says about one row's values. An outage or a missing table is not about a row:
# it stops the whole export, which waits and tries again.
ROW_REFUSALS = (DataError, IntegrityError)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
# The fields of a booking written as they are, tab-separated, between its reference and its
# timestamps: one tab fewer than fields when none of them holds a tab.
_PLAIN_TABS = 10

Entry = tuple[int, LogEntry]


# A booked entry (number, entry) and its row in COPY's text format, in BOOKING_COLUMNS order.
# A plain tuple: the export makes one per row, and a named one costs a tenth of the rest.
BookingRow = tuple[int, LogEntry, str]


@dataclass(frozen=True)
class Refusal:
    """A booking PostgreSQL would not take, and why."""

    number: int
    entry: LogEntry
    sqlstate: str  # e.g. 22001, a value too long
    reason: str  # PostgreSQL's own words, without the values (they may be personal data)


def _text(value: str) -> str:
    """A value in COPY's text format: a backslash is legal in a name and must not be read as an
    escape."""
    return value.translate(_ESCAPES)


def _stamp(at: str, stamps: dict[str, str]) -> str:
    """Unix seconds as a timestamp PostgreSQL reads, kept in `stamps`: bookings come many to a
    second, so each second is written once."""
    stamp = stamps[at] = datetime.datetime.fromtimestamp(int(at), datetime.UTC).isoformat()
    return stamp


def booking_rows(entries: list[Entry], *, exported_at: datetime.datetime) -> list[BookingRow]:
    """The booked entries among `entries`, each with its COPY text row (a booking without a
    second dose, as every one made before two doses, has NULL for it)."""
    booked = [(number, entry) for number, entry in entries if entry.get("kind") == "booked"]
    exported = exported_at.isoformat()
    stamps: dict[str, str] = {}
    rows: list[BookingRow] = []
    references = references_for(number for number, _ in booked)
    for (number, entry), reference in zip(booked, references, strict=True):
        values = (
            entry["id_type"], entry["id_number"], entry["name"], entry["phone"], entry["email"],
            entry["location"], entry["date"], entry["window"], entry.get("lang", "en"),
            entry.get("date2", ""), entry.get("window2", ""),
        )  # fmt: skip
        plain = "\t".join(values)
        # One look at the whole instead of one per field: nearly every row needs no escape.
        if "\\" in plain or "\n" in plain or "\r" in plain or plain.count("\t") != _PLAIN_TABS:
            plain = "\t".join(_text(value) for value in values)
        if not values[9] or not values[10]:  # no second dose: NULL, not an empty date
            rest, date2, window2 = plain.rsplit("\t", 2)
            plain = f"{rest}\t{date2 or NULL}\t{window2 or NULL}"
        at = entry["at"]
        stamp = stamps.get(at) or _stamp(at, stamps)
        rows.append((number, entry, f"{number}\t{reference}\t{plain}\t{stamp}\t{exported}\n"))
    return rows


def copy_text(rows: list[BookingRow]) -> str:
    """The rows as one COPY text, in BOOKING_COLUMNS order."""
    return "".join(line for _, _, line in rows)


def _copy_in(rows: list[BookingRow]) -> int:
    """Writes the rows in one COPY; returns the rows added. Refused as a whole (IntegrityError)
    when any of them is in the table already."""
    # Django translates the errors of execute() only: COPY's are psycopg's own until wrapped.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.copy(f"COPY registration_booking ({BOOKING_COLUMNS}) FROM STDIN") as copy:
            copy.write(copy_text(rows))
        return len(rows)


def _copy_in_new(rows: list[BookingRow]) -> int:
    """Writes the rows not in the table yet, in one COPY to a temporary table and one INSERT;
    returns the rows added."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS export_booking (number bigint, reference text, "
            "id_type text, id_number text, name text, phone text, email text, location_id text, "
            "date date, arrival_window text, lang text, second_date date, "
            "second_arrival_window text, booked_at timestamptz, exported_at timestamptz) "
            "ON COMMIT DROP"
        )
        # Still there only when a caller wraps several chunks in one transaction (tests do).
        cursor.execute("TRUNCATE export_booking")
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY export_booking ({BOOKING_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(copy_text(rows))
        cursor.execute(
            f"INSERT INTO registration_booking ({BOOKING_COLUMNS}) "  # noqa: S608 (constants)
            f"SELECT {BOOKING_COLUMNS} FROM export_booking "
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


def bookings_write(rows: list[BookingRow]) -> tuple[int, list[Refusal]]:
    """Writes the rows inside the caller's transaction; returns the rows added and the entries
    PostgreSQL refused (nothing of theirs is written)."""
    refused: list[Refusal] = []
    return _write_or_halve(rows, refused, careful=False), refused


def _write_or_halve(rows: list[BookingRow], refused: list[Refusal], *, careful: bool) -> int:
    if not rows:
        return 0
    try:
        # A savepoint: a refused batch is undone alone, not the caller's transaction.
        with transaction.atomic():
            return _copy_in_new(rows) if careful else _copy_in(rows)
    except ROW_REFUSALS as error:
        if isinstance(error, IntegrityError) and not careful:
            # A row there already, or a clash with one: the careful way, which skips the first.
            return _write_or_halve(rows, refused, careful=True)
        failure = error
    if len(rows) == 1:
        number, entry, _ = rows[0]
        refused.append(_refusal(number, entry, failure))
        return 0
    half = len(rows) // 2
    return _write_or_halve(rows[:half], refused, careful=careful) + _write_or_halve(
        rows[half:], refused, careful=careful
    )


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
