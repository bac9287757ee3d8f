"""What the wizard's last step needs from a browser: its encrypted cookies holding a verified
phone and every answer (one pair per person), and a CSRF cookie with its form token."""

import re
import time
from pathlib import Path
from urllib.request import urlopen

from django.http import HttpResponse

from devstack.people import booking_request
from phones.browser import COOKIE as PHONE_COOKIE
from wizard.state import COOKIE, WizardState, wizard_save


def write_wizard_cookies(
    path: Path, *, first_person: int, count: int, slots: list[str], states: dict[str, str]
) -> None:
    """One person's cookies per line ("name=value; name=value", as a Cookie header carries
    them), each a new person who has verified their phone and answered every step."""
    lines = []
    until = int(time.time()) + 24 * 3600
    for i in range(count):
        location, date = slots[i % len(slots)].split("|")
        person = booking_request(first_person + i, location=location, date=date)
        answers = {
            "id_type": person.id_type, "id_number": person.id_number, "name": person.name,
            "email": "", "state": states[location], "location": location, "date": date,
        }  # fmt: skip
        response = HttpResponse()
        wizard_save(response, WizardState(answers=answers).verified(person.phone, until=until))
        lines.append(
            "; ".join(f"{c.name}={response.cookies[c.name].value}" for c in (COOKIE, PHONE_COOKIE))
        )
    path.write_text("\n".join(lines) + "\n")


def csrf_pair(base: str) -> tuple[str, str]:
    """A CSRF cookie and the matching form token, as a browser gets them from the first page."""
    with urlopen(f"{base}/register/phone/") as page:  # noqa: S310 (loopback only)
        cookie = next(
            value.split(";")[0].split("=", 1)[1]
            for name, value in page.headers.items()
            if name.lower() == "set-cookie" and value.startswith("csrftoken=")
        )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token, "the wizard's first page has no CSRF token"
    return cookie, token.group(1)
