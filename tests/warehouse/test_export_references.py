"""The export writes each booking's reference as the booking was given it. References are public
(printed on confirmations, read out over the phone), so the faster way the export makes them must
give every one the same value: pinned here, made under a key of the test's own, and checked
against the plain HMAC construction they were first made with."""

import hashlib
import hmac
import random

from registration.references import (
    ALPHABET,
    MODULUS,
    WEIGHTS,
    number_for,
    reference_for,
    references_for,
)

PINNED = {
    1: "W68-JK7-81R",
    2: "A36-WGZ-ZPC",
    3: "D7A-YHH-GT5",
    31: "8ZW-5QW-4GG",
    32: "K8S-160-6GR",
    1000: "880-JB2-7CV",
    999_999: "Y5C-Y96-QFF",
    1_048_575: "F09-S7Z-RTJ",
    1_048_576: "3CS-4BQ-XV3",
    MODULUS - 1: "123-XTB-KTP",
}


def first_construction(number: int, secret: str) -> str:
    """A reference as references.py first made it: a new HMAC per round, the body written a
    character at a time, the check character searched for."""
    key = hmac.new(secret.encode(), b"vaksin.reference", hashlib.sha256).digest()
    left, right = number >> 20, number & (1 << 20) - 1
    for round_number in range(4):
        digest = hmac.new(key, f"{round_number}:{right}".encode(), hashlib.sha256).digest()
        left, right = right, left ^ (int.from_bytes(digest[:3], "big") & (1 << 20) - 1)
    value = (left << 20) | right
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(8)))
    total = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=True))
    code = body + ALPHABET[(total + key[0] % 32) % 32]
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def test_the_references_of_the_first_bookings_keep_their_values(settings) -> None:
    settings.REFERENCE_SECRET = "a pinned key for the test"

    assert {number: reference_for(number) for number in PINNED} == PINNED
    assert references_for(PINNED) == list(PINNED.values())


def test_every_reference_is_the_one_the_first_construction_made(settings) -> None:
    numbers = [*range(1, 2_000), *random.Random(24).sample(range(1, MODULUS), 2_000)]
    for secret in ("a pinned key for the test", "another deployment's key", "ключ"):
        settings.REFERENCE_SECRET = secret

        made = references_for(numbers)

        assert made == [first_construction(number, secret) for number in numbers]
        assert [number_for(reference) for reference in made[:200]] == numbers[:200]
