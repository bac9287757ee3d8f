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
from _hashlib import HASH
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 40
HALF = BITS // 2
HALF_MASK = (1 << HALF) - 1
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

# The body written ten bits (two characters) at a time, with each pair's share of the check
# character's weighted sum: four look-ups instead of eight divisions and eight searches.
_PAIRS = [ALPHABET[v >> 5] + ALPHABET[v & 31] for v in range(1024)]
_PAIR_WEIGHTS = [
    [WEIGHTS[2 * p] * (v >> 5) + WEIGHTS[2 * p + 1] * (v & 31) for v in range(1024)]
    for p in range(4)
]
_ROUND_PREFIXES = [f"{round_number}:".encode() for round_number in range(ROUNDS)]


@dataclass(frozen=True)
class _Key:
    """One secret's key for the rounds, made once: its HMAC's inner and outer hash states with
    the padded key already absorbed (RFC 2104), so that a round copies two states and hashes
    its few bytes, rather than building a new HMAC (which hashes the key's two blocks again).
    The export makes a reference per row, and the rounds were most of its CPU."""

    salt: int
    inner: HASH
    outer: HASH

    def round(self, round_number: int, half: int) -> int:
        inner = self.inner.copy()
        inner.update(_ROUND_PREFIXES[round_number] + str(half).encode())
        outer = self.outer.copy()
        outer.update(inner.digest())
        digest = outer.digest()
        return ((digest[0] << 16) | (digest[1] << 8) | digest[2]) & HALF_MASK


@lru_cache(maxsize=8)
def _key(secret: str) -> _Key:
    derived = hmac.new(secret.encode(), KEY_PURPOSE, hashlib.sha256).digest()
    # Shorter than SHA-256's block, so HMAC pads it with zeros rather than hashing it.
    block = derived.ljust(hashlib.sha256().block_size, b"\0")
    return _Key(
        salt=derived[0] % 32,
        inner=hashlib.sha256(bytes(byte ^ 0x36 for byte in block)),
        outer=hashlib.sha256(bytes(byte ^ 0x5C for byte in block)),
    )


def _keys() -> list[_Key]:
    """The current key first, then the fallbacks' (newest first)."""
    return [_key(s) for s in (settings.REFERENCE_SECRET, *settings.REFERENCE_SECRET_FALLBACKS)]


def _permuted(number: int, key: _Key) -> int:
    # key.round, inlined: the export makes a reference per row, and the calls cost a third.
    inner_copy, outer_copy = key.inner.copy, key.outer.copy
    left, right = number >> HALF, number & HALF_MASK
    for prefix in _ROUND_PREFIXES:
        inner = inner_copy()
        inner.update(prefix + str(right).encode())
        outer = outer_copy()
        outer.update(inner.digest())
        digest = outer.digest()
        left, right = right, left ^ (((digest[0] << 16) | (digest[1] << 8) | digest[2]) & HALF_MASK)
    return (left << HALF) | right


def _unpermuted(value: int, key: _Key) -> int:
    left, right = value >> HALF, value & HALF_MASK
    for round_number in reversed(range(ROUNDS)):
        left, right = right ^ key.round(round_number, left), left
    return (left << HALF) | right


def _check_character(body: str, salt: int) -> str:
    total = sum(weight * ALPHABET.index(char) for weight, char in zip(WEIGHTS, body, strict=True))
    return ALPHABET[(total + salt) % 32]


def _written(value: int, salt: int) -> str:
    """A permuted value as 'K7Q-X3M-HA2': its eight characters, most significant first, then
    the check character (what _check_character makes of the body)."""
    a, b, c, d = value >> 30, (value >> 20) & 1023, (value >> 10) & 1023, value & 1023
    w0, w1, w2, w3 = _PAIR_WEIGHTS
    check = ALPHABET[(w0[a] + w1[b] + w2[c] + w3[d] + salt) % 32]
    middle = _PAIRS[b]
    return f"{_PAIRS[a]}{middle[0]}-{middle[1]}{_PAIRS[c]}-{_PAIRS[d]}{check}"


def _reference(number: int, key: _Key) -> str:
    if not 0 < number < MODULUS:
        raise ValueError(f"booking number {number} is out of range")
    return _written(_permuted(number, key), key.salt)


def reference_for(number: int) -> str:
    """The reference of booking `number`, like 'K7Q-X3M-HA2', under the current key."""
    return _reference(number, _key(settings.REFERENCE_SECRET))


def references_for(numbers: Iterable[int]) -> list[str]:
    """The references of bookings `numbers`, in order, under the current key (read once)."""
    key = _key(settings.REFERENCE_SECRET)
    return [_reference(number, key) for number in numbers]


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
        _unpermuted(value, key) for key in _keys() if _check_character(body, key.salt) == check
    ]
    if _check_character(body, 0) == check:
        found.append(((value - LEGACY_OFFSET) * LEGACY_INVERSE) % MODULUS)
    return [number for number in dict.fromkeys(found) if number]


def number_for(reference: str) -> int | None:
    """The booking number a typed reference stands for (the current key's reading first), or
    None if it cannot be one."""
    found = numbers_for(reference)
    return found[0] if found else None
