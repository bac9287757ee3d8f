"""GET /metrics in Prometheus's text format: the noon figures, and django-rq's queue figures.

Every total here is read from Redis, where every process of every node adds to the same
counters (the booking script counts its own outcomes: lua/registration/book.lua), so any
node answers with the same totals: scrape one node, or the load balancer as a single target. Only
vaksin_redis_up and vaksin_database_up are this node's own view.
"""

from collections.abc import Iterable, Iterator

import redis
from django.conf import settings
from django.utils import timezone
from django_rq.contrib.prometheus import RQCollector
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from operations.second_doses import second_doses_by_state
from operations.selectors import NoonFigures, noon_figures
from vaksin.sms_budget import CODES, KINDS, WINDOWS, sms_budget_spend
from vaksin.store import StoreError, slots
from vaksin.store.entries import Outcome
from vaksin.store.metrics import DELAY_BUCKETS, REQUEST_BUCKETS
from waiting_room.services import queue_reading, room_on, room_uncommitted

# Listed even before they first happen, so that rate() and alerts see a zero, not no series.
# What the booking script can decide (lua/registration/book.lua), each counted from the start.
BOOKING_OUTCOMES = tuple(
    outcome
    for outcome in Outcome
    if outcome not in (Outcome.OFFER_GONE, Outcome.MOVED, Outcome.NOT_FOUND, Outcome.SAME_SLOT)
)
# Issued, or refused (rate_limited) by one of the limits after it: cooldown, phone_address,
# phone_ceiling (a flood at one phone: alerted), address, sms_budget (vaksin/sms_budget.py).
CODE_OUTCOMES = (
    "issued",
    "rate_limited",
    "cooldown",
    "phone_address",
    "phone_ceiling",
    "address",
    "sms_budget",
)
CHANNELS = ("sms", "email")
# What staff record at the centre (registration/doses.py), each counted from the start.
DOSE_EVENTS = ("given_1", "given_2", "no_show_first", "no_show_second", "second_cancelled")


def _gauge(name: str, documentation: str, value: float | None) -> Iterator[Metric]:
    if value is not None:
        yield GaugeMetricFamily(name, documentation, value=value)


def _labelled(
    family: CounterMetricFamily | GaugeMetricFamily, values: Iterable[tuple[str, float]]
) -> Metric:
    for label, value in values:
        family.add_metric([label], value)
    return family


def _histogram(
    family: HistogramMetricFamily,
    labels: list[str],
    counts: dict[str, float],
    bounds: tuple[float, ...],
    total: float,
) -> None:
    """Prometheus's cumulative buckets from counts kept per bucket ("<bound>" -> count)."""
    cumulative, buckets = 0.0, []
    for bound in [*map(repr, bounds), "+Inf"]:
        cumulative += counts.get(bound, 0.0)
        buckets.append((bound, cumulative))
    family.add_metric(labels, buckets, sum_value=total)


def _fields(counters: dict[str, float], prefix: str) -> dict[str, float]:
    """Fields "<prefix>:<rest>" as {rest: value}."""
    return {
        name[len(prefix) + 1 :]: value
        for name, value in counters.items()
        if name.startswith(f"{prefix}:")
    }


def _split(counters: dict[str, float], prefix: str) -> dict[str, dict[str, float]]:
    """Fields "<prefix>:<middle>:<last>" as {middle: {last: value}}. A middle may hold colons
    (an admin route does); the last part never does."""
    found: dict[str, dict[str, float]] = {}
    for name, value in counters.items():
        if name.startswith(f"{prefix}:"):
            middle, _, last = name[len(prefix) + 1 :].rpartition(":")
            found.setdefault(middle, {})[last] = value
    return found


