"""Sending confirmations in batches, at least once and, as far as the person can tell, once.

A job reads its batch's log entries, claims each booking's send (a key with a lifetime) and
reads what was sent and which booking the person holds now, in two round trips; then sends one
message at a time and records them as sent in groups, so a worker killed mid-batch can repeat
at most one group, under the same message ids, which a gateway de-duplicates. A send that
failed does not hold up the rest: the job raises at the end and RQ's retry skips what was
sent. A claim outlives the job's timeout, so a killed worker's batch is retried, never lost.
"""

import datetime
import logging
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from rq.timeouts import BaseTimeoutException

from assisted.phoneless import is_phoneless
from confirmations import messages
from registration.references import number_for, reference_for
from vaksin.sms import Sms, sms_backend
from vaksin.sms_budget import CONFIRMATIONS, sms_budget_return, sms_budget_take
from vaksin.store import StoreError, bookings, keys, outbox, slots
from vaksin.store.entries import LogEntry
from vaksin.store.slots import PublishedCentre
from waitlist.services import offer_link, offer_until_text

logger = logging.getLogger(__name__)

# After this many failed sends in a row the gateway is taken to be down: the rest of the batch
# is left to the job's retry instead of each waiting out its own timeout.
FAILURES_IN_A_ROW = 3
# Sent messages are recorded in groups rather than one round trip each: with a fast gateway, a
# record per message cost the worker and Redis (a write and its fsync) more than the send
# itself. A worker killed before it wrote a group leaves that group to be sent again, under
# the same message ids: at most RECORD_EVERY messages, or what went out in the last
# RECORD_WITHIN_SECONDS and one more send.
RECORD_EVERY = 20
RECORD_WITHIN_SECONDS = 0.05


class ConfirmationsIncomplete(Exception):
    """Some bookings of a batch were not sent; RQ retries the job, which skips the sent ones."""


@dataclass
class BatchResult:
    """What happened to each reference of a batch, and the error of each failed send.

    Outcomes: "sent", "already_sent", "cancelled" (the booking is gone, so nothing is sent),
    "unknown" (no such booking), "busy" (another worker holds its claim), "failed" (the send
    raised), "deferred" (not tried: the batch ran out of time or the gateway looked down) and
    "over_budget" (the SMS budget had no room: sent once it has, after `budget_wait` seconds).
    """

    outcomes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)
    budget_wait: int = 0

    def having(self, *outcomes: str) -> list[str]:
        return [ref for ref, outcome in self.outcomes.items() if outcome in outcomes]

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counted[outcome] = counted.get(outcome, 0) + 1
        return counted


def _kind(entry: LogEntry) -> str:
    if entry.get("kind") == "booked" and entry.get("released2"):
        return "second_released"
    if entry.get("kind") == "booked" and entry.get("moved_from"):
        return "changed"
    return entry.get("kind", "booked")


def _confirmation(
    reference: str, entry: LogEntry, centres: dict[str, PublishedCentre]
) -> messages.Confirmation:
    centre = centres.get(entry["location"])
    name = centre.name if centre else entry["location"]
    until = link = ""
    if entry.get("kind") == "offered":
        ends = int(entry["until"])
        slot = keys.slot_field(entry["location"], entry["date"])
        until = offer_until_text(ends)
        link = offer_link(slot=slot, waiter=entry["waiter"], until=ends)
    return messages.Confirmation(
        reference=reference,
        centre=name,
        date=datetime.date.fromisoformat(entry["date"]),
        window=entry.get("window", ""),
        lang=entry.get("lang", "en"),
        kind=_kind(entry),
        until=until,
        link=link,
        id_ending=entry.get("id_number", "")[-4:],
        second_date=_second_date(entry),
        second_window=entry.get("window2", ""),
    )


def _second_date(entry: LogEntry) -> datetime.date | None:
    """The second dose the message names: the booking's, or the one just let go."""
    found = entry.get("date2") or entry.get("released2")
    return datetime.date.fromisoformat(found) if found else None


