"""Every SMS, in every language, with every real centre name and the longest date of the year,
within its budget of billed parts. A million bookings times one part too many is a million
messages paid for."""

import csv
import datetime

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from confirmations.messages import LANGUAGE_CODES, Confirmation, sms_text
from devstack.processes import ROOT
from disputes.messages import notice_text
from phones.services import code_sms_text
from vaksin.sms_parts import sms_size
from waitlist.services import offer_link, offer_until_text

# Parts each kind of message may take, by language. Tamil confirmations take 3: two parts hold
# 134 UCS-2 units, and the centre (up to 54), the date (up to 18), the reference and the
# window (11 each) leave 40 for the Tamil words, which need about 100.
BUDGET = {
    "code": dict.fromkeys(LANGUAGE_CODES, 1),
    "booked": {"en": 2, "ms": 2, "zh-hans": 2, "ta": 3},
    "changed": {"en": 2, "ms": 2, "zh-hans": 2, "ta": 3},
    "cancelled": {"en": 2, "ms": 2, "zh-hans": 2, "ta": 3},
    "offered": {"en": 2, "ms": 2, "zh-hans": 3, "ta": 3},
    # To the phone a disputed booking was made from: it names no centre or date.
    "dispute": {"en": 1, "ms": 1, "zh-hans": 1, "ta": 2},
}
# The same, for a booking of two doses (both dates and windows; a cancellation, both dates).
# English and Malay keep their 2 parts; Chinese and Tamil take one more, as the text of one
# dose already fills theirs (confirmations/messages.py). A cancellation keeps its budget.
BUDGET_TWO_DOSES = {
    "booked": {"en": 2, "ms": 2, "zh-hans": 3, "ta": 4},
    "changed": {"en": 2, "ms": 2, "zh-hans": 3, "ta": 4},
    "cancelled": {"en": 2, "ms": 2, "zh-hans": 2, "ta": 3},
    # The first dose given, the second let go: the date let go, no window.
    "second_released": {"en": 2, "ms": 2, "zh-hans": 2, "ta": 3},
}
# A production address as long as a ministry's is likely to be.
SITE_URL = "https://www.vaksin.gov.my"
CENTRES = [
    row["ppv_name"]
    for row in csv.DictReader((ROOT / "availability" / "data" / "centres_2021.csv").open())
]
# Every date of a year, so that the longest month name in each language is among them.
DATES = [datetime.date(2021, 1, 1) + datetime.timedelta(days=n) for n in range(365)]


def confirmation(
    kind: str, lang: str, centre: str, day: datetime.date, *, two_doses: bool = False
) -> Confirmation:
    until = int(datetime.datetime(2021, 5, 28, 23, 59, tzinfo=datetime.UTC).timestamp())
    link = ""
    if kind == "offered":
        link = offer_link(slot=f"UM|{day}", waiter="w" * 43, until=until)
    return Confirmation(
        reference="Z84-P6K-P28",
        centre=centre,
        date=day,
        window="09:00-09:30",
        lang=lang,
        kind=kind,
        until=offer_until_text(until),
        link=link,
        id_ending="6066",
        # The second dose on a date of the same month: the longest month name twice, an upper
        # bound of any real pair. A cancellation's entry has no second window.
        second_date=day if two_doses else None,
        second_window="09:00-09:30"
        if two_doses and kind not in ("cancelled", "second_released")
        else "",
    )


def test_counting_parts_follows_gsm_7_and_ucs_2() -> None:
    assert sms_size("a" * 160).parts == 1 and sms_size("a" * 161).parts == 2
    assert sms_size("a" * 306).parts == 2 and sms_size("a" * 307).parts == 3
    # An extension character takes two septets, and is never split between two parts.
    assert sms_size("€" * 80).parts == 1 and sms_size("€" * 81).parts == 2
    assert sms_size("a" + "€" * 76 + "a" * 2).units == 155
    assert sms_size("a" * 152 + "€" + "a" * 7).parts == 2
    # One character beyond GSM-7 makes the whole message UCS-2.
    assert sms_size("a" * 69 + "é").parts == 1
    assert sms_size("a" * 70 + "ā").parts == 2
    assert sms_size("தமிழ்" * 14).units == 70
    # Outside the Basic Multilingual Plane: two UTF-16 units, never split.
    assert sms_size("𠮷" * 35).parts == 1 and sms_size("𠮷" * 36).parts == 2
    assert sms_size("a" * 66 + "𠮷" + "a" * 66).parts == 3  # 134 units, but 𠮷 is not split


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
def test_the_code_sms_is_one_part_in_every_language(lang: str) -> None:
    assert sms_size(code_sms_text("123456", lang)).parts == 1


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
@pytest.mark.parametrize("kind", ["booked", "changed", "cancelled", "offered"])
def test_every_message_fits_its_budget_with_every_real_centre_and_date(
    kind: str, lang: str, settings: SettingsWrapper
) -> None:
    settings.SITE_URL = SITE_URL
    worst = max(
        ((sms_size(sms_text(confirmation(kind, lang, centre, day))), centre, day)
         for centre in CENTRES for day in DATES),
        key=lambda found: found[0].units,
    )  # fmt: skip
    size, centre, day = worst
    print(f"{kind} in {lang}: {size.units} {size.encoding} units, {size.parts} parts at worst")
    assert size.parts <= BUDGET[kind][lang], sms_text(confirmation(kind, lang, centre, day))


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
@pytest.mark.parametrize("kind", list(BUDGET_TWO_DOSES))
def test_every_message_of_two_doses_fits_its_budget(kind: str, lang: str) -> None:
    worst = max(
        ((sms_size(sms_text(confirmation(kind, lang, centre, day, two_doses=True))), centre, day)
         for centre in CENTRES for day in DATES),
        key=lambda found: found[0].units,
    )  # fmt: skip
    size, centre, day = worst
    print(f"{kind} of two doses in {lang}: {size.units} {size.encoding} units, {size.parts} parts")
    assert size.parts <= BUDGET_TWO_DOSES[kind][lang], sms_text(
        confirmation(kind, lang, centre, day, two_doses=True)
    )


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
def test_the_dispute_notice_fits_its_budget(lang: str) -> None:
    size = sms_size(notice_text("Z84-P6K-P28", lang))
    print(f"dispute in {lang}: {size.units} {size.encoding} units, {size.parts} parts")
    assert size.parts <= BUDGET["dispute"][lang]


def test_an_offer_link_is_short(settings: SettingsWrapper) -> None:
    settings.SITE_URL = SITE_URL
    link = confirmation("offered", "en", CENTRES[0], DATES[0]).link
    assert link.startswith(f"{SITE_URL}/o/") and len(link) == len(SITE_URL) + 13
