"""One-time codes reach the SMS gateway through the code outbox: the script that issues a code
appends its SMS in the same step, and the relay's code sender sends them in batches, with a
lease so that a sender killed mid-batch loses no code and a live one's codes are never sent
twice."""

import itertools
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from confirmations.relay import relay_run
from devstack.people import new_phone
from devstack.processes import stop_process, wait_until
from devstack.sms import code_sent_to, sms_lines, sms_size
from devstack.starters import start_code_worker
from phones.sending import CodeCounts, codes_send, codes_send_run
from vaksin.sms import Sms, SmsError
from vaksin.store import keys
from vaksin.store.code_outbox import (
    code_outbox_backlog,
    code_outbox_group_create,
    code_outbox_read,
)
from vaksin.store.switches import switch_write
from vaksin.switches import CONFIRMATIONS

CODE = re.compile(r"\b(\d{6})\b")


_addresses = itertools.count()


@pytest.fixture(autouse=True)
def no_range_budget(settings) -> None:
    """new_phone()'s numbers share a range: its budget per range is not what is tested here."""
    settings.SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE = 0
    settings.SMS_BUDGET_CODES_PER_PREFIX_PER_HOUR = 0


def ask(client: Client, phone: str, **extra: Any) -> Any:
    """Asks for a code, each time from an address of its own (no address limit is in play)."""
    n = next(_addresses)
    return client.post(
        "/api/verifications", json.dumps({"phone": phone}), content_type="application/json",
        REMOTE_ADDR=f"10.{n // 250 % 250}.{n % 250}.1", **extra,
    )  # fmt: skip


def confirm(client: Client, phone: str, code: str) -> int:
    body = json.dumps({"phone": phone, "code": code})
    return client.post(
        "/api/verifications/confirm", body, content_type="application/json"
    ).status_code


def codes_in(sms_file: Path) -> dict[str, list[str]]:
    """Every code sent, by phone, oldest first."""
    sent: dict[str, list[str]] = {}
    for line in sms_lines(sms_file):
        if found := CODE.search(line["text"]):
            sent.setdefault(line["to"], []).append(found.group(1))
    return sent


def run_until_sent(count: int, sms_file: Path, **options: Any) -> CodeCounts:
    """The sender's loop, until `count` SMS are in the file (or half a minute has passed)."""
    deadline = time.monotonic() + 30
    return codes_send_run(
        consumer="sender",
        block_ms=50,
        should_stop=lambda: len(sms_lines(sms_file)) >= count or time.monotonic() > deadline,
        **options,
    )


def test_a_code_asked_for_is_in_the_outbox_and_no_job_is_enqueued(
    client: Client, redis_client
) -> None:
    phones = [new_phone() for _ in range(5)]
    for phone in phones:
        assert ask(client, phone, headers={"Accept-Language": "ta"}).status_code == 202

    entries = redis_client.xrange(keys.CODE_OUTBOX)
    assert [fields["phone"] for _, fields in entries] == phones
    assert {fields["lang"] for _, fields in entries} == {"ta"}
    # No RQ job, queue or registry per code: nothing of RQ's at all.
    assert list(redis_client.scan_iter("rq:*")) == []


def test_a_batch_is_read_sent_and_acknowledged(client: Client, sms_file: Path, redis_client):
    phones = [new_phone() for _ in range(20)]
    for phone in phones:
        ask(client, phone)

    counts = run_until_sent(20, sms_file)

    sent = codes_in(sms_file)
    assert sorted(sent) == sorted(phones)
    assert all(len(codes) == 1 for codes in sent.values())  # each sent once
    assert counts.sent == 20
    assert code_outbox_backlog() == (0, 0)  # every one read and acknowledged
    assert int(redis_client.hget(keys.METRICS, "codes_sent")) == 20
    assert confirm(client, phones[7], sent[phones[7]][0]) == 200


def test_the_sms_names_the_code_in_the_language_asked_for(client: Client, sms_file: Path) -> None:
    phone = new_phone()
    ask(client, phone, headers={"Accept-Language": "ms"})
    run_until_sent(1, sms_file)
    [line] = sms_lines(sms_file)
    assert "kod anda ialah" in line["text"]
    assert line["id"].startswith("code-")


