"""An appointment as iCalendar events (RFC 5545), one per dose, for a phone's calendar app."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext

MALAYSIA = ZoneInfo("Asia/Kuala_Lumpur")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _folded(line: str) -> str:
    """A content line folded as RFC 5545 (3.1) asks: at most 75 octets a line, each further one
    starting with a space, never splitting a character's UTF-8 octets (a Tamil or Chinese title
    takes three octets a character)."""
    lines: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        limit = 75 if not lines else 74  # a continuation line's leading space is one octet
        if size + octets > limit:
            lines.append(current)
            current, size = "", 0
        current += char
        size += octets
    lines.append(current)
    return "\r\n ".join(lines)


def _utc(day: datetime.date, hhmm: str) -> str:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = datetime.datetime.combine(day, datetime.time(hours, minutes), tzinfo=MALAYSIA)
    return local.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(
    *,
    uid: str,
    stamp: str,
    date: str,
    arrival_window: str,
    title: str,
    centre_name: str,
    reference: str,
) -> list[str]:
    """One VEVENT over an arrival window, in UTC (every calendar reads it the same way)."""
    day = datetime.date.fromisoformat(date)
    starts, _, ends = arrival_window.partition("-")
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_utc(day, starts)}",
        f"DTEND:{_utc(day, ends or starts)}",
        f"SUMMARY:{_escaped(title)}",
        f"LOCATION:{_escaped(centre_name)}",
        f"DESCRIPTION:{_escaped(reference)}",
        f"URL:{settings.SITE_URL}/appointment/",
        "END:VEVENT",
    ]


def appointment_ics(
    *,
    reference: str,
    centre_name: str,
    date: str,
    arrival_window: str,
    title: str,
    second_date: str = "",
    second_window: str = "",
    second_title: str = "",
) -> str:
    """One event per dose. The first keeps the UID a one-dose booking always had; the second
    has its own, so that a calendar app keeps both instead of taking one for an update of the
    other."""
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    common = {"stamp": stamp, "centre_name": centre_name, "reference": reference}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Vaksin//Appointment//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *_event(
            uid=f"{reference}@vaksin",
            date=date,
            arrival_window=arrival_window,
            title=title,
            **common,
        ),
    ]
    if second_date:
        lines += _event(
            uid=f"{reference}-dose2@vaksin",
            date=second_date,
            arrival_window=second_window or arrival_window,  # a booking writes both
            title=second_title or title,
            **common,
        )
    lines.append("END:VCALENDAR")
    return "\r\n".join(_folded(line) for line in lines) + "\r\n"


def calendar_response(
    *,
    reference: str,
    centre_name: str,
    date: str,
    arrival_window: str,
    second_date: str = "",
    second_window: str = "",
) -> HttpResponse:
    """An appointment as an .ics download, named after its reference: both doses when it has
    two."""
    # Not inside an f-string: xgettext does not look there, so the title was never translated.
    if second_date:
        title = gettext("Vaccination, dose 1: %(reference)s") % {"reference": reference}
        second_title = gettext("Vaccination, dose 2: %(reference)s") % {"reference": reference}
    else:
        title = gettext("Vaccination appointment %(reference)s") % {"reference": reference}
        second_title = ""
    text = appointment_ics(
        reference=reference,
        centre_name=centre_name,
        date=date,
        arrival_window=arrival_window,
        title=title,
        second_date=second_date,
        second_window=second_window,
        second_title=second_title,
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vaksin-{reference}.ics"'
    return response
