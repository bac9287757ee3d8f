"""Every Redis key name. Nothing outside this module builds a key string.

Every key carries the hash tag {vk}: the booking script touches a slot, a person and the
booking log at once, and Redis Cluster only runs a script whose keys share one hash slot.
"""

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

PREFIX = "{vk}"
CENTRES = f"{PREFIX}:centres"
CAPACITY = f"{PREFIX}:capacity"
BOOKED = f"{PREFIX}:booked"
BOOKINGS = f"{PREFIX}:bookings"
# Second doses: the places per slot ("<centre>|<date>") for second doses, and those taken. A
# booking holds one of each (lua/registration/book.lua), so these are counted like the above.
CAPACITY2 = f"{PREFIX}:capacity2"
BOOKED2 = f"{PREFIX}:booked2"
# The second-dose places live waiting-list offers hold ("<first slot>#<second slot>" -> count;
# counted in BOOKED2 too), so that a list whose keys expired before it was closed still gives
# them back (lua/waitlist/waitlist.lua, close).
HELD2 = f"{PREFIX}:held2"
# Doses given at the centre, by booking number: "1" (first given) or "2" (both); see
# lua/registration/dose_given.lua and second_cancel.lua. 64 bookings to a hash, as the send
# records, for the compact encoding (docs/redis.md has what it saves).
DOSES_PREFIX = f"{PREFIX}:doses:"
DOSES_BUCKET_SIZE = 64
# Operators' view and switches: counters shared by every process of every node, a short history
# of them in buckets of SERIES_SECONDS, and the switches staff flip in the admin.
METRICS = f"{PREFIX}:metrics"
SWITCHES = f"{PREFIX}:switches"
SERIES_SECONDS = 10
# The waiting room (lua/waiting_room/queue.lua): its state, its admission steps, the passes
# used, and the log of every ticket taken (a stream whose entry ids are the ticket numbers).
QUEUE = f"{PREFIX}:queue"
QUEUE_STEPS = f"{PREFIX}:queue:steps"
QUEUE_USED = f"{PREFIX}:queue:used"
QUEUE_LOG = f"{PREFIX}:queue:log"
# Held by the one process advancing the log's chain at a time (vaksin/store/queue.py).
QUEUE_CHAIN_LOCK = f"{PREFIX}:queue:chain-lock"
QUEUE_TICKETS_PATTERN = f"{PREFIX}:tickets:*"
# The waiting lists: the slots that have one (or a live offer), the places offers hold per slot
# (counted in BOOKED too, so no booking can take them), and every live offer by its expiry.
WAITING_SLOTS = f"{PREFIX}:waiting"
HELD = f"{PREFIX}:held"
OFFERS = f"{PREFIX}:offers"
# How many offers the booking log holds: the export's check counts every other entry.
OFFERS_MADE = f"{PREFIX}:offers-made"
PERSONS_PATTERN = f"{PREFIX}:persons:*"
PHONES_PATTERN = f"{PREFIX}:phones:*"
# A staff search of the bookings list, held a few minutes under a random id (staff_searches.py).
STAFF_SEARCH_PREFIX = f"{PREFIX}:staff-search:"
# 65,536 buckets keep each person hash small enough for Redis's compact listpack encoding
# (a few dozen people each at 3 million), which is most of the memory saved per booking.
BUCKET_HEX_DIGITS = 4
PERSON_FIELD_HEX_DIGITS = 24
# Send records go 64 bookings to a hash so each stays in the compact listpack encoding
# (up to 128 fields: one per channel), a few dozen bytes a booking instead of a key each.
SENT_BUCKET_SIZE = 64
# What is left of a booking once its personal data is purged (manage.py purge_personal_data):
# a compact record per booking, 64 to a hash for the same reason, and the count purged so far.
PURGED_BUCKET_SIZE = 64
PURGE_STATE = f"{PREFIX}:purge"
# One-time codes waiting for their SMS (lua/phones/code_issue.lua writes, the relay sends).
CODE_OUTBOX = f"{PREFIX}:code-outbox"


def slot_field(location: str, date: str) -> str:
    return f"{location}|{date}"


@lru_cache(maxsize=16)
def _keyed(secret: str) -> hmac.HMAC:
    """The HMAC keyed with `secret`, before any message: a copy of it costs about half what
    hmac.new does (which hashes the padded key again), and every booking names a person and a
    phone (and the fallbacks' names too), the confirmation worker each person again."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _bucketed(kind: str, subject: str, secret: str = "") -> tuple[str, str]:
    """The bucket key and field naming `subject`: a keyed HMAC, never the subject itself."""
    mac = _keyed(secret or settings.PERSON_KEY_SECRET).copy()
    mac.update(subject.encode())
    digest = mac.hexdigest()
    bucket, field = digest[:BUCKET_HEX_DIGITS], digest[BUCKET_HEX_DIGITS:][:PERSON_FIELD_HEX_DIGITS]
    return f"{PREFIX}:{kind}:{bucket}", field


def person_key(id_type: str, id_number: str) -> tuple[str, str]:
    """The bucket key and field naming one person (their booking number lives there)."""
    return _bucketed("persons", f"{id_type}:{id_number}")


def bucketed_name(bucket: str, field: str) -> str:
    """One person's (or phone's) name across all buckets: "<bucket hex>:<field>"."""
    return f"{bucket.rsplit(':', 1)[1]}:{field}"


def person_keys(id_type: str, id_number: str) -> list[tuple[str, str]]:
    """Every name one person may be held under: the current key's first, then the fallbacks'
    (PERSON_KEY_SECRET_FALLBACKS), so that a person booked before a rotation is still found."""
    subject = f"{id_type}:{id_number}"
    return [_bucketed("persons", subject)] + [
        _bucketed("persons", subject, old) for old in settings.PERSON_KEY_SECRET_FALLBACKS
    ]


def phone_key(phone: str) -> tuple[str, str]:
    """The bucket key and field naming one phone (its count of active bookings lives there)."""
    return _bucketed("phones", f"phone:{phone}")


def phone_keys(phone: str) -> list[tuple[str, str]]:
    """Every name a phone's count may be held under, the current key's first (see person_keys)."""
    subject = f"phone:{phone}"
    return [_bucketed("phones", subject)] + [
        _bucketed("phones", subject, old) for old in settings.PERSON_KEY_SECRET_FALLBACKS
    ]


def ticket_key(phone: str) -> tuple[str, str]:
    """The bucket key and field holding one phone's waiting-room ticket."""
    return _bucketed("tickets", f"phone:{phone}")


