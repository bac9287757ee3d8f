"""Confirmations under the bench load: lag from a booking's answer to its recorded send, sampled
while wrk books, and a check that every booking got exactly one SMS."""

import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

from bench.stack import BENCH_PHONE, bench_token
from devstack.people import booking_request


@dataclass
class LagProbe:
    """Books one person every `interval` seconds through the API while the load runs, noting
    when each answer came back."""

    base: str
    slot: str
    first_person: int
    interval: float = 0.02
    answered_ms: dict[int, float] = field(default_factory=dict)  # booking number -> when
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _book(self, person: int) -> None:
        from registration.references import number_for

        location, date = self.slot.split("|")
        request = booking_request(person, location=location, date=date)
        body = json.dumps(request.__dict__ | {"email": None, "phone": BENCH_PHONE}).encode()
        post = Request(f"{self.base}/api/bookings", data=body, method="POST",  # noqa: S310
                       headers={"Content-Type": "application/json",
                                "Authorization": f"Bearer {bench_token()}"})  # fmt: skip
        try:
            with urlopen(post, timeout=10) as answer:  # noqa: S310 (loopback only)
                reference = json.load(answer)["reference"]
        except (URLError, OSError, ValueError, KeyError) as error:
            self.failures.append(str(error))
            return
        number = number_for(reference)
        if number:
            self.answered_ms[number] = time.time() * 1000

    def _run(self) -> None:
        # A fixed schedule: booking k is due k intervals after the first, whatever the answers.
        started = time.monotonic()
        for k in itertools.count():
            if self._stop.wait(max(started + k * self.interval - time.monotonic(), 0)):
                return
            self._book(self.first_person + k)

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


def wait_until_sent(*, seconds: float) -> bool:
    """Waits until every booking-log entry is relayed and no confirmation job waits or runs."""
    import django_rq

    from confirmations.relay import QUEUE

    deadline = time.monotonic() + seconds
    if not wait_until_relayed(seconds=seconds):
        return False
    queue = django_rq.get_queue(QUEUE)
    while time.monotonic() < deadline:
        waiting = queue.count + queue.scheduled_job_registry.count
        if waiting + queue.started_job_registry.count == 0:
            return True
        time.sleep(0.2)
    return False


def sms_per_booking(sms_log: Path) -> Counter[str]:
    """How many SMS the file backend wrote for each reference."""
    counts: Counter[str] = Counter()
    if sms_log.exists():
        with sms_log.open() as lines:
            for line in lines:
                counts[json.loads(line)["id"].split(":")[0]] += 1
    return counts


def sms_parts_by_language(sms_log: Path, *, sample: int = 20_000) -> dict[str, list[int]]:
    """The billed parts each booking's confirmation took, by the language it was booked in,
    for the first `sample` confirmations in the file backend's log."""
    from registration.references import number_for
    from vaksin.sms_parts import sms_parts
    from vaksin.store import bookings

    parts: dict[str, list[int]] = {}
    if not sms_log.exists():
        return parts
    with sms_log.open() as lines:
        for line in itertools.islice((json.loads(line) for line in lines), sample * 2):
            reference, _, channel = line["id"].partition(":")
            number = number_for(reference)
            entry = bookings.read_entry(number) if number and channel == "sms" else None
            if entry and entry.get("kind") == "booked":
                parts.setdefault(entry.get("lang", "en"), []).append(sms_parts(line["text"]))
    return parts


def sms_parts_note(parts: dict[str, list[int]]) -> tuple[str, str]:
    """The figure and its note: a one-time code and a confirmation per booking, by language."""
    from confirmations.messages import LANGUAGE_CODES
    from phones.services import code_sms_text
    from vaksin.sms_parts import sms_parts

    each = []
    for lang in LANGUAGE_CODES:
        if found := parts.get(lang):
            code = sms_parts(code_sms_text("000000", lang))
            each.append(f"{lang} {code + sum(found) / len(found):.1f}")
    counted = sum(len(found) for found in parts.values())
    return (
        ", ".join(each),
        f"a code (1 part in every language) and the confirmation, measured on {counted:,} "
        "confirmations sent in the run; the worst case of each message: "
        "tests/confirmations/test_sms_parts.py",
    )
