"""The waiting room as operators see it on the noon dashboard and the switches page: tickets,
admissions, passes used and lapsed, and the admission rate with where it came from (the
automatic mode, a member of staff, or WAITING_ROOM_RATE), which a rate alone does not say."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEntry
from vaksin.store import StoreError
from vaksin.store.queue import QueueReading, queue_admission_read
from vaksin.switches import WAITING_ROOM, waiting_room_off
from waiting_room.services import queue_reading, room_uncommitted

ADMISSION_ACTIONS = ("admission_rate", "admission_mode")


@dataclass(frozen=True)
class RoomFigures:
    on: bool  # off: everyone verified may book, tickets kept
    reading: QueueReading
    used: int
    lapsed: int
    source: str  # where the rate came from, said in a few words
    uncommitted: bool = False  # open with no seed committed: nobody is admitted

    @property
    def admitted(self) -> int:
        return min(self.reading.through, self.reading.issued)


def rate_source(reading: QueueReading, *, rate_kept: bool) -> str:
    if reading.mode == "auto":
        return (
            f"automatic: steered towards {settings.WAITING_ROOM_AUTO_TARGET:,} bookings a "
            "second (WAITING_ROOM_AUTO_TARGET)"
        )
    if rate_kept:
        last = AuditEntry.objects.filter(action__in=ADMISSION_ACTIONS, target=WAITING_ROOM).first()
        if last is None:
            return "set by hand in Switches"
        at = timezone.localtime(last.at)
        return f"set by hand in Switches by {last.actor} at {at:%H:%M} on {at:%d %b}"
    if os.environ.get("WAITING_ROOM_RATE"):
        return "WAITING_ROOM_RATE in the environment: nobody has set a rate in Switches"
    return (
        f"the default ({settings.WAITING_ROOM_RATE:,}; WAITING_ROOM_RATE is unset): nobody has "
        "set a rate in Switches"
    )


def room_figures() -> RoomFigures | None:
    """The room now, or None without one (WAITING_ROOM_OPENS_AT unset). Raises StoreError when
    Redis cannot be reached."""
    if not settings.WAITING_ROOM_OPENS_AT:
        return None
    reading = queue_reading()
    admission = queue_admission_read()
    return RoomFigures(
        on=not waiting_room_off(),
        reading=reading,
        used=admission.used,
        lapsed=admission.lapsed,
        source=rate_source(reading, rate_kept=admission.rate_kept),
        uncommitted=room_uncommitted(reading),
    )


@dataclass(frozen=True)
class RoomShown:
    """The room for a page: `figures` is None when there is no room or Redis did not answer
    (`configured` tells the two apart)."""

    configured: bool
    figures: RoomFigures | None

    @property
    def pass_minutes(self) -> int:
        return settings.ADMISSION_MINUTES


def room_shown() -> RoomShown:
    try:
        figures = room_figures()
    except StoreError:
        figures = None
    return RoomShown(configured=bool(settings.WAITING_ROOM_OPENS_AT), figures=figures)