class NoonCollector:
    def collect(self) -> Iterator[Metric]:
        figures = noon_figures()
        yield from self._health(figures)
        yield from self._bookings(figures)
        yield from self._second_doses(figures)
        yield from self._confirmations(figures)
        yield from self._requests(figures)
        yield from self._export(figures)
        yield from self._waiting_room(figures)
        yield from self._sms_budget(figures)

    def _health(self, f: NoonFigures) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "vaksin_redis_up", "1 when this node can reach Redis", value=int(f.redis_up)
        )
        yield GaugeMetricFamily(
            "vaksin_database_up", "1 when this node can reach PostgreSQL", value=int(f.database_up)
        )
        yield GaugeMetricFamily(
            "vaksin_registration_open",
            "1 while registration is open (by the configured times or by hand)",
            value=int(f.registration == "open"),
        )
        yield _labelled(
            GaugeMetricFamily(
                "vaksin_registration_override",
                "1 for the state operators forced registration into (open or closed)",
                labels=["state"],
            ),
            [(state, int(f.registration_override == state)) for state in ("open", "closed")],
        )
        yield GaugeMetricFamily(
            "vaksin_confirmations_paused",
            "1 while operators have paused confirmations",
            value=int(f.confirmations_paused),
        )

    def _bookings(self, f: NoonFigures) -> Iterator[Metric]:
        if not f.redis_up:
            return
        seen = {name.split(":", 1)[1] for name in f.counters if name.startswith("booking:")}
        yield _labelled(
            CounterMetricFamily(
                "vaksin_bookings",
                "Bookings the booking script decided, by outcome (counted in the same step)",
                labels=["outcome"],
            ),
            [
                (outcome, f.counter(f"booking:{outcome}"))
                for outcome in sorted(set(BOOKING_OUTCOMES) | seen)
            ],
        )
        yield _labelled(
            CounterMetricFamily(
                "vaksin_codes", "One-time codes asked for, by outcome", labels=["outcome"]
            ),
            [(outcome, f.counter(f"code:{outcome}")) for outcome in CODE_OUTCOMES],
        )
        yield CounterMetricFamily(
            "vaksin_codes_sent", "One-time codes sent by SMS", value=f.counter("codes_sent")
        )
        yield _labelled(
            CounterMetricFamily(
                "vaksin_appointment_changes",
                "Changes people and staff made to bookings at /appointment/ and in the admin, "
                "by outcome",
                labels=["outcome"],
            ),
            sorted(_fields(f.counters, "appointment").items()),
        )
        yield _labelled(
            CounterMetricFamily(
                "vaksin_waitlist",
                "Waiting-list events: joins (by outcome), offers made, lapsed and accepted",
                labels=["event"],
            ),
            sorted(_fields(f.counters, "waitlist").items()),
        )
        if f.places is not None:
            yield _labelled(
                GaugeMetricFamily(
                    "vaksin_places_left",
                    "First-dose places left from today on that come with a second, by state "
                    "(ISO 3166-2)",
                    labels=["state"],
                ),
                [(state.code, state.left) for state in f.places],
            )
            yield _labelled(
                GaugeMetricFamily(
                    "vaksin_places_capacity", "Places offered from today on, by state",
                    labels=["state"],
                ),
                [(state.code, state.capacity) for state in f.places],
            )  # fmt: skip

    def _second_doses(self, f: NoonFigures) -> Iterator[Metric]:
        """Per state, not per centre and date: centres times the dates second doses fall on
        (DOSE_INTERVAL_DAYS reaches weeks ahead) would be tens of thousands of series, new ones
        every day; the dashboard's table shows each centre's coming days instead."""
        if not f.redis_up:
            return
        yield _labelled(
            CounterMetricFamily(
                "vaksin_doses_recorded",
                "What staff recorded at the centre: doses given (1, 2), no-shows (of the first "
                "dose: cancelled; of the second: let go) and second doses cancelled",
                labels=["event"],
            ),
            [(event, f.counter(f"doses:{event}")) for event in DOSE_EVENTS],
        )
        try:
            states = second_doses_by_state(today=timezone.localdate(), counts=slots.read_slots())
        except StoreError:
            return
        for name, documentation, value in (
            ("vaksin_second_doses_booked", "Second doses booked from today on, by state", "booked"),
            ("vaksin_second_dose_places_left", "Second-dose places left from today on, by state",
             "left"),
            ("vaksin_second_dose_places_capacity",
             "Second-dose places offered from today on, by state", "capacity"),
        ):  # fmt: skip
            yield _labelled(
                GaugeMetricFamily(name, documentation, labels=["state"]),
                [(state.code, getattr(state, value)) for state in states],
            )

    def _confirmations(self, f: NoonFigures) -> Iterator[Metric]:
        if not f.redis_up:
            return
        yield from _gauge(
            "vaksin_outbox_unread_entries",
            "Booking-log entries the relay has not read yet",
            f.outbox_unread,
        )
        yield from _gauge(
            "vaksin_outbox_pending_entries",
            "Booking-log entries the relay read and has not acknowledged",
            f.outbox_pending,
        )
        yield from _gauge(
            "vaksin_confirmation_lag_seconds",
            "How long the oldest booking still waiting for its confirmation has waited (0: none)",
            f.confirmation_lag,
        )
        yield _labelled(
            CounterMetricFamily(
                "vaksin_confirmations_sent", "Confirmation messages sent", labels=["channel"]
            ),
            [(channel, f.counter(f"sent:{channel}")) for channel in CHANNELS],
        )
        delay = HistogramMetricFamily(
            "vaksin_confirmation_delay_seconds",
            "From a booking to its confirmation SMS being sent",
            labels=[],
        )
        _histogram(delay, [], _fields(f.counters, "delay"), DELAY_BUCKETS, f.counter("delay_sum"))
        yield delay

    def _requests(self, f: NoonFigures) -> Iterator[Metric]:
        if not f.redis_up:
            return
        requests = CounterMetricFamily(
            "vaksin_http_requests",
            "Requests answered, by route (URL pattern) and status",
            labels=["route", "status"],
        )
        for route, statuses in sorted(_split(f.counters, "http").items()):
            for status, count in sorted(statuses.items()):
                requests.add_metric([route, status], count)
        yield requests
        durations = HistogramMetricFamily(
            "vaksin_http_request_duration_seconds",
            "Time to answer a request, by route; the booking latency is route=/api/bookings",
            labels=["route"],
        )
        for route, counts in sorted(_split(f.counters, "duration").items()):
            _histogram(
                durations, [route], counts, REQUEST_BUCKETS, f.counter(f"duration_sum:{route}")
            )
        yield durations

    def _export(self, f: NoonFigures) -> Iterator[Metric]:
        yield from _gauge(
            "vaksin_export_pending_entries",
            "Booking-log entries not yet exported to the warehouse",
            f.export_pending,
        )
        yield from _gauge(
            "vaksin_export_lag_seconds",
            "How long the oldest entry not yet in the warehouse has waited (0: up to date)",
            f.export_lag,
        )
        yield from _gauge(
            "vaksin_export_set_aside_rows",
            "Bookings the warehouse refused, set aside until staff retry them (0: none)",
            f.export_set_aside,
        )
        if f.redis_up:
            yield CounterMetricFamily(
                "vaksin_export_set_aside",
                "Bookings the warehouse refused and the export set aside, ever",
                value=f.counter("export:set_aside"),
            )
        if last := f.counters.get("export:last_success"):
            yield GaugeMetricFamily(
                "vaksin_export_last_success_timestamp_seconds",
                "When the export last finished a run (Unix time)",
                value=last,
            )
        if f.redis_up:
            yield CounterMetricFamily(
                "vaksin_export_rows",
                "Bookings the export loop copied",
                value=f.counter("export:rows"),
            )
        if last := f.counters.get("purge:last_success"):
            yield GaugeMetricFamily(
                "vaksin_purge_last_success_timestamp_seconds",
                "When purge_personal_data last finished a run (Unix time)",
                value=last,
            )
        if f.redis_up:
            yield CounterMetricFamily(
                "vaksin_personal_data_purged_bookings",
                "Bookings whose personal data purge_personal_data removed",
                value=f.counter("purge:bookings"),
            )

    def _waiting_room(self, f: NoonFigures) -> Iterator[Metric]:
        uncommitted = (
            "vaksin_waiting_room_uncommitted",
            "1 while the waiting room is open and no seed was committed: nobody is admitted",
        )
        if not f.redis_up:
            return
        if not settings.WAITING_ROOM_OPENS_AT:
            # Served without a room too: its alert rule names a figure that exists.
            yield GaugeMetricFamily(*uncommitted, value=0)
            return
        try:
            room = queue_reading()
        except StoreError:
            return
        yield GaugeMetricFamily(
            "vaksin_waiting_room_tickets", "Tickets taken in the waiting room", value=room.issued
        )
        yield GaugeMetricFamily(
            "vaksin_waiting_room_admitted_through",
            "Places in the waiting room admitted so far",
            value=room.through,
        )
        yield GaugeMetricFamily(
            "vaksin_waiting_room_rate",
            "Tickets admitted a second (set by operators, or steered in the automatic mode)",
            value=room.rate,
        )
        yield GaugeMetricFamily(
            "vaksin_waiting_room_open",
            "1 while booking needs an admission",
            value=int(room_on()),
        )
        yield GaugeMetricFamily(*uncommitted, value=int(room_uncommitted(room)))

    def _sms_budget(self, f: NoonFigures) -> Iterator[Metric]:
        if not f.redis_up:
            return
        over = CounterMetricFamily(
            "vaksin_sms_over_budget",
            "SMS a budget had no room for, by budget and the window that was spent: codes "
            "refused (429), confirmations made to wait",
            labels=["kind", "window"],
        )
        for kind in KINDS:
            for window in WINDOWS if kind == CODES else WINDOWS[:2]:
                over.add_metric([kind, window], f.counter(f"sms_budget:{kind}:{window}"))
        yield over
        try:
            spend = sms_budget_spend(now=f.at)
        except StoreError:
            return
        spent = GaugeMetricFamily(
            "vaksin_sms_budget_spent",
            "SMS taken from a budget in its current window (minute or hour), by budget",
            labels=["kind", "window"],
        )
        limit = GaugeMetricFamily(
            "vaksin_sms_budget_limit",
            "A budget's limit for its window, operators' factor applied (none: no limit)",
            labels=["kind", "window"],
        )
        for each in spend:
            spent.add_metric([each.kind, each.window], each.spent)
            if each.limit:
                limit.add_metric([each.kind, each.window], each.limit)
        yield spent
        yield limit


class QueueCollector:
    """django-rq's collector, silent while Redis is away (vaksin_redis_up says so)."""

    def __init__(self) -> None:
        self.rq = RQCollector()

    def collect(self) -> Iterator[Metric]:
        try:
            yield from list(self.rq.collect())
        except (redis.ConnectionError, redis.TimeoutError, StoreError):
            return


def metrics_text() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NoonCollector())
    registry.register(QueueCollector())
    return generate_latest(registry)