def test_a_sender_killed_before_its_ack_has_its_codes_sent_by_another_after_the_lease(
    client: Client, sms_file: Path
) -> None:
    phones = [new_phone() for _ in range(3)]
    for phone in phones:
        ask(client, phone)
    code_outbox_group_create()
    # A sender read the batch, and was killed before it sent or acknowledged any of it.
    assert len(code_outbox_read(consumer="killed", count=10, block_ms=None)) == 3

    # The control: while the lease holds, no other sender takes them (a live sender's codes
    # are never sent twice).
    deadline = time.monotonic() + 0.5
    held = codes_send_run(
        consumer="other", block_ms=50, lease_ms=60_000,
        should_stop=lambda: time.monotonic() > deadline,
    )  # fmt: skip
    assert held.sent == 0 and sms_lines(sms_file) == []

    # Once the lease has lapsed, another sender takes them over and sends each once.
    taken = run_until_sent(3, sms_file, lease_ms=0)
    assert taken.sent == 3
    assert sorted(codes_in(sms_file)) == sorted(phones)
    assert code_outbox_backlog() == (0, 0)


def test_a_sender_started_again_sends_at_once_what_it_read_and_never_acknowledged(
    client: Client, sms_file: Path
) -> None:
    phone = new_phone()
    ask(client, phone)
    code_outbox_group_create()
    assert len(code_outbox_read(consumer="sender", count=10, block_ms=None)) == 1

    # The same name (a relay restarted on its host): no lease to wait for.
    run_until_sent(1, sms_file, lease_ms=60_000)
    [code] = codes_in(sms_file)[phone]
    assert confirm(client, phone, code) == 200


class FailingOnce:
    """An SMS gateway that refuses each message the first time it is offered."""

    seen: set[str] = set()

    def send(self, message: Sms) -> None:
        if message.message_id not in self.seen:
            self.seen.add(message.message_id)
            raise SmsError("gateway answered 503")
        FILE_BACKEND[0].send(message)


FILE_BACKEND: list[Any] = []


@pytest.fixture
def failing_once(settings, sms_file: Path) -> None:
    from vaksin.sms import FileSmsBackend, sms_backend

    FILE_BACKEND[:] = [FileSmsBackend(str(sms_file))]
    FailingOnce.seen = set()
    settings.SMS_BACKEND = f"{__name__}.FailingOnce"
    sms_backend.cache_clear()


def test_a_code_the_gateway_refused_stays_pending_and_is_sent_again(
    client: Client, sms_file: Path, failing_once: None
) -> None:
    phones = [new_phone() for _ in range(2)]
    for phone in phones:
        ask(client, phone)
    code_outbox_group_create()
    first = code_outbox_read(consumer="sender", count=10, block_ms=None)

    outcome = codes_send(first, counts=CodeCounts())
    assert (outcome.failed, outcome.left) == (2, 2)
    assert sms_lines(sms_file) == []
    assert code_outbox_backlog() == (0, 2)  # still this sender's, not lost

    counts = run_until_sent(2, sms_file)
    assert counts.sent == 2
    assert sorted(codes_in(sms_file)) == sorted(phones)
    # The same message id on the second try: a gateway that de-duplicates drops a copy.
    assert len({line["id"] for line in sms_lines(sms_file)}) == 2


def test_a_code_older_than_its_lifetime_is_dropped_not_sent(
    sms_file: Path, redis_client, settings
) -> None:
    old_ms = int(time.time() * 1000) - (settings.VERIFICATION_CODE_SECONDS + 5) * 1000
    fields = {"phone": new_phone(), "nonce": "ab" * 16, "lang": "en"}
    redis_client.xadd(keys.CODE_OUTBOX, fields, id=f"{old_ms}-0")
    code_outbox_group_create()

    counts = codes_send(
        code_outbox_read(consumer="sender", count=10, block_ms=None), counts=CodeCounts()
    )

    assert counts.left == 0
    assert sms_lines(sms_file) == []
    assert code_outbox_backlog() == (0, 0)


def test_the_outbox_keeps_no_entry_older_than_a_code_s_lifetime(
    client: Client, redis_client, settings
) -> None:
    old_ms = int(time.time() * 1000) - (settings.VERIFICATION_CODE_SECONDS + 5) * 1000
    for n in range(200):  # whole nodes of old entries: MINID ~ trims a node at a time
        redis_client.xadd(keys.CODE_OUTBOX, {"phone": "+60130000000", "n": n}, id=f"{old_ms}-{n}")
    ask(client, new_phone())
    assert redis_client.xlen(keys.CODE_OUTBOX) < 201


