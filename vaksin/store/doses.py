"""Doses given at the centre, and a second dose let go once the first was given: one Lua
script each (lua/registration/dose_given.lua, lua/registration/second_cancel.lua)."""

from dataclasses import dataclass
from enum import StrEnum

from vaksin.store import bookings, keys
from vaksin.store.connection import answering, client, run_script
from vaksin.store.entries import LogEntry

# As lua/lib/doses_given.lua: how far back along the bookings one replaced its doses are looked for.
MOST_REPLACED = 1000


class DoseOutcome(StrEnum):
    """What a dose script decided."""

    RECORDED = "recorded"
    CANCELLED = "cancelled"  # the second dose let go; the booking is replaced (see below)
    ALREADY = "already"
    FIRST_NOT_GIVEN = "first_not_given"
    SECOND_GIVEN = "second_given"
    NO_SECOND = "no_second"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class SecondCancelOutcome:
    outcome: DoseOutcome
    number: int = 0  # the booking that replaces the old one (its first dose, no second)


def dose_given(*, id_type: str, id_number: str, number: int, dose: int) -> DoseOutcome:
    """Records dose `dose` (1 or 2) of booking `number` as given, if its person holds it."""
    names = keys.person_keys(id_type, id_number)
    reply = run_script(
        "registration/dose_given",
        keys=[keys.BOOKINGS, keys.doses_key(number), *(bucket for bucket, _ in names)],
        args=[number, str(dose), keys.DOSES_PREFIX, keys.DOSES_BUCKET_SIZE,
              *(field for _, field in names)],
    )  # fmt: skip
    return DoseOutcome(str(reply[0]))


def second_cancel(
    *, id_type: str, id_number: str, number: int, by: str, reason: str
) -> SecondCancelOutcome:
    """Lets go of booking `number`'s second-dose place after its first dose was given. The
    booking log's entries never change, so the booking is replaced by one without a second
    dose, as a move replaces it: a new number, the same person, phone, place and window."""
    names = keys.person_keys(id_type, id_number)
    reply = run_script(
        "registration/second_cancel",
        keys=[keys.BOOKINGS, keys.BOOKED2, keys.doses_key(number),
              *(bucket for bucket, _ in names)],
        args=[number, by, reason, keys.DOSES_PREFIX, keys.DOSES_BUCKET_SIZE,
              *(field for _, field in names)],
    )  # fmt: skip
    outcome = DoseOutcome(str(reply[0]))
    if outcome == DoseOutcome.CANCELLED:
        return SecondCancelOutcome(outcome, number=int(reply[1]))
    return SecondCancelOutcome(outcome)


def doses_read(numbers: list[int]) -> dict[int, int]:
    """Booking number -> how many of its doses were given (0, 1 or 2), in one round trip."""
    if not numbers:
        return {}
    pipe = client().pipeline(transaction=False)
    for number in numbers:
        pipe.hget(keys.doses_key(number), keys.doses_field(number))
    with answering():
        given = pipe.execute()
    return {number: int(value or 0) for number, value in zip(numbers, given, strict=True)}


def doses_given_read(number: int, entry: LogEntry) -> int:
    """How many doses of booking `number` (its log entry `entry`) were given: its record, or
    that of the booking it replaced, back along `moved_from`, as lua/lib/doses_given.lua reads
    it (a move keeps the doses given)."""
    for _ in range(MOST_REPLACED):
        given = doses_read([number])[number]
        moved_from = entry.get("moved_from")
        if given or not moved_from:
            return given
        number = int(moved_from)
        entry = bookings.read_entry(number) or {}
    return 0


def doses_scan() -> dict[int, int]:
    """Every booking with a dose given -> how many. Reads every doses hash: for checks only."""
    found: dict[int, int] = {}
    with answering():
        for key in client().scan_iter(match=f"{keys.DOSES_PREFIX}*", count=1000):
            bucket = int(key.removeprefix(keys.DOSES_PREFIX))
            for field, value in client().hgetall(key).items():
                found[bucket * keys.DOSES_BUCKET_SIZE + int(field)] = int(value)
    return found


def second_doses_held() -> dict[str, int]:
    """Second-dose places held by live waiting-list offers, per second-dose slot: the offers'
    own count ({vk}:held2, "<slot>#<second-dose slot>" -> places; lua/waitlist/waitlist.lua),
    as the first-dose places they hold are counted in {vk}:held."""
    held: dict[str, int] = {}
    with answering():
        found = client().hgetall(keys.HELD2)
    for field, count in found.items():
        slot2 = field.split("#", 1)[1]
        held[slot2] = held.get(slot2, 0) + int(count)
    return held
