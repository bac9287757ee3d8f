"""manage.py seed_slots: from a CSV or the real 2021 centres, idempotent, keeping bookings."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from availability.models import Centre
from devstack.people import booking_request
from registration.services import booking_create
from vaksin.store import slots

HEADER = "state,location_id,location_name,date,capacity\n"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_slots", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write_csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "slots.csv"
    path.write_text(HEADER + rows)
    return str(path)


def test_demo_seeds_the_eight_real_centres_for_n_days(db) -> None:
    summary = seed("--demo", "--days", "3", "--capacity", "500")

    capacities = slots.read_slots().capacity
    assert len(capacities) == 24
    assert set(capacities.values()) == {500}
    assert Centre.objects.count() == 8
    assert Centre.objects.get(id="WTCKL").state == "MY-14"
    assert "Seeded 24 slots at 8 centres: 24 new" in summary


def test_seeding_twice_changes_nothing(db) -> None:
    seed("--demo", "--days", "2")
    assert "0 new, 0 changed, 16 unchanged" in seed("--demo", "--days", "2")


def test_seeding_if_empty_leaves_existing_slots_alone(db) -> None:
    seed("--demo", "--days", "2", "--capacity", "5")
    assert "nothing seeded" in seed("--demo", "--days", "2", "--capacity", "9", "--if-empty")
    assert set(slots.read_slots().capacity.values()) == {5}


def test_a_new_capacity_keeps_the_places_already_booked(db, tmp_path, tomorrow) -> None:
    day = tomorrow.isoformat()
    seed("--file", write_csv(tmp_path, f"MY-14,WTCKL,World Trade Centre,{day},5\n"))
    for person in range(3):
        booking_create(request=booking_request(person, location="WTCKL", date=day))

    seed("--file", write_csv(tmp_path, f"MY-14,WTCKL,World Trade Centre,{day},8\n"))

    found = slots.read_slots()
    assert found.capacity[f"WTCKL|{day}"] == 8
    assert found.booked[f"WTCKL|{day}"] == 3


def test_a_capacity_below_the_booked_count_is_refused_clearly(db, tmp_path, tomorrow) -> None:
    day = tomorrow.isoformat()
    seed("--file", write_csv(tmp_path, f"MY-14,WTCKL,World Trade Centre,{day},5\n"))
    for person in range(3):
        booking_create(request=booking_request(person, location="WTCKL", date=day))

    with pytest.raises(CommandError, match="refused"):
        seed("--file", write_csv(tmp_path, f"MY-14,WTCKL,World Trade Centre,{day},2\n"))

    assert slots.read_slots().capacity[f"WTCKL|{day}"] == 5


def test_a_bad_csv_is_refused_whole_with_every_bad_line_named(db, tmp_path) -> None:
    rows = (
        "MY-14,WTCKL,World Trade Centre,2030-01-01,5\n"
        "MY-99,UM,Universiti Malaya,2030-01-01,5\n"
        "MY-14,UM,Universiti Malaya,2030-02-30,5\n"
        "MY-14,UM,Universiti Malaya,2030-01-02,-1\n"
    )
    with pytest.raises(CommandError) as refused:
        seed("--file", write_csv(tmp_path, rows))

    message = str(refused.value)
    assert "line 3: state 'MY-99'" in message
    assert "line 4: date '2030-02-30'" in message
    assert "line 5: capacity '-1'" in message
    assert slots.read_slots().capacity == {}


def test_a_wrong_header_is_named(db, tmp_path) -> None:
    path = tmp_path / "slots.csv"
    path.write_text("centre,day,places\n")
    with pytest.raises(CommandError, match="the header must be"):
        seed("--file", str(path))


def test_seeding_keeps_a_centres_opening_hours(db, tmp_path, tomorrow) -> None:
    seed("--demo", "--days", "1")
    Centre.objects.filter(id="WTCKL").update(opens_at=datetime.time(8, 0))
    seed("--demo", "--days", "1")
    assert Centre.objects.get(id="WTCKL").opens_at == datetime.time(8, 0)
