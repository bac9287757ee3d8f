"""Booking references: each booking number has one, the reference leads back to it, and a
single mistyped character is caught rather than leading to someone else's booking."""

import random

import pytest

from registration.references import (
    ALPHABET,
    LEGACY_MULTIPLIER,
    LEGACY_OFFSET,
    MODULUS,
    WEIGHTS,
    number_for,
    numbers_for,
    reference_for,
)

# The first bookings, some at random, and the last number a reference can carry.
NUMBERS = [
    1,
    2,
    3,
    31,
    32,
    33,
    1_000_000,
    MODULUS - 1,
    *random.Random(8).sample(range(MODULUS), 40),
]


@pytest.mark.parametrize("number", NUMBERS)
def test_a_reference_leads_back_to_its_booking_number(number: int) -> None:
    assert number_for(reference_for(number)) == number


def test_a_reference_is_three_groups_of_three_readable_characters() -> None:
    for number in NUMBERS:
        groups = reference_for(number).split("-")
        assert [len(group) for group in groups] == [3, 3, 3]
        assert set("".join(groups)) <= set(ALPHABET)


def test_neighbouring_bookings_get_unrelated_references() -> None:
    first, second = reference_for(1), reference_for(2)
    assert sum(a != b for a, b in zip(first, second, strict=True)) > 3


def test_a_reference_is_found_however_it_is_typed() -> None:
    reference = reference_for(12345)
    spellings = [
        reference.lower(),
        reference.replace("-", ""),
        reference.replace("-", " "),
        f"  {reference}  ",
        # O for zero, I or L for one: what people read off a screen.
        reference.replace("0", "O").replace("1", "l"),
    ]
    assert {number_for(spelling) for spelling in spellings} == {12345}


@pytest.mark.parametrize("number", NUMBERS[:10])
def test_every_single_character_substitution_is_caught(number: int) -> None:
    """Under the key a reference was made with, every slip is caught. The first fixed map may
    read a slip as some other booking, about 1 time in 32, which a look-up (it needs that
    booking's person's ID number too) refuses all the same."""
    code = reference_for(number).replace("-", "")
    read = 0
    for position, typed in enumerate(code):
        for other in ALPHABET.replace(typed, ""):
            mistyped = code[:position] + other + code[position + 1 :]
            assert number not in numbers_for(mistyped), (code, mistyped)
            read += bool(numbers_for(mistyped))
    assert read < 9 * 31 / 16


def test_the_map_in_the_public_code_does_not_list_the_references(settings) -> None:
    """Before, references were an affine map of the booking number with its constants in this
    code: anyone could list them all and count the bookings. Now the key decides."""
    assert [reference_for(n) for n in range(1, 50)] != [_first_map(n) for n in range(1, 50)]
    made = [reference_for(n) for n in range(1, 20)]
    settings.REFERENCE_SECRET = "another deployment's reference key"
    assert not set(made) & {reference_for(n) for n in range(1, 20)}


def test_after_a_rotation_references_made_under_the_old_key_still_read(settings) -> None:
    made = {n: reference_for(n) for n in NUMBERS[:10]}
    settings.REFERENCE_SECRET_FALLBACKS = [settings.REFERENCE_SECRET]
    settings.REFERENCE_SECRET = "the new reference key"
    for number, reference in made.items():
        assert number in numbers_for(reference)
        assert number_for(reference_for(number)) == number  # the new one reads too
    settings.REFERENCE_SECRET_FALLBACKS = []  # the control: without the old key, lost
    assert not any(number in numbers_for(ref) for number, ref in made.items())


def test_a_reference_made_under_the_first_fixed_map_still_reads() -> None:
    for number in NUMBERS[:10]:
        assert number in numbers_for(_first_map(number))


def _first_map(number: int) -> str:
    """A reference as the first release made it (the map references.py still reads)."""
    value = (number * LEGACY_MULTIPLIER + LEGACY_OFFSET) % MODULUS
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(8)))
    total = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=True))
    code = body + ALPHABET[total % 32]
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


@pytest.mark.parametrize(
    "typed", ["", "not-a-reference", "K7Q-X3M", "K7Q-X3M-HA2-X", "UUU-UUU-UUU"]
)
def test_what_cannot_be_a_reference_leads_nowhere(typed: str) -> None:
    assert number_for(typed) is None


@pytest.mark.parametrize("number", [0, -1, MODULUS])
def test_a_number_out_of_range_has_no_reference(number: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        reference_for(number)
