"""Booking references: short, readable over the phone, typo-checked, made from the booking number.

A reference is the booking's number in the log, put through a keyed permutation (a Feistel
network whose rounds are an HMAC keyed by REFERENCE_SECRET), written in Crockford's base 32
(no I, L, O or U), with one check character. It needs no index: the reference leads back to
the log entry. The key matters: with the map in the public code alone, anyone could list every
reference issued and count the bookings. After a rotation the secrets of
REFERENCE_SECRET_FALLBACKS still read the references made under them, and so does the fixed
map references were first made with. It is not a secret either: a look-up also needs the
person's ID number.
"""

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 40
HALF = BITS // 2
MODULUS = 1 << BITS
BODY_LENGTH = 8
ROUNDS = 4
KEY_PURPOSE = b"vaksin.reference"
# Odd weights are invertible modulo 32, so the check character catches every single-character
# slip. Each key adds its own salt to it, so a reference made under one key rarely even reads
# under another (1 in 32), which keeps the keys of a rotation apart.
WEIGHTS = (1, 3, 5, 7, 9, 11, 13, 15)
# What people type for what they see.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

# The fixed map of the first references (an affine map modulo 2**40), read only so that a
# reference someone was given then still works.
LEGACY_MULTIPLIER = 0x9E3779B97F % MODULUS | 1
LEGACY_INVERSE = pow(LEGACY_MULTIPLIER, -1, MODULUS)
LEGACY_OFFSET = 0x5BD1E99543


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), KEY_PURPOSE, hashlib.sha256).digest()


def _keys() -> list[bytes]:
    """The current key first, then the fallbacks' (newest first)."""
    return [_key(s) for s in (settings.REFERENCE_SECRET, *settings.REFERENCE_SECRET_FALLBACKS)]


def _round(key: bytes, round_number: int, half: int) -> int:
    digest = hmac.new(key, f"{round_number}:{half}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:3], "big") & ((1 << HALF) - 1)


def _permuted(number: int, key: bytes) -> int:
    left, right = number >> HALF, number & ((1 << HALF) - 1)
    for round_number in range(ROUNDS):
        left, right = right, left ^ _round(key, round_number, right)
    return (left << HALF) | right


def _unpermuted(value: int, key: bytes) -> int:
    left, right = value >> HALF, value & ((1 << HALF) - 1)
    for round_number in reversed(range(ROUNDS)):
        left, right = right ^ _round(key, round_number, left), left
    return (left << HALF) | right


def _check_character(body: str, salt: int) -> str:
    total = sum(weight * ALPHABET.index(char) for weight, char in zip(WEIGHTS, body, strict=True))
    return ALPHABET[(total + salt) % 32]


def _salt(key: bytes) -> int:
    return key[0] % 32


def reference_for(number: int) -> str:
    """The reference of booking `number`, like 'K7Q-X3M-HA2', under the current key."""
    if not 0 < number < MODULUS:
        raise ValueError(f"booking number {number} is out of range")
    key = _keys()[0]
    value = _permuted(number, key)
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    code = body + _check_character(body, _salt(key))
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def numbers_for(reference: str) -> list[int]:
    """Every booking number a typed reference can stand for, the current key's first: under the
    current key, the fallbacks' and the first fixed map, each only where its check character
    holds. Nearly always one; a caller that can check (a look-up has the ID number) takes the
    one that matches."""
    code = "".join(reference.split()).replace("-", "").upper().translate(LOOKALIKES)
    if len(code) != BODY_LENGTH + 1 or any(char not in ALPHABET for char in code):
        return []
    body, check = code[:BODY_LENGTH], code[BODY_LENGTH]
    value = 0
    for char in body:
        value = value * 32 + ALPHABET.index(char)
    found = [
        _unpermuted(value, key) for key in _keys() if _check_character(body, _salt(key)) == check
    ]
    if _check_character(body, 0) == check:
        found.append(((value - LEGACY_OFFSET) * LEGACY_INVERSE) % MODULUS)
    return [number for number in dict.fromkeys(found) if number]


def number_for(reference: str) -> int | None:
    """The booking number a typed reference stands for (the current key's reading first), or
    None if it cannot be one."""
    found = numbers_for(reference)
    return found[0] if found else None
