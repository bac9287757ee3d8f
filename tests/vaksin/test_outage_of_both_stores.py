"""The export, the relay and the confirmation worker run by themselves and outlive an outage of
Redis and PostgreSQL: they wait, retry, and carry on where they were, exiting never."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from devstack.environment import database_url
from devstack.people import booking_request
from devstack.processes import wait_until
from devstack.sms import sms_lines
from registration.services import booking_create
from tests.conftest import ConfirmationStack
from tests.proxy import Proxy
from tests.slots import SlotMaker
from warehouse.models import Booking

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def through(url: str, proxy: Proxy) -> str:
    """`url` with its port replaced by the proxy's."""
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{auth + '@' if auth else ''}127.0.0.1:{proxy.port}"))


def sent(stack: ConfirmationStack, count: int) -> bool:
    return stack.sms_path.exists() and len(sms_lines(stack.sms_path)) >= count


def exported(count: int) -> bool:
    return Booking.objects.count() >= count


def test_the_pipeline_outlives_an_outage_of_redis_and_postgresql(
    transactional_db: None, make_slot: SlotMaker, confirmation_stack, tmp_path: Path
) -> None:
    day = make_slot(capacity=100)
    redis_proxy = Proxy(urlsplit(settings.REDIS_URL).port or 6379).start()
    database = settings.DATABASES["default"]
    pg_proxy = Proxy(int(str(database["PORT"]))).start()
    proxied_url = database_url(port=pg_proxy.port)
    stack = confirmation_stack(
        REDIS_URL=through(settings.REDIS_URL, redis_proxy),
        DATABASE_URL=proxied_url,
        EXPORT_INTERVAL="1",
    )
    processes = [stack.relay(), stack.worker(), stack._start("export_bookings", "--loop")]
    try:
        booking_create(request=booking_request(1, location="WTCKL", date=day))
        assert wait_until(lambda: sent(stack, 1) and exported(1), seconds=60)

        redis_proxy.cut()
        pg_proxy.cut()
        # Booked while the processes cannot reach either store (the test reaches them directly).
        booking_create(request=booking_request(2, location="WTCKL", date=day))
        assert not wait_until(lambda: any(p.poll() is not None for p in processes), seconds=8)
        assert not sent(stack, 2)

        redis_proxy.start()
        pg_proxy.start()
        assert wait_until(lambda: sent(stack, 2) and exported(2), seconds=90), [
            log.read_text()[-2000:] for log in sorted(tmp_path.glob("*.log"))
        ]
        assert all(process.poll() is None for process in processes)
    finally:
        redis_proxy.cut()
        pg_proxy.cut()
