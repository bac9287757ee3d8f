"""One-time codes under the bench load: from a request for a code to its SMS in the file
backend's log, sampled while wrk books (so confirmations are queued the whole time)."""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen


def probe_phone(n: int) -> str:
    """The probe's phones: 017-8xx xxxx, apart from the bench's own phone and from wrk's
    "verify" phones (017-9xx xxxx)."""
    return f"+60178{n % 1_000_000:06d}"


@dataclass
class CodeProbe:
    """Asks for a code for a new phone every `interval` seconds, and watches the SMS log for
    each code's line, noting both times."""

    base: str
    sms_log: Path
    interval: float = 0.05
    asked: dict[str, float] = field(default_factory=dict)  # phone -> when the request went
    arrived: dict[str, float] = field(default_factory=dict)  # phone -> when its SMS was seen
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _ask(self, phone: str) -> None:
        post = Request(f"{self.base}/api/verifications", method="POST",  # noqa: S310
                       data=json.dumps({"phone": phone}).encode(),
                       headers={"Content-Type": "application/json"})  # fmt: skip
        self.asked[phone] = time.monotonic()
        try:
            with urlopen(post, timeout=10) as answer:  # noqa: S310 (loopback only)
                if answer.status != 202:
                    self.failures.append(f"status {answer.status}")
        except (URLError, OSError) as error:
            self.failures.append(str(error))

    def _ask_on_schedule(self) -> None:
        started = time.monotonic()
        for k in itertools.count():
            if self._stop.wait(max(started + k * self.interval - time.monotonic(), 0)):
                return
            self._ask(probe_phone(k))

    def _watch(self) -> None:
        offset = self.sms_log.stat().st_size if self.sms_log.exists() else 0
        while not (self._stop.is_set() and len(self.arrived) >= len(self.asked)):
            if self.sms_log.exists():
                with self.sms_log.open("rb") as log:
                    log.seek(offset)
                    chunk = log.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                offset += len(complete)
                now = time.monotonic()
                for line in complete.splitlines():
                    phone = json.loads(line)["to"]
                    if phone in self.asked:
                        self.arrived.setdefault(phone, now)
            if self._stop.wait(0.01) and time.monotonic() > self._deadline:
                return

    def start(self) -> None:
        self._deadline = float("inf")
        for target in (self._ask_on_schedule, self._watch):
            self._threads.append(threading.Thread(target=target, daemon=True))
            self._threads[-1].start()

    def stop(self, *, wait_seconds: float = 30) -> None:
        self._deadline = time.monotonic() + wait_seconds
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def lags_ms(self) -> list[float]:
        return sorted(
            (self.arrived[phone] - asked) * 1000
            for phone, asked in self.asked.items()
            if phone in self.arrived
        )
