"""PostgreSQL goes down while export_bookings runs: the command stops with a clear message (no
traceback), and once PostgreSQL is back the next run completes an exact export."""

import subprocess
import sys

import pytest
from django.conf import settings

from devstack.environment import database_url, stack_environment
from devstack.people import booking_request
from devstack.processes import ROOT, wait_until
from registration.services import booking_create
from tests.proxy import Proxy
from tests.slots import SlotMaker
from warehouse.models import Booking

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BOOKINGS = 3000


def test_an_export_cut_off_from_postgresql_says_so_and_the_next_one_is_exact(
    transactional_db: None, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=BOOKINGS)
    for i in range(BOOKINGS):
        booking_create(request=booking_request(i, location="WTCKL", date=day))
    database = settings.DATABASES["default"]
    proxy = Proxy(int(str(database["PORT"]))).start()
    url = database_url(port=proxy.port)
    command = [sys.executable, "manage.py", "export_bookings", "--verify", "--chunk", "20"]
    env = stack_environment(DATABASE_URL=url)
    try:
        export = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert wait_until(lambda: Booking.objects.count() > 0, seconds=60, step=0.05)
        proxy.cut()  # PostgreSQL is gone for the export, mid-run
        _, err = export.communicate(timeout=120)
        cut_at = Booking.objects.count()

        assert export.returncode == 1
        assert "Traceback" not in err
        assert "PostgreSQL could not be reached" in err
        assert "run export_bookings again once it is back" in err
        assert 0 < cut_at < BOOKINGS

        proxy.start()
        again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        proxy.cut()
    print(f"\nexport cut off after {cut_at} of {BOOKINGS} rows: {err.strip()}\n{again.stdout}")
    assert again.returncode == 0, again.stderr
    assert "Verified" in again.stdout
    assert Booking.objects.count() == BOOKINGS
    assert Booking.objects.values("reference").distinct().count() == BOOKINGS