def channels_for(entry: LogEntry) -> list[str]:
    """The channels an entry is sent on: SMS always (but never to a helpline booking's line
    without a phone, assisted/phoneless.py), and e-mail for a booking (or the new booking of a
    change) when one was given."""
    sms = [] if is_phoneless(entry.get("phone", "")) else ["sms"]
    booking = entry.get("kind") == "booked" and not entry.get("released2")
    return [*sms, "email"] if entry.get("email") and booking else sms


def _address(channel: str, entry: LogEntry) -> str:
    return entry["phone"] if channel == "sms" else entry["email"]


class _Mail:
    """One connection to the mail backend per batch, opened only when a first e-mail is due."""

    def __init__(self) -> None:
        self.connection: BaseEmailBackend | None = None

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        message.connection = self.connection
        message.send()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class _SentRecords:
    """The sends of a batch, recorded in groups: a group is written once it holds RECORD_EVERY
    messages, or once its sends have taken RECORD_WITHIN_SECONDS (so behind a slow gateway each
    message is recorded as soon as it went out), and whatever is left when the batch ends."""

    def __init__(self) -> None:
        self.pending: list[outbox.SentRecord] = []
        self.since = 0.0

    def sending(self) -> None:
        if not self.pending:
            self.since = time.monotonic()

    def sent(self, record: outbox.SentRecord) -> None:
        self.pending.append(record)
        if (
            len(self.pending) >= RECORD_EVERY
            or time.monotonic() - self.since >= RECORD_WITHIN_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if self.pending:
            records, self.pending = self.pending, []
            outbox.confirmation_record_sent(records)


def _send(channel: str, confirmation: messages.Confirmation, to: str, mail: _Mail) -> None:
    if settings.CONFIRMATION_SLOW_SEND_MS:
        # Stands in for a slow gateway, so a test can kill a worker in the middle of a send.
        time.sleep(settings.CONFIRMATION_SLOW_SEND_MS / 1000)
    reference = confirmation.reference
    if channel == "sms":
        sms_backend().send(
            Sms(to=to, text=messages.sms_text(confirmation), message_id=f"{reference}:sms")
        )
    else:
        mail.send(
            EmailMessage(
                subject=messages.email_subject(confirmation),
                body=messages.email_body(confirmation),
                to=[to],
                headers={"X-Vaksin-Reference": reference},
            )
        )


def confirmations_send(
    *, references: list[str], budget_seconds: float | None = None
) -> BatchResult:
    """Sends what is still unsent of the confirmations of `references`; says what happened.

    Stops starting new sends after `budget_seconds` (default: half the job timeout, so a slow
    gateway never lets a send run into the timeout) and after FAILURES_IN_A_ROW failed sends in
    a row; what it did not try is "deferred". Raises only when Redis cannot be reached.
    """
    result = BatchResult()
    wanted: dict[int, str] = {}
    for reference in references:
        number = number_for(reference)
        if number:
            wanted[number] = reference
        else:
            result.outcomes[reference] = "unknown"
    entries, centres = outbox.confirmation_batch_read(list(wanted))
    bookings: list[tuple[int, LogEntry]] = []
    for number, reference in wanted.items():
        entry = entries.get(number)
        if entry and messages.is_sent(entry):
            bookings.append((number, entry))
        else:
            result.outcomes[reference] = "unknown"
    for reference in result.having("unknown"):
        logger.warning("confirmation for %s: no such booking", reference)
    if not bookings:
        return result

    token = secrets.token_hex(16)
    states = outbox.confirmation_batch_claim(
        [
            (number, entry.get("id_type", ""), entry.get("id_number", ""))
            for number, entry in bookings
        ],
        token=token,
        seconds=settings.CONFIRMATION_JOB_TIMEOUT + 5,
    )
    budget = settings.CONFIRMATION_JOB_TIMEOUT / 2 if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    failures_in_a_row = 0
    mail, records = _Mail(), _SentRecords()
    # The SMS this batch would send, taken from the budget at once; what it has no room for
    # waits (never dropped), and what is not sent after all is given back at the end.
    sms = sms_budget_take(
        CONFIRMATIONS,
        wanted=sum(
            _sms_due(number, entry, state)
            for (number, entry), state in zip(bookings, states, strict=True)
        ),
    )
    sms_left = sms.granted
    result.budget_wait = sms.retry_after
    try:
        for (number, entry), state in zip(bookings, states, strict=True):
            reference = wanted[number]
            channels = channels_for(entry)
            if all(state.sent[channel] for channel in channels):
                result.outcomes[reference] = "already_sent"
            elif entry["kind"] == "booked" and state.holder != number:
                result.outcomes[reference] = "cancelled"
            elif not state.claimed:
                result.outcomes[reference] = "busy"
            elif "sms" in channels and not state.sent["sms"] and sms_left <= 0:
                result.outcomes[reference] = "over_budget"
            elif failures_in_a_row >= FAILURES_IN_A_ROW or time.monotonic() >= deadline:
                result.outcomes[reference] = "deferred"
            else:
                confirmation = _confirmation(reference_for(number), entry, centres)
                try:
                    for channel in channels:
                        if not state.sent[channel]:
                            records.sending()
                            if channel == "sms":
                                sms_left -= 1  # spent once tried: a gateway may bill a failure
                            _send(channel, confirmation, _address(channel, entry), mail)
                            records.sent(
                                outbox.SentRecord(
                                    number=number,
                                    channel=channel,
                                    at_ms=int(time.time() * 1000),
                                    booked_at=int(entry.get("at", 0)),
                                )
                            )
                except (StoreError, BaseTimeoutException):
                    raise
                except Exception as error:
                    # Whatever a backend raises, one bad booking must not hold up its batch: it
                    # is retried with the job and its error shown to staff; the rest goes on.
                    logger.warning("confirmation for %s not sent: %r", reference, error)
                    result.outcomes[reference] = "failed"
                    result.errors[reference] = error
                    failures_in_a_row += 1
                else:
                    result.outcomes[reference] = "sent"
                    failures_in_a_row = 0
    finally:
        mail.close()
        records.flush()
        sms_budget_return(sms, sms_left)
        outbox.confirmation_batch_release(
            [number for (number, _), state in zip(bookings, states, strict=True) if state.claimed],
            token=token,
        )
    return result


def _sms_due(number: int, entry: LogEntry, state: outbox.SendState) -> bool:
    """Whether the loop of confirmations_send would send this booking's SMS."""
    if state.sent["sms"] or not state.claimed or "sms" not in channels_for(entry):
        return False
    return not (entry["kind"] == "booked" and state.holder != number)


def incomplete_error(result: BatchResult) -> ConfirmationsIncomplete:
    """The error a batch job raises so that RQ retries it: names what is left and why."""
    parts = [f"{reference}: {error!r}" for reference, error in result.errors.items()]
    if busy := result.having("busy"):
        parts.append(f"sent by another worker now: {', '.join(busy)}")
    if deferred := result.having("deferred"):
        parts.append(f"not tried (time or gateway): {', '.join(deferred)}")
    left, total = len(result.having("failed", "busy", "deferred")), len(result.outcomes)
    return ConfirmationsIncomplete(f"{left} of {total} not sent; " + "; ".join(parts))


def confirmation_resend(*, reference: str, message_id: str) -> str:
    """Sends a booking's confirmation SMS again, as the person asked at /appointment/, under
    `message_id` (the same for a retry of the same request). Returns "sent", or "cancelled"
    when the person no longer holds the booking."""
    number = number_for(reference)
    entry = bookings.read_entry(number) if number else None
    if not number or entry is None or entry.get("kind") != "booked":
        return "cancelled"
    if bookings.read_person_number(entry["id_type"], entry["id_number"]) != number:
        return "cancelled"
    centre = slots.read_centre(entry["location"])
    confirmation = _confirmation(
        reference_for(number), entry, {entry["location"]: centre} if centre else {}
    )
    sms_backend().send(
        Sms(to=entry["phone"], text=messages.sms_text(confirmation), message_id=message_id)
    )
    return "sent"