def test_a_code_refused_by_the_sms_budget_is_not_in_the_outbox(
    client: Client, settings, redis_client
) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 1
    assert ask(client, new_phone()).status_code == 202
    refused = ask(client, new_phone())
    assert refused.status_code == 429
    assert refused.json()["reason"] == "sms_budget"
    assert redis_client.xlen(keys.CODE_OUTBOX) == 1


def test_a_code_refused_by_its_cooldown_is_not_in_the_outbox_and_gives_its_send_back(
    client: Client, settings, redis_client
) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 2
    phone = new_phone()
    assert ask(client, phone).status_code == 202
    again = ask(client, phone)
    assert again.status_code == 429 and again.json().get("reason") != "sms_budget"
    assert redis_client.xlen(keys.CODE_OUTBOX) == 1
    assert ask(client, new_phone()).status_code == 202  # the budget's second send is there


def test_the_relay_sends_codes_while_confirmations_are_paused(
    client: Client, sms_file: Path
) -> None:
    switch_write(CONFIRMATIONS, "paused")
    phone = new_phone()
    ask(client, phone)
    deadline = time.monotonic() + 30
    relay_run(
        consumer="relay", block_ms=50, send_codes=True,
        should_stop=lambda: bool(sms_lines(sms_file)) or time.monotonic() > deadline,
    )  # fmt: skip
    assert list(codes_in(sms_file)) == [phone]


def test_two_senders_at_once_send_each_code_once(client: Client, sms_file: Path) -> None:
    phones = [new_phone() for _ in range(60)]
    for phone in phones:
        ask(client, phone)
    deadline = time.monotonic() + 30

    def sender(name: str) -> None:
        codes_send_run(
            consumer=name, batch=5, block_ms=50,
            should_stop=lambda: len(sms_lines(sms_file)) >= 60 or time.monotonic() > deadline,
        )  # fmt: skip

    threads = [threading.Thread(target=sender, args=(f"sender-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = codes_in(sms_file)
    assert sorted(sent) == sorted(phones)
    assert all(len(codes) == 1 for codes in sent.values())


@pytest.mark.e2e
def test_a_real_relay_sends_the_code_a_real_gunicorn_issued(
    web_server, tmp_path: Path, transactional_db: None
) -> None:
    from urllib.request import Request, urlopen

    base = web_server(workers=1)
    sms_file = tmp_path / "relay-sms.log"
    relay = start_code_worker(sms_file, tmp_path / "relay.log")
    try:
        phone = new_phone()
        after = sms_size(sms_file)
        request = Request(  # noqa: S310 (loopback)
            f"{base}/api/verifications", method="POST",
            data=json.dumps({"phone": phone}).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 202
        code = code_sent_to(sms_file, phone, after=after, seconds=30)
        assert re.fullmatch(r"\d{6}", code)
        assert wait_until(lambda: code_outbox_backlog() == (0, 0), seconds=10)
    finally:
        stop_process(relay)


def test_a_sender_goes_on_when_redis_is_emptied_under_its_waiting_read(
    client: Client, sms_file: Path, redis_client
) -> None:
    # The tests' own module-wide relay sees this between two tests: FLUSHDB while it waits.
    code_outbox_group_create()
    emptied = threading.Timer(0.3, lambda: redis_client.delete(keys.CODE_OUTBOX))
    asked = threading.Timer(0.6, lambda: ask(client, new_phone()))
    emptied.start()
    asked.start()
    counts = run_until_sent(1, sms_file)
    emptied.join()
    asked.join()
    assert counts.sent == 1


def test_a_code_sender_that_dies_stops_the_relay_with_its_error(monkeypatch) -> None:
    # A relay that looked alive while no code was sent would leave nobody able to verify.
    def broken(**options: Any) -> None:
        raise RuntimeError("the sender's bug")

    monkeypatch.setattr("phones.sending.codes_send_run", broken)
    deadline = time.monotonic() + 30
    with pytest.raises(RuntimeError, match="the sender's bug"):
        relay_run(
            consumer="relay", block_ms=50, send_codes=True,
            should_stop=lambda: time.monotonic() > deadline,
        )  # fmt: skip
