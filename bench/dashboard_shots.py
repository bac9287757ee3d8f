"""Photographs of the noon dashboard while `make bench` runs beside it, for docs/.

    .venv/bin/python -m bench.dashboard_shots [--seconds 120] [--every 20]

Run it once the bench has started (it reads the bench's Redis database and PostgreSQL
database, which the bench makes afresh when it starts). It starts a web process of its own on
them, logs an operator in as a person would (a password and a code from an authenticator, in
Chromium) and photographs the dashboard every few seconds into docs/screenshots/, named by the
second they were taken; keep the telling ones.
"""

import argparse
import os
import time

import django

from bench.stack import environment, running_stack
from devstack.processes import ROOT

PASSWORD = "bench operator passphrase"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--every", type=int, default=20)
    options = parser.parse_args()
    os.environ.update(environment())
    django.setup()
    from django.contrib.auth.models import User
    from playwright.sync_api import sync_playwright

    from devstack.staff import totp_code, totp_device

    user, _ = User.objects.get_or_create(username="bench-operator")
    user.is_staff = user.is_superuser = True
    user.set_password(PASSWORD)
    user.save()
    device = totp_device(user)
    folder = ROOT / "docs" / "screenshots"
    with running_stack() as stack, sync_playwright() as playwright:
        base = stack.start_web("web-shots")
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(f"{base}/admin/login/?next=/admin/operations/dashboard/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("[name=otp_token]").fill(totp_code(device))
        page.get_by_role("button", name="Log in").click()
        deadline = time.monotonic() + options.seconds
        while time.monotonic() < deadline:
            page.goto(f"{base}/admin/operations/dashboard/?minutes=10&refresh=off")
            shot = folder / f"dashboard-{time.strftime('%H%M%S')}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(shot.name, flush=True)
            time.sleep(options.every)
        browser.close()


if __name__ == "__main__":
    main()
