"""The noon rush as people make it: refreshing the listing, walking the wizard, booking.

Point it at any host you are allowed to load (loopback by default here):

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 \\
        --users 500 --spawn-rate 50 --run-time 2m --csv var/locust --html var/locust.html

Every booking is made by a new person with a valid MyKad. A full slot (409 sold_out), a person
already booked (409 already_registered) and a rate limit (429) are answers the service is
meant to give at noon, so they count as successes; anything else, and any 5xx, fails.
"""

import datetime
import itertools
import os
import random
import re
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


def person(n: int) -> dict[str, Any]:
    return {
        "id_type": "mykad",
        "id_number": mykad(n),
        "name": f"Load Test {n}",
        "phone": f"+6012{n % 10_000_000:07d}",
        "email": None,
    }


class NoonRushUser(HttpUser):
    # People at noon refresh every few seconds.
    wait_time = between(1, float(os.environ.get("VAKSIN_LOCUST_MAX_WAIT", "5")))
    slots: list[tuple[str, str, str]] = []  # (state, centre, date) with places left

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
        if (slot := self.pick_slot()) is None:
            return
        _, location, date = slot
        body = person(next(people)) | {"location": location, "date": date}
        with self.client.post("/api/bookings", json=body, catch_response=True) as answer:
            if answer.status_code not in EXPECTED:
                answer.failure(f"status {answer.status_code}: {answer.text[:200]}")

    @task(2)
    def walk_the_wizard(self) -> None:
        if (slot := self.pick_slot()) is None:
            return
        state, location, date = slot
        someone = person(next(people))
        steps = [
            ("/register/id/", {"id_type": "mykad", "id_number": someone["id_number"]}),
            (
                "/register/details/",
                {"name": someone["name"], "phone": someone["phone"], "email": ""},
            ),
            ("/register/state/", {"state": state}),
            ("/register/centre/", {"location": location}),
            ("/register/date/", {"slot": f"{location}|{date}"}),
            ("/register/check/", {}),
        ]
        for path, answers in steps:
            page = self.client.get(path, name=path)
            token = TOKEN.search(page.text)
            if page.status_code != 200 or not token:
                return  # e.g. the date filled up meanwhile: the wizard sent us elsewhere
            with self.client.post(
                path, data=answers | {"csrfmiddlewaretoken": token.group(1)}, name=path,
                catch_response=True, allow_redirects=False,
            ) as answer:  # fmt: skip
                if answer.status_code not in EXPECTED:
                    answer.failure(f"status {answer.status_code}")
                    return
        self.client.get("/register/confirmation/", name="/register/confirmation/")
        self.client.cookies.clear()
