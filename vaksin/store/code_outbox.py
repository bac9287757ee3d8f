"""The code outbox: one stream entry per one-time code to send, appended by the script that
issues the code (lua/phones/code_issue.lua), read by the relay's code sender
(phones/sending.py) through a consumer group.

The group's pending list is the sender's lease: an entry read and not yet acknowledged belongs
to the sender that read it, which re-reads it when it starts again under the same name, and
which another sender takes over (XAUTOCLAIM) once it has been idle longer than the lease. So a
sender killed between its gateway's accept and its acknowledgement sends that code again (under
the same message id, which a gateway that de-duplicates drops), and none is lost.

Entries are never deleted by the reader: the writer trims those older than a code's lifetime.
"""

from dataclasses import dataclass

import redis

from vaksin.store import keys
from vaksin.store.connection import answering, client
from vaksin.store.metrics import SERIES_KEEP_SECONDS, series_bucket
from vaksin.store.phones import CodeSms

GROUP = "codes"


@dataclass(frozen=True)
class OutboxCode:
    """One code's entry in the outbox: its SMS, and when it was issued (ms, from its id)."""

    entry: str
    sms: CodeSms
    issued_ms: int


def _codes(found: list[tuple[str, dict[str, str] | None]]) -> list[OutboxCode]:
    # An entry trimmed since it was read comes back without fields: nothing to send.
    return [
        OutboxCode(
            entry=entry,
            sms=CodeSms(phone=fields["phone"], nonce=fields["nonce"], lang=fields["lang"]),
            issued_ms=int(entry.split("-", 1)[0]),
        )
        for entry, fields in found
        if fields
    ]


def code_outbox_group_create() -> None:
    """Creates the senders' consumer group from the start of the outbox, once; a no-op after."""
    with answering():
        try:
            client().xgroup_create(keys.CODE_OUTBOX, GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


def _group_lost(error: redis.ResponseError) -> bool:
    """The outbox and its group are gone (a Redis emptied under a running sender, as the tests
    do; a blocked read is then told UNBLOCKED): made again, with nothing pending, and the sender
    goes on."""
    if not str(error).startswith(("NOGROUP", "UNBLOCKED")):
        return False
    code_outbox_group_create()
    return True


def code_outbox_read(
    *, consumer: str, count: int, block_ms: int | None, pending: bool = False
) -> list[OutboxCode]:
    """New codes for this consumer, waiting up to block_ms for one (None: not at all); with
    pending=True, the ones it read before and never acknowledged (it was killed, or a send
    failed), without waiting."""
    try:
        with answering():
            found = client().xreadgroup(
                GROUP,
                consumer,
                {keys.CODE_OUTBOX: "0" if pending else ">"},
                count=count,
                block=None if pending else block_ms,
            )
    except redis.ResponseError as error:
        if not _group_lost(error):
            raise
        return []
    return _codes(found[0][1]) if found else []


def code_outbox_claim_idle(*, consumer: str, idle_ms: int, count: int) -> list[OutboxCode]:
    """Takes over codes another sender read and left unacknowledged for idle_ms: it died."""
    try:
        with answering():
            reply = client().xautoclaim(
                keys.CODE_OUTBOX, GROUP, consumer, idle_ms, "0-0", count=count
            )
    except redis.ResponseError as error:
        if not _group_lost(error):
            raise
        return []
    return _codes(reply[1])


def code_outbox_done(entries: list[str], *, sent: int, at: float) -> None:
    """Acknowledges `entries` (sent, or dead before they could be), and counts the `sent` for
    operators at Unix time `at`, in one round trip."""
    if not entries:
        return
    pipe = client().pipeline(transaction=False)
    pipe.xack(keys.CODE_OUTBOX, GROUP, *entries)
    if sent:
        bucket = keys.series_key(series_bucket(at))
        pipe.hincrby(keys.METRICS, "codes_sent", sent).hincrby(bucket, "codes_sent", sent)
        pipe.expire(bucket, SERIES_KEEP_SECONDS)
    with answering():
        pipe.execute()


def code_outbox_backlog() -> tuple[int, int]:
    """Codes not yet read by a sender (lag) and read but not acknowledged (pending); before a
    sender first ran (no group yet), every entry is unread."""
    with answering():
        try:
            groups = client().xinfo_groups(keys.CODE_OUTBOX)
        except redis.ResponseError:
            groups = []
        for group in groups:
            if group["name"] == GROUP:
                return int(group.get("lag") or 0), int(group["pending"])
        return int(client().xlen(keys.CODE_OUTBOX)), 0
