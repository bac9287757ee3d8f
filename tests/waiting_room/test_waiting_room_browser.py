"""The waiting room in a real Chromium against a real gunicorn, at phone width and with
JavaScript off: the place moves, the page refreshes itself into the booking steps when the turn
comes, and a sold-out round is said at once. Every page checked with axe-core."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from devstack.people import new_phone
from devstack.sms import sms_size
from tests.browser import assert_accessible, new_page, type_code
from waiting_room.services import queue_join

pytestmark = pytest.mark.browser


def _room(settings, web_server, *, opens_in: float, rate: int = 1) -> str:
    """A gunicorn with a waiting room, and this process configured alike (to queue others)."""
    now = timezone.now()
    settings.WAITING_ROOM_OPENS_AT = now - datetime.timedelta(hours=1)
    settings.REGISTRATION_OPENS_AT = now + datetime.timedelta(seconds=opens_in)
    settings.WAITING_ROOM_RATE = rate
    return web_server(
        workers=1,
        WAITING_ROOM_OPENS_AT=settings.WAITING_ROOM_OPENS_AT.isoformat(),
        REGISTRATION_OPENS_AT=settings.REGISTRATION_OPENS_AT.isoformat(),
        WAITING_ROOM_RATE=str(rate),
    )


def _verify(page, base: str, sms: Path) -> None:
    page.goto(f"{base}/register/phone/")
    seen = sms_size(sms)
    page.locator("#phone").fill("012-345 6789")
    page.locator("#submit").click()
    type_code(page, sms, seen=seen)
    page.locator("#submit").click()


def test_a_person_waits_their_turn_and_is_let_into_the_wizard(
    browser: Browser,
    web_server,
    site_sms: Path,
    make_slot,
    settings,
    shots: Path,
) -> None:
    make_slot(capacity=50)
    base = _room(settings, web_server, opens_in=-1)
    for _ in range(6):  # six people came first
        queue_join(phone=new_phone())
    page = new_page(browser, viewport="phone", java_script_enabled=False)
    _verify(page, base, site_sms)
    page.wait_for_url("**/register/wait/")
    expect(page.locator("h1")).to_have_text("You are in the queue")
    first = re.search(r"(\d+) (?:person|people) ahead", page.inner_text("main"))
    assert first is not None
    ahead = int(first.group(1))
    assert ahead >= 1
    page.screenshot(path=str(shots / "phone-waiting-room.png"), full_page=True)
    # axe-core needs JavaScript: the same page, with the same cookie, in a context that has it.
    checker = new_page(browser, viewport="phone")
    checker.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
    checker.goto(page.url)
    assert_accessible(checker)
    checker.context.close()
    page.wait_for_timeout(1500)
    page.reload()
    later = re.search(r"(\d+) (?:person|people) ahead", page.inner_text("main"))
    assert later is None or int(later.group(1)) < ahead  # the place moved
    # No clicks: the page refreshes itself and, once the turn comes, goes on to book.
    page.wait_for_url("**/register/id/", timeout=30_000)
    expect(page.locator("h1")).to_contain_text("identity")
    page.context.close()


def test_before_the_opening_a_person_is_in_the_draw_in_malay(
    browser: Browser,
    web_server,
    site_sms: Path,
    make_slot,
    settings,
    shots: Path,
) -> None:
    make_slot(capacity=50)
    base = _room(settings, web_server, opens_in=3600)
    page = new_page(browser, viewport="phone", locale="ms-MY")
    page.context.add_cookies([{"name": "django_language", "value": "ms", "url": base}])
    _verify(page, base, site_sms)
    page.wait_for_url("**/register/wait/")
    expect(page.locator("h1")).to_have_text("Anda dalam cabutan")
    page.locator("summary").click()
    expect(page.locator("details code").first).to_be_visible()
    page.screenshot(path=str(shots / "phone-waiting-room-draw-ms.png"), full_page=True)
    assert_accessible(page)
    page.context.close()


def test_when_every_place_is_gone_the_waiting_page_says_so(
    browser: Browser,
    web_server,
    site_sms: Path,
    make_slot,
    settings,
    shots: Path,
) -> None:
    make_slot(capacity=0)
    base = _room(settings, web_server, opens_in=-1)
    page = new_page(browser, viewport="phone")
    _verify(page, base, site_sms)
    # With nothing left to queue for, the wizard goes on to its steps (to join a waiting list);
    # a waiting page already open learns at its next update.
    page.wait_for_url("**/register/id/")
    page.goto(f"{base}/register/wait/")
    expect(page.locator("h1")).to_have_text("Every place has been booked")
    expect(page.locator("main").get_by_role("link", name="check your appointment")).to_be_visible()
    page.screenshot(path=str(shots / "phone-waiting-room-sold-out.png"), full_page=True)
    assert_accessible(page)
    page.context.close()
