"""Inputs that were accepted and should not have been: each a test that failed before its fix."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from availability.services import CapacityError, slot_set_capacity
from registration.validation import FieldError, clean_email, clean_name
from vaksin.store import slots


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
