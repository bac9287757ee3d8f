"""The noon rush as people make it: refreshing the listing, walking the wizard, booking.

Point it at any host you are allowed to load (loopback by default here):

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 \\
        --users 500 --spawn-rate 50 --run-time 2m --csv var/locust --html var/locust.html

Every booking is made by a new person with a valid MyKad, from a phone verified as a person
would: POST /api/verifications, the code from the SMS, POST /api/verifications/confirm; or,
in the wizard, the mobile number step, the code from the SMS, the code step. The code is read
from the file SMS backend's log (VAKSIN_LOCUST_SMS_FILE, `make run`'s var/log/sms.log by
default), so the bookings run against a loopback deployment only; a deployment with a real
SMS gateway needs its own way to hand codes to the load test.

A full slot (409 sold_out), a person already booked (409 already_registered) and a rate limit
(429) are answers the service is meant to give at noon, so they count as successes; anything
else, and any 5xx, fails.
"""

import datetime
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

EXPECTED = {200, 201, 303, 409, 429}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Each locust process numbers its people from its own random block, so that processes and
# repeated runs rarely pick the same person.
people = itertools.count(random.randrange(10**7) * 10)


def mykad(n: int) -> str:
    """A valid MyKad for person n: a real date of birth between 1950 and 1999, place code 14."""
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n // 10_000) % 18_000)
    return f"{born:%y%m%d}14{n % 10_000:04d}"


def phone(n: int) -> str:
    return f"+6012{n % 10_000_000:07d}"


def person(n: int) -> dict[str, Any]:
    return {
        "id_type": "mykad",
        "id_number": mykad(n),
        "name": f"Load Test {n}",
        "phone": phone(n),
        "email": None,
    }


SMS_FILE = Path(os.environ.get("VAKSIN_LOCUST_SMS_FILE", "var/log/sms.log"))
CODE = re.compile(r"\b(\d{6})\b")


def code_sent_to(number: str, *, after: int, seconds: float = 10) -> str | None:
    """The newest code the file SMS backend wrote to `number` past byte `after`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if SMS_FILE.exists():
            with SMS_FILE.open("rb") as handle:
                handle.seek(after)
                # Only whole lines: the code worker may be writing the last one right now.
                whole = handle.read().rpartition(b"\n")[0]
                for line in reversed(whole.decode().splitlines()):
                    message = json.loads(line)
                    if message["to"] == number and (found := CODE.search(message["text"])):
                        return found.group(1)
        time.sleep(0.1)
    return None


class NoonRushUser(HttpUser):
    # People at noon refresh every few seconds.
    wait_time = between(1, float(os.environ.get("VAKSIN_LOCUST_MAX_WAIT", "5")))
    slots: list[tuple[str, str, str]] = []  # (state, centre, date) with places left
    phone = ""
    token = ""

    def on_start(self) -> None:
        """Verify this user's phone, as people do the days before registration opens."""
        self.phone = phone(next(people))
        seen = SMS_FILE.stat().st_size if SMS_FILE.exists() else 0
        sent = self.client.post("/api/verifications", json={"phone": self.phone})
        code = code_sent_to(self.phone, after=seen) if sent.status_code == 202 else None
        if code is None:
            return
        answer = self.client.post(
            "/api/verifications/confirm", json={"phone": self.phone, "code": code}
        )
        if answer.status_code == 200:
            self.token = answer.json()["token"]

    def refresh_listing(self) -> None:
        with self.client.get(
            "/api/availability", name="/api/availability", catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"status {answer.status_code}")
                return
            self.slots = [
                (state["code"], location["id"], slot["date"])
                for state in answer.json()["states"]
                for location in state["locations"]
                for slot in location["slots"]
                if slot["available"] > 0
            ]

    def pick_slot(self) -> tuple[str, str, str] | None:
        """A slot with places left in the listing this person last saw (or a fresh one)."""
        if not self.slots:
            self.refresh_listing()
        return random.choice(self.slots) if self.slots else None

    @task(10)
    def watch_the_listing(self) -> None:
        self.refresh_listing()

    @task(2)
    def book_through_the_api(self) -> None:
        if not self.token or (slot := self.pick_slot()) is None:
            return
        _, location, date = slot
        # A family books from one phone: a new member each time, until the phone's limit (409).
        body = person(next(people)) | {"phone": self.phone, "location": location, "date": date}
        with self.client.post(
            "/api/bookings",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            catch_response=True,
        ) as answer:
            if answer.status_code not in EXPECTED:
                answer.failure(f"status {answer.status_code}: {answer.text[:200]}")
            else:
                # With catch_response, locust takes any 4xx for a failure unless told otherwise.
                answer.success()

    @task(2)
    def walk_the_wizard(self) -> None:
        """A new person walks the wizard: their mobile number, the code from the SMS, then
        every step to the booking."""
        if (slot := self.pick_slot()) is None:
            return
        state, location, date = slot
        someone = person(next(people))
        seen = SMS_FILE.stat().st_size if SMS_FILE.exists() else 0
        if not self.answer_step("/register/phone/", {"phone": someone["phone"]}):
            return
        code = code_sent_to(someone["phone"], after=seen)
        if code is None:
            return
        steps = [
            ("/register/code/", {"code": code}),
            ("/register/id/", {"id_type": "mykad", "id_number": someone["id_number"]}),
            ("/register/details/", {"name": someone["name"], "email": ""}),
            ("/register/state/", {"state": state}),
            ("/register/centre/", {"location": location}),
            ("/register/date/", {"slot": f"{location}|{date}"}),
            ("/register/check/", {}),
        ]
        for path, answers in steps:
            if not self.answer_step(path, answers):
                return
        self.client.get("/register/confirmation/", name="/register/confirmation/")
        self.client.cookies.clear()

    def answer_step(self, path: str, answers: dict[str, str]) -> bool:
        """Opens a wizard page and posts its answers with the page's CSRF token; whether the
        wizard moved on."""
        page = self.client.get(path, name=path)
        token = TOKEN.search(page.text)
        if page.status_code != 200 or not token:
            return False  # e.g. the date filled up meanwhile: the wizard sent us elsewhere
        with self.client.post(
            path, data=answers | {"csrfmiddlewaretoken": token.group(1)}, name=path,
            catch_response=True, allow_redirects=False,
        ) as answer:  # fmt: skip
            if answer.status_code not in EXPECTED:
                answer.failure(f"status {answer.status_code}")
                return False
            # With catch_response, locust takes any 4xx for a failure unless told otherwise.
            answer.success()
            return answer.status_code == 303