def code_limit_keys(phone: str, address: str) -> tuple[str, str, str]:
    """A phone's code limits: its resend cooldown, its sends from `address` an hour, its sends
    from everywhere an hour (keyed by the phone's name, never the number)."""
    name = phone_key(phone)[1]
    where = _bucketed("code-address", address)[1] if address else "-"
    return (
        f"{PREFIX}:code-cooldown:{name}",
        f"{PREFIX}:code-sends:{name}:{where}",
        f"{PREFIX}:code-sends:{name}",
    )


def code_tries_key(phone: str, address: str) -> str:
    """How many codes `address` has tried at `phone`'s current code."""
    where = _bucketed("code-address", address)[1] if address else "-"
    return f"{PREFIX}:code-tries:{phone_key(phone)[1]}:{where}"


def verification_key(phone: str) -> str:
    """The one-time code pending for `phone` (its hash and tries), named by a keyed HMAC."""
    bucket, field = _bucketed("codes", f"phone:{phone}")
    return f"{bucket}:{field}"


def rate_key(kind: str, subject: str, minute: int) -> str:
    return f"{PREFIX}:rate:{kind}:{subject}:{minute}"


def idempotency_key(key: str) -> str:
    return f"{PREFIX}:idempotency:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def entry_id(number: int) -> str:
    """The booking log's entry id of booking (or cancellation) `number`."""
    return f"{number}-0"


def entry_number(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


def cache_key(name: str) -> str:
    return f"{PREFIX}:cache:{name}"


def cache_lock_key(name: str) -> str:
    return f"{PREFIX}:cache:{name}:lock"


def sent_key(number: int) -> str:
    return f"{PREFIX}:sent:{number // SENT_BUCKET_SIZE}"


def sent_field(number: int, channel: str) -> str:
    return f"{number % SENT_BUCKET_SIZE}:{channel}"


def doses_key(number: int) -> str:
    return f"{DOSES_PREFIX}{number // DOSES_BUCKET_SIZE}"


def doses_field(number: int) -> str:
    return str(number % DOSES_BUCKET_SIZE)


def purged_key(number: int) -> str:
    return f"{PREFIX}:purged:{number // PURGED_BUCKET_SIZE}"


def purged_field(number: int) -> str:
    return str(number % PURGED_BUCKET_SIZE)


def bucketed_key(kind: str, name: str) -> tuple[str, str]:
    """The bucket key and field of a keys.bucketed_name of `kind` ("persons" or "phones")."""
    bucket, field = name.split(":", 1)
    return f"{PREFIX}:{kind}:{bucket}", field


def confirmation_claim_key(number: int) -> str:
    return f"{PREFIX}:sending:{number}"


def series_key(bucket: int) -> str:
    """The counters of one SERIES_SECONDS bucket (Unix time // SERIES_SECONDS)."""
    return f"{PREFIX}:series:{bucket}"


def waitlist_key(slot: str) -> str:
    """One slot's waiting list: a sorted set of waiters (phone names) by when they joined."""
    return f"{PREFIX}:wait:{slot}"


def waiters_key(slot: str) -> str:
    """What each waiter of one slot asked to book (JSON), by waiter."""
    return f"{PREFIX}:waiters:{slot}"


def offer_key(slot: str) -> str:
    """One slot's live offers: waiter -> the Unix second the offer lapses."""
    return f"{PREFIX}:offer:{slot}"


def offer_link_key(code: str) -> str:
    """What an offer's short link stands for: "<slot>\t<waiter>\t<until>", lapsing with it."""
    return f"{PREFIX}:offer-link:{code}"


def waiting_person_key(id_type: str, id_number: str) -> str:
    """The one waiting-list place a person holds (lua/waitlist/join.lua), by their keyed name."""
    return f"{PREFIX}:waiting-person:{bucketed_name(*person_key(id_type, id_number))}"


def waiting_phone_key(phone: str) -> str:
    """The one waiting-list place a phone holds, by its keyed name."""
    return f"{PREFIX}:waiting-phone:{bucketed_name(*phone_key(phone))}"


def waitlist_keys(slot: str) -> list[str]:
    """The keys the waiting-list scripts take for one slot, in the order they take them."""
    return [
        HELD,
        OFFERS,
        WAITING_SLOTS,
        waitlist_key(slot),
        waiters_key(slot),
        offer_key(slot),
        OFFERS_MADE,
    ]


def sms_budget_key(kind: str, window: str, number: int, prefix: str = "") -> str:
    """One window's spend of an SMS budget: `kind` (codes, confirmations) in minute or hour
    `number` (since the epoch), of one range of numbers (`prefix`: +60 1x and its next digits)
    or of all. A prefix names a range of thousands of phones, never one person."""
    return f"{PREFIX}:sms-budget:{kind}:{prefix or 'all'}:{window}:{number}"
