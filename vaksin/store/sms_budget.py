"""SMS budgets' windows in Redis: taking sends from them, giving back those not made, reading
the spend (lua/sms/budget_take.lua, lua/sms/budget_return.lua)."""

from dataclasses import dataclass

from vaksin.store import keys
from vaksin.store.connection import answering, client, run_script


@dataclass(frozen=True)
class Window:
    key: str
    limit: int  # sends it allows before operators' factor (0: no limit)
    left: int  # seconds until it ends
    name: str  # minute, hour, prefix_minute, prefix_hour


@dataclass(frozen=True)
class Taken:
    granted: int
    retry_after: int  # seconds until the windows that refused a send have room again
    window: str  # the window that refused ("" when all were granted)


def budget_take(*, kind: str, windows: list[Window], wanted: int, all_or_none: bool) -> Taken:
    reply = run_script(
        "sms/budget_take",
        keys=[keys.SWITCHES, keys.METRICS, *(window.key for window in windows)],
        args=[
            wanted,
            int(all_or_none),
            kind,
            *(part for w in windows for part in (w.limit, w.left, w.name)),
        ],
    )
    return Taken(granted=int(reply[0]), retry_after=int(reply[1]), window=str(reply[2]))


def budget_return(*, windows: list[Window], count: int) -> None:
    if count > 0 and (limited := [window.key for window in windows if window.limit > 0]):
        run_script("sms/budget_return", keys=limited, args=[count])


def budget_spent(window_keys: list[str]) -> list[int]:
    """What each window has spent so far, in one round trip."""
    with answering():
        return [int(value or 0) for value in client().mget(window_keys)] if window_keys else []


def budget_factor() -> float:
    """Operators' factor on every limit (the switch 'sms_budget'), 1 when unset."""
    with answering():
        value = client().hget(keys.SWITCHES, "sms_budget")
    try:
        return float(value) if value else 1.0
    except ValueError:
        return 1.0
