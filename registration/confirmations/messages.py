"""The confirmation texts, in English and Malay.

Kept as whole sentences per language rather than gettext fragments: an SMS is read on its own,
its length matters. Month names come from Django's own (compiled) translations.
"""

import datetime
from dataclasses import dataclass
from functools import cache

from django.utils import translation
from django.utils.dates import MONTHS


@cache
def month_names(lang: str) -> tuple[str, ...]:
    """The months in `lang`, from Django's own translations, read once per language."""
    with translation.override(lang):
        return tuple(str(MONTHS[number]) for number in range(1, 13))


SMS = {
    "en": "Vaksin: your vaccination is booked. Ref {reference}. {centre}, {date}, "
    "arrive {window}. Bring your MyKad or passport.",
    "ms": "Vaksin: janji temu vaksinasi anda telah ditempah. Rujukan {reference}. {centre}, "
    "{date}, sila tiba {window}. Bawa MyKad atau pasport anda.",
}

SUBJECT = {
    "en": "Your vaccination appointment {reference}",
    "ms": "Janji temu vaksinasi anda {reference}",
}

BODY = {
    "en": """Your vaccination appointment is booked.

Reference: {reference}
Centre: {centre}
Date: {date}
Arrive between: {window}

Bring your MyKad or passport. To check your appointment, use "Check your appointment" on
the Vaksin site with your reference and ID number.
""",
    "ms": """Janji temu vaksinasi anda telah ditempah.

Rujukan: {reference}
Pusat: {centre}
Tarikh: {date}
Sila tiba antara: {window}

Bawa MyKad atau pasport anda. Untuk menyemak janji temu anda, gunakan "Semak janji temu anda"
di laman Vaksin dengan rujukan dan nombor pengenalan anda.
""",
}


@dataclass(frozen=True)
class Confirmation:
    reference: str
    centre: str
    date: datetime.date
    window: str
    lang: str


def _fields(confirmation: Confirmation) -> dict[str, str]:
    lang, day = _lang(confirmation), confirmation.date
    return {
        "reference": confirmation.reference,
        "centre": confirmation.centre,
        "date": f"{day.day} {month_names(lang)[day.month - 1]} {day.year}",
        "window": confirmation.window,
    }


def _lang(confirmation: Confirmation) -> str:
    return confirmation.lang if confirmation.lang in SMS else "en"


def sms_text(confirmation: Confirmation) -> str:
    return SMS[_lang(confirmation)].format(**_fields(confirmation))


def email_subject(confirmation: Confirmation) -> str:
    return SUBJECT[_lang(confirmation)].format(**_fields(confirmation))


def email_body(confirmation: Confirmation) -> str:
    return BODY[_lang(confirmation)].format(**_fields(confirmation))
