"""/api/queue and the booking API behind the waiting room, as docs/api.md (3.7) says."""

import datetime
import hashlib
import json
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from devstack.environment import stack_environment
from devstack.people import api_body, bearer, new_phone
from devstack.processes import ROOT, wait_until
from vaksin.store import client as redis_client
from vaksin.store import keys
from vaksin.store.queue import queue_commit, seed_commitment
from vaksin.switches import switches_forget
from waiting_room.draw import draw_key, drawn_order


def join(client: Client, phone: str) -> Any:
    return client.post("/api/queue", headers={"Authorization": bearer(phone)})


def book(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": bearer(body["phone"])},
    )


def test_a_verified_phone_takes_one_ticket_and_sees_where_it_stands(client: Client, room) -> None:
    room(opens_in=-1, rate=50)
    phone = new_phone()
    first = join(client, phone)
    assert first.status_code == 200
    answer = first.json()
    assert set(answer) == {
        "ticket", "position", "ahead", "estimated_wait_seconds", "estimated_at", "admitted",
        "admitted_until", "commitment", "holder", "log_head",
    }  # fmt: skip
    assert answer["position"] >= 1
    assert first["Cache-Control"] == "no-store"
    assert join(client, phone).json()["ticket"] == answer["ticket"]
    assert join(client, new_phone()).json()["ticket"] != answer["ticket"]


def test_a_ticket_is_admitted_at_the_rate_and_then_books(client: Client, room, make_slot) -> None:
    day = make_slot(capacity=10)
    room(opens_in=-1, rate=50)
    body = api_body(day)
    refused = book(client, body)
    assert refused.status_code == 403
    assert refused.json() == {"error": "not_admitted", "position": None}  # no ticket yet
    assert join(client, body["phone"]).status_code == 200
    assert wait_until(lambda: join(client, body["phone"]).json()["admitted"], seconds=5)
    standing = join(client, body["phone"]).json()
    assert standing["ahead"] == 0
    assert standing["estimated_wait_seconds"] == 0
    until = datetime.datetime.fromisoformat(standing["admitted_until"])
    assert until > timezone.now() + datetime.timedelta(minutes=9)
    assert book(client, body).status_code == 201


def test_a_waiting_ticket_is_refused_with_its_position(client: Client, room, make_slot) -> None:
    day = make_slot(capacity=10)
    room(opens_in=3600)  # admission starts in an hour
    body = api_body(day)
    join(client, body["phone"])
    # Registration itself is not open either: the window refuses first.
    assert book(client, body).json() == {"error": "closed"}
    room(opens_in=-0.5, rate=1)
    ahead = [new_phone() for _ in range(3)]
    for phone in ahead:
        join(client, phone)
    late = api_body(day)
    position = join(client, late["phone"]).json()["position"]
    assert book(client, late).json() == {"error": "not_admitted", "position": position}


def test_the_shared_part_is_small_public_and_cacheable(client: Client, room) -> None:
    room(opens_in=3600)
    join(client, new_phone())
    before = client.get("/api/queue")
    assert before.status_code == 200
    assert before["Cache-Control"].startswith("public, max-age=1, s-maxage=1")
    shared = before.json()
    assert {
        "admitted_through",
        "rate_per_second",
        "commitment",
        "seed",
        "opens_at",
        "sold_out",
    } <= set(shared)
    assert shared["seed"] is None  # secret until the opening
    assert shared["admitted_through"] == 0
    assert len(before.content) < 600

    room(opens_in=-1)
    # The copy shared by every process lives its second out.
    assert wait_until(lambda: client.get("/api/queue").json()["seed"] is not None, seconds=3)
    after = client.get("/api/queue").json()
    assert hashlib.sha256(after["seed"].encode()).hexdigest() == after["commitment"]
    assert after["commitment"] == shared["commitment"]


def test_the_waiting_room_says_at_once_when_every_place_is_gone(client: Client, room, make_slot):
    day = make_slot(capacity=1)
    room(opens_in=-1)
    assert client.get("/api/queue").json()["sold_out"] is False
    body = api_body(day)
    join(client, body["phone"])
    assert wait_until(lambda: join(client, body["phone"]).json()["admitted"], seconds=5)
    assert book(client, body).status_code == 201
    assert wait_until(lambda: client.get("/api/queue").json()["sold_out"], seconds=5)


def test_without_a_waiting_room_the_queue_is_not_there(client: Client, make_slot) -> None:
    assert client.get("/api/queue").status_code == 404
    assert join(client, new_phone()).json() == {"error": "no_waiting_room"}
    assert book(client, api_body(make_slot())).status_code == 201


