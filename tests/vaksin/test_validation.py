"""Every answer is checked on the server, with a specific message for each way it can be wrong."""

import datetime

import pytest

from registration.services import booking_request_clean
from vaksin.errors import MESSAGES, BookingError
from vaksin.validation import (
    FieldError,
    clean_email,
    clean_id_number,
    clean_name,
    clean_phone,
    collect,
    compact_id_number,
    old_enough,
)

TODAY = datetime.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("900101-14-5555", "900101145555"),
        ("900101145555", "900101145555"),
        ("900101 14 5555", "900101145555"),
        (" 900101-14-5555 ", "900101145555"),
        ("000229-10-1234", "000229101234"),  # 29 February 2000 was a real day
        ("850615-71-0001", "850615710001"),  # born abroad: code 71 is a country
    ],
)
def test_it_accepts_a_mykad_in_any_common_spelling(typed: str, stored: str) -> None:
    assert clean_id_number("mykad", typed, today=TODAY) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "mykad_missing"),
        ("900230-14-5555", "mykad_birth_date"),  # 30 February
        ("901301-14-5555", "mykad_birth_date"),  # month 13
        ("900101-00-5555", "mykad_birth_place"),  # place code 00
        ("900101-19-5555", "mykad_birth_place"),  # no such code
        ("90010114555", "mykad_format"),  # 11 digits
        ("9001011455555", "mykad_format"),  # 13 digits
        ("90010A-14-5555", "mykad_format"),  # a letter
        ("٩٠٠١٠١١٤٥٥٥٥", "mykad_format"),  # digits, but not ASCII ones
    ],
)
def test_it_refuses_a_bad_mykad_saying_what_is_wrong(typed: str, code: str) -> None:
    with pytest.raises(FieldError) as refused:
        clean_id_number("mykad", typed, today=TODAY)
    assert refused.value.code == code
    assert code in MESSAGES


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("A1234567", "A1234567"),
        ("k 123 456", "K123456"),
        ("12345", "passport_format"),
        ("A" * 21, "passport_format"),
        ("AB-12.34", "passport_format"),
        ("", "passport_missing"),
    ],
)
def test_it_checks_a_passport_number(typed: str, outcome: str) -> None:
    try:
        assert clean_id_number("passport", typed, today=TODAY) == outcome
    except FieldError as refused:
        assert refused.code == outcome


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("012-345 6789", "+60123456789"),
        ("0123456789", "+60123456789"),
        ("+60 12-345 6789", "+60123456789"),
        ("60123456789", "+60123456789"),
        ("011-1234 5678", "+601112345678"),
        ("(019) 876 5432", "+60198765432"),
        ("03-2345 6789", "phone_not_mobile"),  # a Kuala Lumpur landline
        ("+65 9123 4567", "phone_format"),  # Singapore
        ("+1 415 555 0100", "phone_format"),
        ("hello", "phone_format"),
        ("0", "phone_format"),
        ("9" * 40, "phone_format"),
        ("", "phone_missing"),
    ],
)
def test_it_takes_a_malaysian_mobile_in_any_spelling_and_stores_e164(
    typed: str, outcome: str
) -> None:
    try:
        assert clean_phone(typed) == outcome
    except FieldError as refused:
        assert refused.code == outcome


@pytest.mark.parametrize(
    "name",
    [
        "Siti Nurhaliza binti Tarudin",
        "陈美玲",
        "கார்த்திக் ராஜா",
        "Muhammad Ali bin Abu Bakar",
        "Nur 'Ain",
        "O'Neil-Tan",
        "ഗോപി‌കൃഷ്ണൻ",
    ],
)
def test_it_accepts_names_in_any_script(name: str) -> None:
    assert clean_name(name) == name


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "name_missing"),
        ("   ", "name_missing"),
        ("x" * 101, "name_too_long"),
        ("12345", "name_characters"),
        ("Ali\x00", "name_characters"),
        ("Ali\u202e", "name_characters"),
    ],
)
def test_it_refuses_a_name_that_is_not_one(typed: str, code: str) -> None:
    with pytest.raises(FieldError) as refused:
        clean_name(typed)
    assert refused.value.code == code


def test_it_collapses_spaces_in_a_name() -> None:
    assert clean_name("  Ali   bin\tAbu  ") == "Ali bin Abu"


def test_an_email_is_optional_but_must_be_real_when_given() -> None:
    assert clean_email("") == ""
    assert clean_email("siti@example.my") == "siti@example.my"
    with pytest.raises(FieldError):
        clean_email("siti@")


@pytest.mark.parametrize(
    ("born", "on", "eligible"),
    [
        (datetime.date(2008, 6, 1), datetime.date(2026, 6, 1), True),  # 18th birthday
        (datetime.date(2008, 6, 2), datetime.date(2026, 6, 1), False),  # a day short
        (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1), True),
    ],
)
def test_eligibility_is_18_on_the_slot_date(born, on, eligible) -> None:
    assert old_enough(born, on=on) is eligible


# A complete, valid set of answers; each test below changes what it is about.
ANSWERS = {
    "id_type": "mykad",
    "id_number": "900101-14-5555",
    "name": "Ali",
    "phone": "0123456789",
    "email": "",
    "location": "WTCKL",
    "date": "2026-12-01",
}


def refusal(**changes: object) -> BookingError:
    with pytest.raises(BookingError) as refused:
        booking_request_clean(**(ANSWERS | changes), today=TODAY)  # type: ignore[arg-type]
    return refused.value


def test_every_error_is_reported_at_once_and_names_its_field() -> None:
    refused = refusal(
        id_number="100101-14-5555", name="", phone="03-2345 6789", email="x@", location="",
        date="2026-13-01",
    )  # fmt: skip
    assert refused.fields == {
        "date": ["date_format"],
        "name": ["name_missing"],
        "phone": ["phone_not_mobile"],
        "email": ["email_format"],
        "location": ["location_missing"],
    }


def test_a_mykad_holder_under_18_on_the_slot_date_is_told_so() -> None:
    assert refusal(id_number="100101-14-5555").fields == {"id_number": ["too_young"]}


def test_a_passport_holder_gives_a_date_of_birth_for_the_age_check() -> None:
    refused = refusal(id_type="passport", id_number="A1234567", birth_date="2015-01-01")
    assert refused.fields == {"birth_date": ["too_young"]}


@pytest.mark.parametrize("junk", [None, 12, ["a"], {"a": 1}, "\x00", "🙂" * 50])
def test_wrong_types_and_junk_are_field_errors_not_crashes(junk) -> None:
    assert refusal(**dict.fromkeys(ANSWERS, junk)).code == "invalid"


def test_an_id_number_is_compacted_without_spaces_or_hyphens_in_capitals() -> None:
    assert compact_id_number(" 900101-14 5555 ") == "900101145555"
    assert compact_id_number("a 123-456") == "A123456"


def test_collect_notes_an_error_against_its_field_and_checks_the_next_answer() -> None:
    errors: dict[str, list[str]] = {}
    assert collect(errors, "name", clean_name, "") is None
    assert collect(errors, "phone", clean_phone, "012-345 6789") == "+60123456789"
    assert collect(errors, "name", clean_name, "   ") is None
    assert errors == {"name": ["name_missing", "name_missing"]}
