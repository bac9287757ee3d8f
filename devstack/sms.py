"""What the file SMS backend wrote, read back (one JSON line per message), for the tests and the
bench; and the relay and a confirmation worker run in this process."""

import json
import re
from collections import Counter
from pathlib import Path

from devstack.processes import wait_until

CODE = re.compile(r"\b(\d{6})\b")


def sms_lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def sms_size(path: Path) -> int:
    """Where the next message will be written: pass it to code_sent_to as `after`."""
    return path.stat().st_size if path.exists() else 0


def code_sent_to(path: Path, phone: str, *, after: int, seconds: float = 15) -> str:
    """The newest one-time code sent to `phone` (E.164) past byte `after`, waiting for the
    worker to send it."""
    found: list[str] = []

    def sent() -> bool:
        with path.open("rb") as handle:
            handle.seek(after)
            lines = handle.read().decode().splitlines()
        found[:] = [
            match.group(1)
            for line in lines
            if json.loads(line)["to"] == phone and (match := CODE.search(json.loads(line)["text"]))
        ]
        return bool(found)

    assert wait_until(lambda: path.exists() and sent(), seconds=seconds), f"no code to {phone}"
    return found[-1]


def sends_per_reference(path: Path) -> Counter[str]:
    return Counter(line["id"].split(":")[0] for line in sms_lines(path))


def relay_and_send() -> list[str]:
    """What the relay and a confirmation worker do with new log entries, in this process:
    returns what happened to each message ("sent", "already_sent", "cancelled", ...)."""
    # Imported here: bench scripts import this module before Django's settings are set up.
    import django_rq

    from confirmations.messages import is_sent
    from confirmations.relay import relay_entries
    from confirmations.services import confirmations_send
    from registration.references import reference_for
    from vaksin.store import keys, outbox

    outbox.outbox_group_create()
    entries = outbox.outbox_read(consumer="test", count=1000, block_ms=None)
    relay_entries(entries, queue=django_rq.get_queue("confirmations"))
    references = [
        reference_for(keys.entry_number(entry)) for entry, fields in entries if is_sent(fields)
    ]
    return list(confirmations_send(references=references).outcomes.values())
