"""Rival views, behind the same gunicorn as Vaksin, so that ratios compare designs."""

import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt

from availability.selectors import availability_listing_rendered
from bench import rivals
from bench.models import RivalBooking, RivalSlot
from bench.stack import BENCH_PHONE, BENCH_PHONE_LIMIT
from vaksin import store
from vaksin.doses import second_dose_dates
from vaksin.lean import lean
from vaksin.store import bookings
from vaksin.store.bookings import BookingArgs

ANSWERS = {True: (201, "confirmed"), False: (409, "sold_out")}
# The 2021 design's person records, `user:<id>` there.
RIVAL_USERS = "rival:user"


def rival_counter(slot: str) -> str:
    """The 2021 design's count of places left in a slot ("<centre>|<date>")."""
    return f"rival:{slot}"


def trivial(request: HttpRequest) -> JsonResponse:
    """The ceiling for any Django view on this machine: no I/O at all."""
    return JsonResponse({"status": "ok"})


def _book_bare(request: HttpRequest, *, phone_limit: int) -> JsonResponse:
    body = json.loads(request.body)
    outcome = bookings.book(BookingArgs(
        id_type="mykad", id_number=body["id_number"], name=body["name"], phone=BENCH_PHONE,
        email="", location=body["location"], date=body["date"], lang="en",
        phone_limit=phone_limit, second_dates=second_dose_dates(body["date"]),
    ))  # fmt: skip
    return _answer(outcome.holds_place)


@lean
@csrf_exempt
def book_bare(request: HttpRequest) -> JsonResponse:
    """Vaksin's booking script with nothing around it (both doses, as every booking): no
    validation, no rate limits, no language, no phone limit. The floor for any view that books
    in Redis, to show what the rest costs."""
    return _book_bare(request, phone_limit=0)


@lean
@csrf_exempt
def book_bare_phone_checked(request: HttpRequest) -> JsonResponse:
    """The bare view with the phone's limit counted in the script, as every real booking has:
    beside book_bare, what the phone check costs."""
    return _book_bare(request, phone_limit=BENCH_PHONE_LIMIT)


def _person(request: HttpRequest) -> tuple[str, str, dict[str, str]]:
    """The person's ID number, the slot, and the record the 2021 design kept of them."""
    body = json.loads(request.body)
    record = {name: body[name] for name in ("name", "location", "date")}
    return body["id_number"], f"{body['location']}|{body['date']}", record


def _answer(booked: bool) -> JsonResponse:
    status, word = ANSWERS[booked]
    return JsonResponse({"status": word}, status=status)


def _redis_rival(design: Callable[..., bool]) -> Callable[[HttpRequest], JsonResponse]:
    """A view around one of bench/rivals.py's Redis designs, keyed as Vaksin keys its slots."""

    @csrf_exempt
    def view(request: HttpRequest) -> JsonResponse:
        person, slot, record = _person(request)
        booked = design(
            store.client(),
            counter=rival_counter(slot),
            bookings=RIVAL_USERS,
            person=person,
            record=record,
        )
        return _answer(booked)

    return view


# The 2021 proof of concept as published: an aborted transaction counts as a booking.
book_2021 = _redis_rival(rivals.watch_multi_2021)
# The same algorithm with retries on abort: correct, at the cost of retries.
book_2021_retrying = _redis_rival(rivals.watch_multi_with_retries)


@csrf_exempt
def book_select_for_update(request: HttpRequest) -> JsonResponse:
    """The common Django way: lock the slot's row, check, decrement, insert."""
    person, slot, _ = _person(request)
    location, date = slot.split("|")
    try:
        with transaction.atomic():
            row = RivalSlot.objects.select_for_update().get(location=location, date=date)
            if row.available <= 0:
                return _answer(False)
            row.available -= 1
            row.save(update_fields=["available"])
            RivalBooking.objects.create(person=person, slot=row)
    except IntegrityError:
        return JsonResponse({"error": "already_registered"}, status=409)
    return _answer(True)


def listing_uncached(request: HttpRequest) -> HttpResponse:
    """GET /api/availability's answer computed on every request: the listing with no cache."""
    rendered = availability_listing_rendered(now=timezone.localtime())
    response = HttpResponse(rendered.body, content_type=rendered.content_type)
    response["Cache-Control"] = rendered.cache_control
    return response


# Django's own per-view cache on django-redis (bench/settings.py), for a 1 s TTL: the rival of
# the micro-cache in availability/cache.py.
listing_cache_page = cache_page(1, cache="cache_page")(listing_uncached)