def test_operators_turning_the_room_off_let_everyone_book(client: Client, room, make_slot):
    day = make_slot()
    room(opens_in=-1)
    assert book(client, api_body(day)).status_code == 403
    redis_client().hset(keys.SWITCHES, "waiting_room", "off")
    switches_forget()
    assert book(client, api_body(day)).status_code == 201
    assert client.get("/api/queue").status_code == 404


def test_the_queue_needs_a_verified_phone(client: Client, room) -> None:
    room()
    assert client.post("/api/queue").json() == {"error": "phone_unverified"}
    forged = client.post("/api/queue", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401
    assert client.put("/api/queue").status_code == 405


@pytest.mark.e2e
def test_twenty_tabs_of_one_phone_hold_one_ticket_on_a_real_server(web_server, make_slot):
    """Twenty tabs (threads) of one phone ask a real gunicorn at once: one ticket."""
    now = timezone.now()
    base = web_server(
        WAITING_ROOM_OPENS_AT=(now - datetime.timedelta(hours=1)).isoformat(),
        REGISTRATION_OPENS_AT=(now + datetime.timedelta(hours=1)).isoformat(),
    )
    token = bearer(new_phone())
    tickets: list[int] = []
    ready = threading.Barrier(20)

    def tab() -> None:
        ready.wait()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{base}/api/queue", method="POST", headers={"Authorization": token}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            tickets.append(json.load(answer)["ticket"])

    threads = [threading.Thread(target=tab) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tickets) == 20
    assert set(tickets) == {1}
    assert redis_client().hget(keys.QUEUE, "issued") == "1"
    shared = f"{base}/api/queue"
    with urllib.request.urlopen(shared, timeout=10) as answer:  # noqa: S310 (loopback)
        assert json.load(answer)["seed"] is None


@pytest.mark.e2e
@pytest.mark.slow
def test_a_simulated_noon_on_a_real_server(web_server, make_slot) -> None:
    """Twelve phones take tickets before the opening and five after, through a real gunicorn;
    admission at 5 a second lets each in once, the drawn ones in the order the revealed seed
    gives and the others in arrival order; each books once; `waiting_room_draw --verify`, run
    as operators run it, agrees."""
    day = make_slot(capacity=100)
    now = timezone.now()
    opening = now + datetime.timedelta(seconds=3)
    env = {
        "WAITING_ROOM_OPENS_AT": (now - datetime.timedelta(hours=1)).isoformat(),
        "REGISTRATION_OPENS_AT": opening.isoformat(),
        "WAITING_ROOM_RATE": "5",
    }
    base = web_server(**env)

    def post(path: str, phone: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{base}{path}", data=json.dumps(body or {}).encode(), method="POST",
            headers={"Authorization": bearer(phone), "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    seed = secrets.token_hex(32)  # operators' seed: only its SHA-256 is in Redis before
    assert queue_commit(seed_commitment(seed))
    early = [new_phone() for _ in range(12)]
    for phone in early:
        assert post("/api/queue", phone)[1]["position"] is None  # the draw has not happened
    assert wait_until(lambda: timezone.now() > opening, seconds=10)
    late = [new_phone() for _ in range(5)]
    for phone in late:
        post("/api/queue", phone)
    reveal = subprocess.run(  # as operators do at the opening
        [sys.executable, "manage.py", "waiting_room_draw", "--reveal", "--seed", seed],
        cwd=ROOT, env=stack_environment(**env), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert reveal.returncode == 0, reveal.stderr
    standing: dict[str, Any] = {}

    def everyone_admitted() -> bool:
        for phone in early + late:
            if phone not in standing:
                answer = post("/api/queue", phone)[1]
                if answer["admitted"]:
                    standing[phone] = answer
        return len(standing) == 17

    assert wait_until(everyone_admitted, seconds=20, step=0.05)
    with urllib.request.urlopen(f"{base}/api/queue", timeout=10) as answer:  # noqa: S310
        shared = json.load(answer)
    assert shared["seed"] == seed
    assert hashlib.sha256(seed.encode()).hexdigest() == shared["commitment"]
    drawn = drawn_order(draw_key(seed, shared["draw_head"]), 12)
    by_place = sorted(standing.values(), key=lambda s: s["position"])
    assert [s["ticket"] for s in by_place] == drawn + list(range(13, 18))
    # Admitted in that order, each once: the times a pass ends never go backwards.
    ends = [s["admitted_until"] for s in by_place]
    assert ends == sorted(ends)
    assert len({s["ticket"] for s in standing.values()}) == 17

    for phone in early + late:
        status, _ = post("/api/bookings", phone, api_body(day, phone=phone))
        assert status == 201
    verify = subprocess.run(
        [sys.executable, "manage.py", "waiting_room_draw", "--verify", "--head",
         shared["draw_head"], "--head", shared["log_head"]],
        cwd=ROOT, env=stack_environment(**env), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    assert "17 tickets in the log, 17 of 17 places checked" in verify.stdout
