"""The switches and the dashboard in a real Chromium against a real gunicorn: an operator logs
in with a password and a code, closes registration and pauses confirmations by clicking, and
an onlooker sees the dashboard and no buttons. axe-core finds nothing serious on any page."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import Browser, Page, expect

from audit.models import AuditEntry
from devstack.processes import wait_until
from devstack.staff import totp_code, totp_device
from tests.browser import assert_accessible, new_page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PASSWORD = "a long passphrase for the operator"
SWITCHES = "/admin/operations/dashboard/switches/"


def log_in(page: Page, base: str, username: str, *permissions: str, then: str) -> None:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    device = totp_device(user)
    page.goto(f"{base}/admin/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("[name=otp_token]").fill(totp_code(device))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{then}")


def registration_closed(page: Page, base: str) -> bool:
    return page.request.get(f"{base}/register/id/").status == 403


def test_an_operator_closes_registration_and_pauses_confirmations_by_clicking(
    browser: Browser,
    web_server,
    shots: Path,
) -> None:
    base = web_server(workers=2)
    page = new_page(browser)
    log_in(page, base, "operator", "view_dashboard", "flip_switches", then=SWITCHES)
    assert_accessible(page)

    page.get_by_role("button", name="Close registration now").click()
    expect(page.get_by_text("Registration is closed on every node")).to_be_visible()
    assert_accessible(page)
    # Every gunicorn worker follows within a second.
    assert wait_until(lambda: registration_closed(page, base), seconds=10)

    page.get_by_role("button", name="Pause confirmations").click()
    expect(page.get_by_text("Confirmations are paused")).to_be_visible()
    expect(page.get_by_role("button", name="Resume confirmations")).to_be_visible()
    page.screenshot(path=str(shots / "admin-switches.png"), full_page=True)

    page.get_by_role("button", name="Follow the configured times").click()
    assert wait_until(lambda: not registration_closed(page, base), seconds=10)
    flips = list(AuditEntry.objects.filter(action="switch").order_by("at"))
    assert [(e.actor, e.target, e.after) for e in flips] == [
        ("operator", "registration", "closed"),
        ("operator", "confirmations", "paused"),
        ("operator", "registration", "scheduled"),
    ]

    page.goto(f"{base}/admin/operations/dashboard/?refresh=off")
    expect(page.locator("h1")).to_have_text("Noon dashboard")
    assert_accessible(page)


def test_an_onlooker_sees_the_dashboard_but_no_switch(
    browser: Browser,
    web_server,
) -> None:
    base = web_server(workers=1)
    page = new_page(browser)
    log_in(page, base, "onlooker", "view_dashboard", then=SWITCHES)

    expect(page.get_by_text("You may look, not flip").first).to_be_visible()
    assert page.get_by_role("button", name="Close registration now").count() == 0
    # The same post a flipping operator's button makes, with a valid CSRF token: refused.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        f"{base}{SWITCHES}",
        form={"switch": "registration", "choice": "closed"},
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 403
    assert not registration_closed(page, base)
    assert not AuditEntry.objects.filter(action="switch").exists()
