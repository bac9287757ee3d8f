"""A waiting room that opened with no seed committed admits nobody, since admission waits for a
reveal that needs a commitment. Before, nothing said so: the page kept saying "You are in the
draw" and every figure looked normal. Now /metrics says vaksin_waiting_room_uncommitted 1, an
alert rule pages on it, the noon dashboard shows it in red and the web process logs it; each
goes quiet once operators commit (the control)."""

import datetime
import logging
import re
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from devstack.processes import ROOT
from tests.operations.metrics_text import TOKEN, sample, scrape
from tests.operations.test_switches import staff
from vaksin.store.queue import queue_commit, seed_commitment
from waiting_room import services
from waiting_room.services import PUBLIC

DASHBOARD = reverse("admin:operations_dashboard_changelist")
METRIC = "vaksin_waiting_room_uncommitted"

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened_uncommitted(settings):
    """A room open since a minute ago, registration opening in an hour, and no commitment."""
    now = timezone.now()
    settings.WAITING_ROOM_OPENS_AT = now - datetime.timedelta(minutes=1)
    settings.REGISTRATION_OPENS_AT = now + datetime.timedelta(hours=1)
    settings.METRICS_TOKEN = TOKEN
    PUBLIC.clear()
    # Each test sees the first log line, however recently another test logged one.
    services._uncommitted_logged_at = -services.UNCOMMITTED_LOG_SECONDS


def commit() -> None:
    assert queue_commit(seed_commitment(secrets.token_hex(32)))
    PUBLIC.clear()


def test_the_metric_says_an_open_room_has_no_commitment(client, opened_uncommitted) -> None:
    assert sample(scrape(client), METRIC) == 1
    commit()
    assert sample(scrape(client), METRIC) == 0


def test_the_metric_is_quiet_before_the_room_opens_and_without_a_room(client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.WAITING_ROOM_OPENS_AT = None
    assert sample(scrape(client), METRIC) == 0
    settings.WAITING_ROOM_OPENS_AT = timezone.now() + datetime.timedelta(minutes=5)
    settings.REGISTRATION_OPENS_AT = timezone.now() + datetime.timedelta(hours=1)
    assert sample(scrape(client), METRIC) == 0


def test_an_alert_rule_pages_on_it() -> None:
    rules = (ROOT / "deploy" / "prometheus" / "vaksin-alerts.yml").read_text()
    rule = re.search(
        r"- alert: VaksinWaitingRoomUncommitted\n(.*?)(?=\n      - alert|\Z)", rules, re.S
    )
    assert rule, "no alert rule for a room left uncommitted"
    assert f"max({METRIC}) == 1" in rule.group(1)
    assert "severity: page" in rule.group(1)


def test_the_dashboard_shows_it_in_red(opened_uncommitted) -> None:
    operator = staff("operator", "view_dashboard")
    page = operator.get(DASHBOARD).content.decode()
    assert 'class="alarm" id="room-uncommitted"' in page
    assert "no seed was committed: nobody is admitted" in page
    commit()
    assert 'id="room-uncommitted"' not in operator.get(DASHBOARD).content.decode()


def test_it_is_logged_once_a_minute_not_on_every_scrape(client, opened_uncommitted, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="waiting_room.services"):
        scrape(client)
        scrape(client)
    logged = [r for r in caplog.records if getattr(r, "event", "") == "waiting_room_uncommitted"]
    assert len(logged) == 1
    assert "never committed" in logged[0].getMessage()
    caplog.clear()
    commit()
    services._uncommitted_logged_at = -services.UNCOMMITTED_LOG_SECONDS
    with caplog.at_level(logging.ERROR, logger="waiting_room.services"):
        scrape(client)
    assert not [r for r in caplog.records if getattr(r, "event", "") == "waiting_room_uncommitted"]
