"""The noon dashboard's page: tiles with the figures that matter now, and charts of the last
hour, all drawn on the server (operations/charts.py)."""

import datetime
import time
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from operations.charts import Bar, Line, bar_chart, line_chart
from operations.metrics import BOOKING_OUTCOMES
from operations.room import room_shown
from operations.second_doses import (
    SecondDoseTable,
    StateSeconds,
    second_doses_by_state,
    second_doses_expected,
)
from operations.selectors import History, NoonFigures, noon_figures, noon_history
from vaksin.sms_budget import CODES, CONFIRMATIONS, sms_budget_spend
from vaksin.store import StoreError, keys, slots

# Outcomes drawn one line each; the rarer ones are summed into "other refusals".
DRAWN_OUTCOMES = ("booked", "repeat", "sold_out", "already_registered", "rate_limited")
LAG_WARNING_SECONDS = 60
EXPORT_WARNING_SECONDS = 60
SMS_ALARM_SHARE = 0.8  # of a budget, as VaksinSmsBudgetNearlySpent


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str = ""
    alarm: bool = False


def _seconds(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value < 60:
        return f"{value:.0f} s"
    return f"{value / 60:.0f} min {value % 60:.0f} s"


def _tiles(f: NoonFigures, history: History | None) -> list[Tile]:
    booked_now = history.per_second("booking:booked")[-1] if history and history.starts else 0.0
    places = sum(state.left for state in f.places or [])
    offered = sum(state.capacity for state in f.places or [])
    by_hand = {"open": "opened by hand", "closed": "closed by hand"}
    return [
        Tile(
            "Registration",
            {"open": "Open", "closed": "Closed", "not_yet_open": "Not yet open"}[f.registration],
            by_hand.get(f.registration_override or "", "by the configured times"),
        ),
        Tile(
            "Confirmations",
            "Paused" if f.confirmations_paused else "Running",
            "paused by hand: nothing is sent" if f.confirmations_paused else "",
            alarm=f.confirmations_paused,
        ),
        Tile("Bookings per second", f"{booked_now:,.1f}", "the last 10 seconds"),
        Tile("Booked in all", f"{f.counter('booking:booked'):,.0f}", "since the counters began"),
        Tile(
            "Places left",
            f"{places:,}" if f.places is not None else "unknown",
            f"first doses with a second, of {offered:,} from today on"
            if f.places is not None
            else "",
        ),
        Tile(
            "Confirmation lag",
            _seconds(f.confirmation_lag),
            "the oldest booking still waiting for its SMS",
            alarm=(f.confirmation_lag or 0) > LAG_WARNING_SECONDS,
        ),
        Tile(
            "Relay backlog",
            f"{(f.outbox_unread or 0) + (f.outbox_pending or 0):,}" if f.redis_up else "unknown",
            "booking-log entries not yet turned into jobs",
        ),
        Tile(
            "Export lag",
            _seconds(f.export_lag),
            f"{f.export_pending:,} entries not in the warehouse"
            if f.export_pending is not None
            else "",
            alarm=(f.export_lag or 0) > EXPORT_WARNING_SECONDS,
        ),
        Tile(
            "Set aside by the export",
            f"{f.export_set_aside:,}" if f.export_set_aside is not None else "unknown",
            "bookings the warehouse refused: retry them in Bookings set aside"
            if f.export_set_aside
            else "bookings the warehouse refused",
            alarm=bool(f.export_set_aside),
        ),
        Tile("Redis", "Up" if f.redis_up else "DOWN", "", alarm=not f.redis_up),
        Tile("PostgreSQL", "Up" if f.database_up else "DOWN", "", alarm=not f.database_up),
    ]


def _second_doses(f: NoonFigures) -> tuple[list[StateSeconds], SecondDoseTable] | None:
    """Second doses from today on by state, and each centre's coming days; None when Redis
    cannot be read."""
    if not f.redis_up:
        return None
    try:
        counts = slots.read_slots()
    except StoreError:
        return None
    today = timezone.localdate()
    return (
        second_doses_by_state(today=today, counts=counts),
        second_doses_expected(today=today, counts=counts),
    )


def _second_dose_tiles(states: list[StateSeconds] | None) -> list[Tile]:
    if states is None:
        return [Tile("Second-dose places left", "unknown")]
    left, offered = sum(s.left for s in states), sum(s.capacity for s in states)
    booked = sum(s.booked for s in states)
    return [
        Tile("Second-dose places left", f"{left:,}", f"of {offered:,} from today on"),
        Tile("Second doses booked", f"{booked:,}", "from today on"),
    ]


def _sms_tiles(f: NoonFigures) -> list[Tile]:
    """Each SMS budget's spend this minute and this hour against its limit (vaksin/sms_budget.py),
    alarmed from SMS_ALARM_SHARE of a limit, as the alert is."""
    if not f.redis_up:
        return []
    try:
        spend = {(each.kind, each.window): each for each in sms_budget_spend(now=f.at)}
    except StoreError:
        return []

    def said(kind: str, window: str) -> str:
        each = spend[(kind, window)]
        return f"{each.spent:,} of {each.limit:,}" if each.limit else f"{each.spent:,} (no limit)"

    def near(kind: str) -> bool:
        return any(
            each.limit and each.spent >= SMS_ALARM_SHARE * each.limit
            for (of, _), each in spend.items()
            if of == kind
        )

    return [
        Tile(
            f"SMS {kind} this minute",
            said(kind, "minute"),
            f"this hour {said(kind, 'hour')}; raise in Switches",
            alarm=near(kind),
        )
        for kind in (CODES, CONFIRMATIONS)
    ]


def _charts(f: NoonFigures, h: History) -> list[tuple[str, SafeString]]:
    other = [f"booking:{o}" for o in BOOKING_OUTCOMES if o not in DRAWN_OUTCOMES]
    bookings = [
        Line(outcome.replace("_", " "), list(h.per_second(f"booking:{outcome}")))
        for outcome in DRAWN_OUTCOMES
    ]
    bookings.append(Line("other refusals", list(h.per_second(*other))))
    statuses = h.matching("status:")
    server_errors = sorted(name for name in statuses if name.startswith("status:5"))
    refusals = sorted(
        name for name in statuses if name.startswith("status:4") and name != "status:429"
    )
    errors = [
        Line("server errors (5xx)", list(h.per_second(*server_errors))),
        Line("too many attempts (429)", list(h.per_second("status:429"))),
        Line("other refusals (4xx)", list(h.per_second(*refusals))),
    ]
    delay: list[float | None] = [
        bucket["delay_sum"] / bucket["sent"] if bucket.get("sent") else None for bucket in h.buckets
    ]
    sent = Line("confirmations sent per second", list(h.per_second("sent")))
    places = bar_chart(
        title="Places left by state",
        bars=[Bar(state.name, state.left, state.capacity) for state in f.places or []],
        chart_id="places",
    )
    return [
        (
            "Bookings per second, by outcome",
            line_chart(title="Bookings per second by outcome", unit="/s",
                       starts=h.starts, lines=bookings, chart_id="bookings"),
        ),
        ("Places left by state", places),
        (
            "Confirmation delay",
            line_chart(title="Average seconds from booking to SMS", unit="s",
                       starts=h.starts, lines=[Line("average delay", delay)], chart_id="delay"),
        ),
        (
            "Confirmations sent",
            line_chart(title="Confirmations sent per second", unit="/s",
                       starts=h.starts, lines=[sent], chart_id="sent"),
        ),
        (
            "Errors and refusals per second",
            line_chart(title="Errors and refusals per second", unit="/s",
                       starts=h.starts, lines=errors, chart_id="errors"),
        ),
    ]  # fmt: skip


def dashboard_context(*, minutes: int) -> dict[str, Any]:
    """What the dashboard shows, its charts over the last `minutes`."""
    figures = noon_figures()
    history = None
    if figures.redis_up:
        try:
            history = noon_history(now=time.time(), seconds=minutes * 60)
        except StoreError:
            history = None
    seconds = _second_doses(figures)
    return {
        "tiles": _tiles(figures, history)
        + _second_dose_tiles(seconds[0] if seconds else None)
        + _sms_tiles(figures),
        "second_doses": seconds[1] if seconds else None,
        "charts": _charts(figures, history) if history else [],
        "figures": figures,
        "as_of": datetime.datetime.now().astimezone(),
        "minutes": minutes,
        "bucket_seconds": keys.SERIES_SECONDS,
        "room": room_shown(),
    }
