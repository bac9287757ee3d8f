"""Confirmations under the bench load: lag from a booking's answer to its recorded send, sampled
while wrk books, and a check that every booking got exactly one SMS."""

import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import Request, urlopen

from tests.people import booking_request


@dataclass
class LagProbe:
    """Books one person every `interval` seconds through the API while the load runs, noting
    when each answer came back."""

    base: str
    slot: str
    first_person: int
    interval: float = 0.02
    answered_ms: dict[int, float] = field(default_factory=dict)  # booking number -> when
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _book(self, person: int) -> None:
        from registration.references import number_for

        location, date = self.slot.split("|")
        request = booking_request(person, location=location, date=date)
        body = json.dumps(request.__dict__ | {"email": None}).encode()
        post = Request(f"{self.base}/api/bookings", data=body, method="POST",  # noqa: S310
                       headers={"Content-Type": "application/json"})  # fmt: skip
        with urlopen(post, timeout=10) as answer:  # noqa: S310 (loopback only)
            reference = json.load(answer)["reference"]
        number = number_for(reference)
        if number:
            self.answered_ms[number] = time.time() * 1000

    def _run(self) -> None:
        person = self.first_person
        while not self._stop.wait(self.interval):
            person += 1
            self._book(person)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def lags_ms(self, *, wait_seconds: float = 60) -> list[float]:
        """Each probe booking's lag to its recorded SMS, waiting for the stragglers."""
        from vaksin.store import outbox

        deadline = time.monotonic() + wait_seconds
        lags: dict[int, float] = {}
        while len(lags) < len(self.answered_ms) and time.monotonic() < deadline:
            for number, answered in self.answered_ms.items():
                sent = outbox.confirmation_sent(number, ["sms"])["sms"]
                if sent and number not in lags:
                    lags[number] = int(sent) - answered
            time.sleep(0.5)
        return sorted(lags.values())


def percentile(ordered: list[float], percent: int) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def wait_until_relayed(*, seconds: float) -> bool:
    """Waits until the relay has read and acknowledged every booking-log entry."""
    from vaksin.store import outbox

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if outbox.outbox_backlog() == (0, 0):
            return True
        time.sleep(0.5)
    return False


def sms_per_booking(sms_log: Path) -> Counter[str]:
    """How many SMS the file backend wrote for each reference."""
    counts: Counter[str] = Counter()
    if sms_log.exists():
        with sms_log.open() as lines:
            for line in lines:
                counts[json.loads(line)["id"].split(":")[0]] += 1
    return counts


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
