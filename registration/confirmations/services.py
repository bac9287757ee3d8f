"""Sending one booking's confirmation, at least once and, as far as the person can tell, once.

Each channel's send is recorded in Redis once it is done, and a claim with a lifetime guards
the sending itself: a second run finds the record and stops; a run that was killed mid-send
leaves only the claim, which lapses, so a retry sends instead of staying silent. The one window
left is a kill between the gateway accepting a message and the record being written; the
message id passed to the gateway (the reference and channel) lets a gateway drop that copy.
"""

import datetime
import json
import logging
import time

from django.conf import settings
from django.core.mail import EmailMessage

from registration.confirmations import messages
from registration.confirmations.backends import Sms, sms_backend
from registration.references import number_for
from vaksin import store

logger = logging.getLogger(__name__)


class ConfirmationBusy(Exception):
    """Another worker holds the claim on this send; the job is retried later."""


def _confirmation(reference: str, entry: dict[str, str]) -> messages.Confirmation:
    centre = store.read_centre(entry["location"])
    name = json.loads(centre)["name"] if centre else entry["location"]
    return messages.Confirmation(
        reference=reference,
        centre=name,
        date=datetime.date.fromisoformat(entry["date"]),
        window=entry["window"],
        lang=entry.get("lang", "en"),
    )


def _send(channel: str, reference: str, entry: dict[str, str]) -> None:
    if settings.CONFIRMATION_SLOW_SEND_MS:
        # Stands in for a slow gateway, so a test can kill a worker in the middle of a send.
        time.sleep(settings.CONFIRMATION_SLOW_SEND_MS / 1000)
    confirmation = _confirmation(reference, entry)
    if channel == "sms":
        sms_backend().send(
            Sms(
                to=entry["phone"],
                text=messages.sms_text(confirmation),
                message_id=f"{reference}:sms",
            )
        )
    else:
        EmailMessage(
            subject=messages.email_subject(confirmation),
            body=messages.email_body(confirmation),
            to=[entry["email"]],
            headers={"X-Vaksin-Reference": reference},
        ).send()


def confirmation_send(*, reference: str) -> str:
    """Sends what is still unsent of a booking's confirmation; returns what happened.

    Outcomes: "sent", "already_sent", "cancelled" (the booking is gone, so nothing is sent) and
    "unknown". Raises ConfirmationBusy when another worker is sending it, and the backend's
    error when a send fails; the job retries both with backoff.
    """
    number = number_for(reference)
    entry = store.read_entry(number) if number else None
    if not number or not entry or entry.get("kind") != "booked":
        logger.warning("confirmation for %s: no such booking", reference)
        return "unknown"
    channels = ["sms", "email"] if entry.get("email") else ["sms"]
    if all(store.confirmation_sent(number, channels).values()):
        return "already_sent"
    if store.read_person_number(entry["id_type"], entry["id_number"]) != number:
        return "cancelled"
    claim = store.confirmation_claim(number, seconds=settings.CONFIRMATION_JOB_TIMEOUT + 5)
    if claim is None:
        raise ConfirmationBusy(reference)
    try:
        # Read again under the claim: another worker may have finished just before we claimed.
        sent = store.confirmation_sent(number, channels)
        for channel in channels:
            if not sent[channel]:
                _send(channel, reference, entry)
                store.confirmation_record_sent(number, channel, int(time.time() * 1000))
    finally:
        store.confirmation_release(claim)
    return "sent"
