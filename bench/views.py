"""Rival booking views, behind the same gunicorn as Vaksin, so that ratios compare designs."""

import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bench import rivals
from bench.models import RivalBooking, RivalSlot
from vaksin import store
from vaksin.store import bookings

ANSWERS = {True: (201, "confirmed"), False: (409, "sold_out")}


def trivial(request: HttpRequest) -> JsonResponse:
    """The ceiling for any Django view on this machine: no I/O at all."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
def book_bare(request: HttpRequest) -> JsonResponse:
    """Vaksin's booking script with nothing around it: no validation, no rate limits, no
    language. The floor for any view that books in Redis, to show what the rest costs."""
    body = json.loads(request.body)
    outcome = bookings.book(
        id_type="mykad", id_number=body["id_number"], name=body["name"], phone=body["phone"],
        email="", location=body["location"], date=body["date"], lang="en",
    )  # fmt: skip
    return _answer(outcome.holds_place)


def _person(request: HttpRequest) -> tuple[str, str]:
    body = json.loads(request.body)
    return body["id_number"], f"{body['location']}|{body['date']}"


def _answer(booked: bool) -> JsonResponse:
    status, word = ANSWERS[booked]
    return JsonResponse({"status": word}, status=status)


def _redis_rival(design: Callable[..., bool]) -> Callable[[HttpRequest], JsonResponse]:
    """A view around one of bench/rivals.py's Redis designs, keyed as Vaksin keys its slots."""

    @csrf_exempt
    def view(request: HttpRequest) -> JsonResponse:
        person, slot = _person(request)
        counter, bookings = f"rival:{slot}", f"rival:bookings:{slot}"
        return _answer(design(store.client(), counter=counter, bookings=bookings, person=person))

    return view


# The 2021 proof of concept as published: an aborted transaction counts as a booking.
book_2021 = _redis_rival(rivals.watch_multi_2021)
# The same algorithm with retries on abort: correct, at the cost of retries.
book_2021_retrying = _redis_rival(rivals.watch_multi_with_retries)


@csrf_exempt
def book_select_for_update(request: HttpRequest) -> JsonResponse:
    """The common Django way: lock the slot's row, check, decrement, insert."""
    person, slot = _person(request)
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
