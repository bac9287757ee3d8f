"""SMS pumping against the SMS budgets: a toll-fraud script asks for one-time codes to numbers it
makes up, from many addresses, as fast as the stack answers, while real people of other ranges
ask for theirs. Each run lasts within one minute of the budgets (it starts on a minute), so what
the attacker got sent is its spend for that minute, shown against the budget that applies: the
per-range budget when it stays in one range (+60 12-345...), the global one when it spreads
over many (+60 13-200... to +60 13-399...). Every code is a billed SMS.

The stack runs with the SMS budgets and the per-address limits of vaksin/settings.py (the rest
of the bench turns them off) and trusts X-Forwarded-For from loopback, so that each request of
the script can come from an address of its own.
"""

import http.client
import json
import os
import random
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.confirmations import percentile
from bench.report import Figures
from bench.stack import PYTHON, REDIS_DB, RUN, bench_port, environment
from devstack.environment import with_database
from devstack.processes import ROOT
from devstack.sms import sms_lines
from devstack.stack import running_stack

ATTACKER_THREADS = 12
# One real person asks for a code this often, each of a random range of +60 19.
GENUINE_INTERVAL = 0.25
REAL_CODE_P99_MS = 1_000  # the target for a real person's code during a burst
BUDGETS = (
    "SMS_BUDGET_CODES_PER_MINUTE",
    "SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE",
    "SMS_BUDGET_PREFIX_DIGITS",
)


def pumping_environment() -> dict[str, str]:
    """The bench's environment with the budgets and the per-address limits of the settings
    (the bench's turns them off), and X-Forwarded-For trusted from loopback."""
    env = environment(redis_db=REDIS_DB)
    for name in list(env):
        if name.startswith(("SMS_BUDGET_", "RATE_LIMIT_")):
            env.pop(name)
    env["REDIS_URL"] = with_database(env["REDIS_URL"], str(REDIS_DB))
    return env | {
        "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "SMS_FILE_PATH": str(RUN / "pumping" / "sms.log"),
    }


