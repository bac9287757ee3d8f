"""The national-scale slots the bench seeds are a valid seed_slots file of 600 x 30 slots."""

import datetime

from availability.management.commands.seed_slots import read_rows
from bench.listing import NATIONAL_CENTRES, NATIONAL_DAYS, write_national_slots


def test_the_national_slots_are_a_valid_seed_file(tmp_path) -> None:
    path = tmp_path / "national.csv"

    count = write_national_slots(path, first=datetime.date(2031, 1, 1))

    rows = read_rows(path)
    assert count == len(rows) == NATIONAL_CENTRES * NATIONAL_DAYS == 18_000
    assert len({row.location_id for row in rows}) == NATIONAL_CENTRES
    assert len({row.state for row in rows}) == 16
    assert {row.date for row in rows} == {
        datetime.date(2031, 1, 1) + datetime.timedelta(days=n) for n in range(NATIONAL_DAYS)
    }
