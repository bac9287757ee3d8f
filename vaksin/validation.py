"""Cleaning of each answer a person gives, shared by the wizard and the API.

Each `clean_*` returns the normalised value or raises FieldError with a key of
vaksin.errors.MESSAGES, so every caller shows the same specific message.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum import numdb

ID_TYPES = ("mykad", "passport")
MIN_AGE = 18
# The longest value each field takes: the one statement of each limit, which the door enforces
# and every store is sized by (the warehouse's columns, warehouse/models.py), so that
# anything accepted fits everywhere it goes. docs/api.md lists them.
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321: a path is 256 octets with its angle brackets
EMAIL_LOCAL_MAX_LENGTH = 64  # RFC 5321, 4.5.3.1.1
ID_NUMBER_MAX_LENGTH = 20
PHONE_MAX_LENGTH = 16  # E.164: "+" and at most 15 digits
LANGUAGE_MAX_LENGTH = 7  # "zh-hans", the longest of settings.LANGUAGES
ID_TYPE_MAX_LENGTH = 8
PASSPORT_PATTERN = re.compile(rf"[A-Z0-9]{{6,{ID_NUMBER_MAX_LENGTH}}}")
LOCATION_PATTERN = re.compile(r"[A-Z0-9_-]{1,32}")
JOINERS = {"\u200c", "\u200d"}
# Hangul fillers: letters to Unicode, blank on screen, so a name of nothing but these is empty.
INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}


class FieldError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


T = TypeVar("T")


def collect(
    errors: dict[str, list[str]], field: str, clean: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """Runs one cleaner, noting its error code against `field` instead of raising it, so that
    every answer can be checked at once and one error never hides another."""
    try:
        return clean(*args, **kwargs)
    except FieldError as error:
        errors.setdefault(field, []).append(error.code)
        return None


def compact_id_number(value: str) -> str:
    """An ID number as kept: spaces and hyphens dropped, letters in capitals."""
    return re.sub(r"[\s-]", "", value).upper()


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def clean_id_type(value: object) -> str:
    text = _text(value).lower()
    if text not in ID_TYPES:
        raise FieldError("id_type_missing")
    return text


def mykad_birth_date(digits: str, *, today: datetime.date) -> datetime.date:
    """The date of birth in a MyKad number; its two-digit year is the latest not after today."""
    year, month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in (2000, 1900):
        try:
            born = datetime.date(century + year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise FieldError("mykad_birth_date")


@cache
def _known_birth_place(code: str) -> bool:
    # Cached: stdnum walks its whole table on each lookup, which cost a booking request more
    # than the rest of its validation together (bench/profile.py).
    return bool(numdb.get("my/bp").info(code)[0][1])


def _clean_mykad(text: str, *, today: datetime.date) -> str:
    if not (len(text) == 12 and text.isascii() and text.isdigit()):
        raise FieldError("mykad_format")
    mykad_birth_date(text, today=today)
    if not _known_birth_place(text[6:8]):
        raise FieldError("mykad_birth_place")
    return text


def is_mykad(text: str, *, today: datetime.date) -> bool:
    try:
        _clean_mykad(text, today=today)
    except FieldError:
        return False
    return True


# A MyKad's 12 digits with a letter or two around them: A850412145671 is the MyKad
# 850412-14-5671 typed as a passport. Longer runs of digits are left alone: a foreign passport
# of 13 digits may hold a MyKad-like window by chance, and refusing it would refuse its holder.
MYKAD_WRAPPED = re.compile(r"[A-Z]{0,2}(\d{12})[A-Z]{0,2}")


def holds_a_mykad(text: str, *, today: datetime.date) -> bool:
    """Whether a passport number is a valid MyKad number, bare or with a letter or two around
    it."""
    wrapped = MYKAD_WRAPPED.fullmatch(text)
    return wrapped is not None and is_mykad(wrapped.group(1), today=today)


def clean_id_number(id_type: str, value: object, *, today: datetime.date) -> str:
    """A MyKad as its 12 digits (hyphens and spaces dropped); a passport in capitals.

    A passport number that is, or holds, a valid MyKad number is refused: it is the same
    person, and one person holds one booking whatever the document they type their number
    into."""
    text = compact_id_number(_text(value))
    if id_type == "mykad":
        if not text:
            raise FieldError("mykad_missing")
        return _clean_mykad(text, today=today)
    if not text:
        raise FieldError("passport_missing")
    if not PASSPORT_PATTERN.fullmatch(text):
        raise FieldError("passport_format")
    if holds_a_mykad(text, today=today):
        raise FieldError("passport_is_mykad")
    return text


def clean_birth_date(value: object, *, today: datetime.date) -> datetime.date | None:
    """An optional date of birth (asked of passport holders), as YYYY-MM-DD."""
    text = _text(value)
    if not text:
        return None
    try:
        born = datetime.date.fromisoformat(text)
    except ValueError:
        raise FieldError("birth_date_format") from None
    if born > today:
        raise FieldError("birth_date_future")
    return born


def old_enough(born: datetime.date, *, on: datetime.date) -> bool:
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    return on.year - born.year - (0 if had_birthday else 1) >= MIN_AGE


def clean_name(value: object) -> str:
    """Any script; whitespace collapsed; control and formatting characters refused."""
    text = " ".join(_text(value).split())
    if not text:
        raise FieldError("name_missing")
    if len(text) > NAME_MAX_LENGTH:
        raise FieldError("name_too_long")
    if text.isascii():
        # The same rule without a look-up per character: once split() has taken the whitespace
        # controls, an ASCII control character is what isprintable() refuses.
        if not text.isprintable() or not any(char.isalpha() for char in text):
            raise FieldError("name_characters")
        return text
    # Zero-width joiners are part of correct spelling in several Indic scripts.
    categories = {
        unicodedata.category(char)[0] for char in text if not char.isspace() and char not in JOINERS
    }
    visible_letter = any(
        unicodedata.category(char)[0] == "L" and char not in INVISIBLE_LETTERS for char in text
    )
    if "C" in categories or not visible_letter:
        raise FieldError("name_characters")
    return text


def clean_phone(value: object) -> str:
    """A Malaysian mobile number in any common spelling, as E.164 (+60123456789)."""
    text = _text(value)
    if not text:
        raise FieldError("phone_missing")
    if len(text) > 32:
        raise FieldError("phone_format")
    try:
        number = phonenumbers.parse(text, "MY")
    except phonenumbers.NumberParseException:
        raise FieldError("phone_format") from None
    if number.country_code != 60 or not phonenumbers.is_valid_number(number):
        raise FieldError("phone_format")
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise FieldError("phone_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_national(value: str) -> str:
    """An E.164 Malaysian number as people write it (012-345 6789); anything else unchanged."""
    try:
        number = phonenumbers.parse(value, "MY")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def clean_email(value: object) -> str:
    """Optional: an empty answer is no e-mail. At most EMAIL_MAX_LENGTH characters, and as
    long again once an international domain is spelt in ASCII for the mail server."""
    text = _text(value)
    if not text:
        return ""
    local, _, domain = text.rpartition("@")
    if len(text) > EMAIL_MAX_LENGTH or len(local) + 1 + len(_ascii_domain(domain)) > (
        EMAIL_MAX_LENGTH
    ):
        raise FieldError("email_too_long")
    if len(local) > EMAIL_LOCAL_MAX_LENGTH:
        raise FieldError("email_local_too_long")
    # Django accepts quoted local parts (which may hide control characters), IP literals and
    # single-label hosts like localhost; no mailbox a person gives us looks like that.
    if '"' in local or domain.startswith("[") or "." not in domain or not text.isprintable():
        raise FieldError("email_format")
    try:
        validate_email(text)
    except ValidationError:
        raise FieldError("email_format") from None
    return text


def _ascii_domain(domain: str) -> str:
    """A domain as a mail server is given it (IDNA); unchanged when it cannot be encoded, which
    the format check then refuses."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def clean_location(value: object) -> str:
    text = _text(value).upper()
    if not text:
        raise FieldError("location_missing")
    if not LOCATION_PATTERN.fullmatch(text):
        raise FieldError("unknown_slot")
    return text


def clean_date(value: object) -> datetime.date:
    text = _text(value)
    if not text:
        raise FieldError("date_missing")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise FieldError("date_format") from None