def budgets_of(env: dict[str, str]) -> dict[str, int]:
    """The budgets the stack runs with, as its settings read them."""
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(BUDGETS)!r}}}))"
    )
    done = subprocess.run(
        [PYTHON, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    budgets: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return budgets


@dataclass
class Asker:
    """POSTs /api/verifications on one kept-alive connection, each request from `address`."""

    base: str
    connection: http.client.HTTPConnection | None = None

    def ask(self, phone: str, address: str) -> int:
        if self.connection is None:
            host, port = self.base.removeprefix("http://").split(":")
            self.connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            self.connection.request(
                "POST", "/api/verifications", body=json.dumps({"phone": phone}),
                headers={"Content-Type": "application/json", "X-Forwarded-For": address},
            )  # fmt: skip
            answer = self.connection.getresponse()
            answer.read()
            return answer.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            return 0


@dataclass
class Burst:
    """The attacker (threads asking for made-up numbers from many addresses) and real people
    beside it, for `seconds`."""

    base: str
    numbers: list[str]
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    genuine: dict[str, float] = field(default_factory=dict)  # phone -> when it asked
    genuine_statuses: Counter[int] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)  # real people's phones answered 202
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _attack(self, until: float) -> None:
        asker = Asker(self.base)
        while time.monotonic() < until:
            with self._lock:
                n, self._next = self._next, self._next + 1
            if n >= len(self.numbers):
                return
            address = f"10.{n // 62_500 % 250}.{n // 250 % 250}.{n % 250 + 1}"  # its own
            status = asker.ask(self.numbers[n], address)
            with self._lock:
                self.statuses[status] += 1

    def _real_people(self, until: float) -> None:
        asker = Asker(self.base)
        k = 0
        while time.monotonic() < until:
            phone = f"+6019{random.randrange(10**7):07d}"
            self.genuine[phone] = time.monotonic()
            status = asker.ask(phone, f"203.0.{k // 250}.{k % 250 + 1}")
            self.genuine_statuses[status] += 1
            if status == 202:
                self.accepted.append(phone)
            k += 1
            time.sleep(GENUINE_INTERVAL)

    def run(self) -> None:
        until = time.monotonic() + self.seconds
        threads = [
            threading.Thread(target=self._attack, args=(until,)) for _ in range(ATTACKER_THREADS)
        ]
        threads.append(threading.Thread(target=self._real_people, args=(until,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def sent_to(log: Path, prefix: str) -> list[dict[str, str]]:
    return [line for line in sms_lines(log) if line["to"].startswith(prefix)]


class SmsWatch:
    """When each code's SMS reached the file backend's log (a real person's code lag)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.arrived: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        offset = 0
        while not self._stop.wait(0.01):
            if not self.log.exists():
                continue
            with self.log.open("rb") as log:
                log.seek(offset)
                chunk = log.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            offset += len(complete)
            now = time.monotonic()
            for line in complete.splitlines():
                self.arrived.setdefault(json.loads(line)["to"], now)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _wait_for_a_new_minute() -> None:
    """Until just after the next minute begins: the budgets count calendar minutes."""
    time.sleep(60 - time.time() % 60 + 0.2)


def run_pumping(figures: Figures, *, seconds: int = 20) -> None:
    """Two bursts, each in a minute of its own: one range, then 200 ranges."""
    from vaksin import store

    seconds = min(seconds, 45)  # within one minute of the budgets, with room to spare
    env = pumping_environment()
    budgets = budgets_of(env)
    per_minute = budgets["SMS_BUDGET_CODES_PER_MINUTE"]
    per_range = budgets["SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE"]
    run = RUN / "pumping"
    log = run / "sms.log"
    scenarios = [
        ("one range (+60 12-345)", "+6012345", [f"+6012345{n:04d}" for n in range(10_000)]),
        (
            "200 ranges (+60 13-200 to 13-399)",
            "+6013",
            [f"+6013{r}{n:04d}" for n in range(50) for r in range(200, 400)],
        ),
    ]
    with running_stack(run, lambda: env) as stack:
        if os.environ.get("BENCH_PORTS"):
            stack.origin_port = bench_port()
        # Made before the stack's processes make the relay's consumer groups: nothing else
        # uses the bench's Redis database now.
        store.client().flushdb()
        log.unlink(missing_ok=True)
        stack.web_workers = 2
        stack.start_web()
        stack.spawn("relay", "python manage.py relay_outbox")
        for what, prefix, numbers in scenarios:
            _wait_for_a_new_minute()
            watch = SmsWatch(log)
            burst = Burst(stack.origin, numbers, seconds)
            burst.run()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not set(burst.accepted) <= set(watch.arrived):
                time.sleep(0.2)
            time.sleep(2)  # the attacker's last codes, sent in their batch
            watch.stop()
            sent = len(sent_to(log, prefix))
            budget = per_range if prefix == "+6012345" else min(per_minute, 200 * per_range)
            asked = sum(burst.statuses.values())
            real_sent = [p for p in burst.genuine if p in watch.arrived]
            lags = sorted((watch.arrived[p] - burst.genuine[p]) * 1000 for p in real_sent)
            real = (
                f"real people of other ranges: {len(real_sent)} of {len(burst.genuine)} got "
                f"their code ({dict(burst.genuine_statuses)}), p99 {percentile(lags, 99):,.0f} ms"
                if lags
                else f"real people of other ranges: 0 of {len(burst.genuine)} got their code"
            )
            figures.add(
                f"SMS pumping, {what}",
                f"{sent:,} SMS in its minute",
                f"budget {budget:,} a minute (global {per_minute:,}, a range {per_range:,}); "
                f"{asked:,} asked in {seconds} s, each from an address of its own, "
                f"statuses {dict(sorted(burst.statuses.items()))}; {real}",
            )
            if sent > budget:
                figures.missed.append(f"SMS pumping, {what}: {sent} SMS, budget {budget}")
            if len(real_sent) < len(burst.genuine) or (
                lags and percentile(lags, 99) > REAL_CODE_P99_MS
            ):
                figures.missed.append(
                    f"SMS pumping, {what}: {real} (target every code, p99 {REAL_CODE_P99_MS} ms)"
                )
