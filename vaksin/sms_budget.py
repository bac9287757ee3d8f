"""SMS spend has a ceiling operators set: every SMS we send is billed, and a script that asks
for codes to thousands of numbers it made up would otherwise run up the bill without limit
(SMS pumping) and slow the real codes behind it.

Two budgets, each with a window per minute and per hour (settings SMS_BUDGET_*): one for
codes, one for confirmations. Codes also have a budget per range of numbers (+60 1x and the
next SMS_BUDGET_PREFIX_DIGITS digits), so a burst at one range cannot take the whole budget:
a person of another range still gets a code. A code beyond a budget is refused (429, "too
many requests right now, try again in N minutes"); a confirmation of a real booking is never
dropped: it waits until the budget has room (confirmations/services.py). Operators raise
every limit at once with the switch `sms_budget` (a factor), and /metrics shows the spend
against each limit.

Windows are fixed spans (this minute, this hour), taken in one Lua script, so that concurrent
requests cannot spend past a limit; a request between two windows may see both, so a limit
per minute allows up to twice its value across the boundary, never more in one minute.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_rq
from django.conf import settings

from vaksin.store import keys
from vaksin.store.sms_budget import (
    Taken,
    Window,
    budget_factor,
    budget_return,
    budget_spent,
    budget_take,
)

CODES = "codes"
CONFIRMATIONS = "confirmations"
KINDS = (CODES, CONFIRMATIONS)
SPANS = {"minute": 60, "hour": 3600}
WINDOWS = ("minute", "hour", "prefix_minute", "prefix_hour")


@dataclass(frozen=True)
class Spend:
    """One global window's spend now, against its limit (operators' factor applied)."""

    kind: str
    window: str
    spent: int
    limit: int  # 0: no limit


@dataclass(frozen=True)
class Budget:
    """Sends taken from a budget; what was not used must be given back (sms_budget_return)."""

    granted: int
    retry_after: int = 0  # seconds until the refused send would fit
    window: str = ""  # which window refused
    windows: tuple[Window, ...] = ()


def phone_prefix(phone: str) -> str:
    """The range a phone (E.164) belongs to for the budget per prefix: +60 1x and the next
    SMS_BUDGET_PREFIX_DIGITS digits (+6012345 for +60123456789)."""
    return phone[: len("+601x") + settings.SMS_BUDGET_PREFIX_DIGITS]


def _limits(kind: str) -> dict[str, int]:
    if kind == CODES:
        return {
            "minute": settings.SMS_BUDGET_CODES_PER_MINUTE,
            "hour": settings.SMS_BUDGET_CODES_PER_HOUR,
            "prefix_minute": settings.SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE,
            "prefix_hour": settings.SMS_BUDGET_CODES_PER_PREFIX_PER_HOUR,
        }
    return {
        "minute": settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE,
        "hour": settings.SMS_BUDGET_CONFIRMATIONS_PER_HOUR,
    }


def _windows(kind: str, *, phone: str, now: float) -> list[Window]:
    found = []
    for name, limit in _limits(kind).items():
        span_name = name.removeprefix("prefix_")
        span = SPANS[span_name]
        prefix = phone_prefix(phone) if name.startswith("prefix_") else ""
        number = int(now // span)
        key = keys.sms_budget_key(kind, span_name, number, prefix)
        found.append(Window(key=key, limit=limit, left=span - int(now % span), name=name))
    return found


def sms_budget_windows(kind: str, *, phone: str = "") -> list[Window]:
    """Budget `kind`'s windows now that have a limit, for a script that takes its send itself
    (lua/phones/code_issue.lua takes a code's in the step that issues it)."""
    return [window for window in _windows(kind, phone=phone, now=time.time()) if window.limit]


def sms_budget_take(
    kind: str, *, wanted: int = 1, phone: str = "", now: float | None = None
) -> Budget:
    """Takes `wanted` sends from budget `kind`: a code is one send, all or none (its range is
    `phone`'s); confirmations take as many as there is room for. Raises StoreError when Redis
    cannot be reached."""
    windows = _windows(kind, phone=phone, now=time.time() if now is None else now)
    if wanted <= 0 or not any(window.limit for window in windows):
        return Budget(granted=max(wanted, 0))
    taken: Taken = budget_take(kind=kind, windows=windows, wanted=wanted, all_or_none=kind == CODES)
    return Budget(
        granted=taken.granted,
        retry_after=taken.retry_after,
        window=taken.window,
        windows=tuple(windows),
    )


def sms_budget_return(budget: Budget, count: int) -> None:
    """Gives back `count` of the sends `budget` took and did not make."""
    budget_return(windows=list(budget.windows), count=min(count, budget.granted))


def sms_budget_spend(*, now: float | None = None) -> list[Spend]:
    """Every budget's global windows now: spent, and the limit with operators' factor."""
    now = time.time() if now is None else now
    windows = [
        (kind, window)
        for kind in KINDS
        for window in _windows(kind, phone="", now=now)
        if not window.name.startswith("prefix_")
    ]
    spent = budget_spent([window.key for _, window in windows])
    factor = budget_factor()
    return [
        Spend(kind=kind, window=window.name, spent=used, limit=int(window.limit * factor))
        for (kind, window), used in zip(windows, spent, strict=True)
    ]


def confirmation_send_or_later(queue: str, job: Callable[..., str], *args: Any) -> Budget | None:
    """One send from the confirmations' budget for the SMS `job(*args)` makes (a confirmation
    sent again, a dispute's notice); when the budget is spent, None, and the job is queued again
    for when it has room: a billed SMS for a real booking waits, it is never dropped."""
    sms = sms_budget_take(CONFIRMATIONS)
    if sms.granted:
        return sms
    django_rq.get_queue(queue).enqueue_in(
        datetime.timedelta(seconds=max(sms.retry_after, 1)),
        job,
        *args,
        result_ttl=0,
        failure_ttl=24 * 3600,
    )
    return None
