"""Inputs that were accepted and should not have been: each a test that failed before its fix."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from availability.services import CapacityError, slot_set_capacity
from vaksin.store import slots
from vaksin.validation import FieldError, clean_email, clean_name


@pytest.mark.parametrize(
    "email", ['"a\x07b"@example.com', '"x y"@example.com', "a@[127.0.0.1]", "root@localhost"]
)
def test_odd_email_addresses_are_refused(email: str) -> None:
    with pytest.raises(FieldError):
        clean_email(email)


@pytest.mark.parametrize("name", ["\u3164", "\u3164 \u3164", "\u115f\u1160", "\uffa0"])
def test_a_name_of_invisible_fillers_is_refused(name: str) -> None:
    with pytest.raises(FieldError):
        clean_name(name)


def test_seed_slots_refuses_a_capacity_over_a_million(db, tmp_path: Path, tomorrow) -> None:
    path = tmp_path / "slots.csv"
    path.write_text(
        "state,location_id,location_name,date,capacity\n"
        f"MY-14,WTCKL,World Trade Centre,{tomorrow},{10**23}\n"
    )
    with pytest.raises(CommandError, match="1,000,000"):
        call_command("seed_slots", "--file", str(path))
    assert slots.read_slots().capacity == {}


def test_the_capacity_service_and_script_refuse_a_capacity_over_a_million(make_slot) -> None:
    day: datetime.date = make_slot()
    with pytest.raises(CapacityError):
        slot_set_capacity(location="WTCKL", date=day, capacity=1_000_001)
    with pytest.raises(Exception, match="1000000"):
        slots.set_capacity(location="WTCKL", date=day.isoformat(), capacity=10**23)


def test_an_email_longer_than_rfc_5321_allows_is_refused_with_its_own_message(
    client, make_slot
) -> None:
    from devstack.people import api_body, bearer
    from tests.population import longest_email
    from vaksin.errors import MESSAGES
    from vaksin.validation import EMAIL_LOCAL_MAX_LENGTH, EMAIL_MAX_LENGTH

    assert clean_email(longest_email()) == longest_email()
    with pytest.raises(FieldError, match="email_too_long"):
        clean_email("a" + longest_email())
    with pytest.raises(FieldError, match="email_local_too_long"):
        clean_email("a" * (EMAIL_LOCAL_MAX_LENGTH + 1) + "@example.my")
    # An international domain counts as the mail server is given it: in ASCII (IDNA).
    with pytest.raises(FieldError, match="email_too_long"):
        clean_email("a" * 64 + "@" + ".".join(["例子" * 10] * 6) + ".my")
    assert str(EMAIL_MAX_LENGTH) in str(MESSAGES["email_too_long"])
    assert str(EMAIL_LOCAL_MAX_LENGTH) in str(MESSAGES["email_local_too_long"])

    # The 307-character address that the API once took, and the warehouse then refused.
    body = api_body(make_slot(), email="a" * 64 + "@" + "b" * 239 + ".my")
    answer = client.post(
        "/api/bookings", body, content_type="application/json",
        headers={"Authorization": bearer(body["phone"])},
    )  # fmt: skip
    assert answer.status_code == 400
    too_long = "Your email address must be 254 characters or fewer"
    assert answer.json()["fields"] == {"email": [too_long]}


def test_every_limit_the_door_enforces_fits_the_warehouse_column_it_ends_in() -> None:
    from vaksin import validation
    from warehouse.models import Booking

    columns: dict[str, int] = {
        field.name: field.max_length for field in Booking._meta.fields if field.max_length
    }
    assert columns["name"] >= validation.NAME_MAX_LENGTH
    assert columns["email"] >= validation.EMAIL_MAX_LENGTH
    assert columns["id_number"] >= validation.ID_NUMBER_MAX_LENGTH
    assert columns["phone"] >= validation.PHONE_MAX_LENGTH
    assert columns["id_type"] >= max(len(kind) for kind in validation.ID_TYPES)
    from django.conf import settings

    assert columns["lang"] >= max(len(code) for code, _ in settings.LANGUAGES)
