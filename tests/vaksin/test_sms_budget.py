"""The SMS budget's windows are taken in one atomic step: concurrent requests never spend past a
limit. The control does the same with a read and then a write, and overspends."""

import threading
from collections.abc import Callable

from django.conf import settings as django_settings

from vaksin import sms_budget, store
from vaksin.sms_budget import CODES, CONFIRMATIONS, sms_budget_spend, sms_budget_take

THREADS = 16
TRIES = 20  # each: 320 asks in all against a budget of 100


def race(ask: Callable[[], int]) -> int:
    """Runs `ask` TRIES times in each of THREADS threads started together; sends granted."""
    start = threading.Barrier(THREADS)
    granted: list[int] = []

    def run() -> None:
        start.wait()
        granted.extend(ask() for _ in range(TRIES))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(granted)


def test_concurrent_codes_never_spend_past_the_budget(settings) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 100
    settings.SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE = 0
    now = 1_800_000_030.0
    spent = race(lambda: sms_budget_take(CODES, phone="+60123456789", now=now).granted)
    assert spent == 100
    [codes_minute] = [
        s for s in sms_budget_spend(now=now) if (s.kind, s.window) == (CODES, "minute")
    ]
    assert codes_minute.spent == 100 and codes_minute.limit == 100


def test_control_a_read_then_a_write_overspends() -> None:
    """The same race against a counter read and then written in two steps: the threads read
    before any writes (they meet at a barrier between, as any two requests may), and all of
    them spend (112 of 100). The race above would have caught such a budget."""
    client = store.client()
    key = "{vk}:test-naive-budget"
    between = threading.Barrier(THREADS)

    def ask() -> int:
        room = int(client.get(key) or 0) < 100
        between.wait()
        if room:
            client.incr(key)
        between.wait()
        return int(room)

    assert race(ask) == 112
    client.delete(key)


def test_a_partial_take_grants_what_is_left_and_says_how_long_to_wait(settings) -> None:
    settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = 10
    settings.SMS_BUDGET_CONFIRMATIONS_PER_HOUR = 1000
    now = 1_800_000_000.0 + 45
    assert sms_budget_take(CONFIRMATIONS, wanted=7, now=now).granted == 7
    taken = sms_budget_take(CONFIRMATIONS, wanted=7, now=now)
    assert (taken.granted, taken.retry_after, taken.window) == (3, 15, "minute")
    sms_budget.sms_budget_return(taken, 2)  # two not sent after all
    assert sms_budget_take(CONFIRMATIONS, wanted=5, now=now).granted == 2
    assert sms_budget_take(CONFIRMATIONS, wanted=5, now=now + 15).granted == 5  # a new minute


def test_operators_raise_every_budget_with_the_switch(settings) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 2
    now = 1_800_000_000.0
    phones = [f"+6019{n:07d}" for n in range(5)]
    store.client().hset("{vk}:switches", "sms_budget", "2")
    assert [sms_budget_take(CODES, phone=p, now=now).granted for p in phones] == [1] * 4 + [0]
    assert django_settings.SMS_BUDGET_CODES_PER_MINUTE == 2
