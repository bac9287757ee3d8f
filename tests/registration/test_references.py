"""Booking references: each booking number has one, the reference leads back to it, and a
single mistyped character is caught rather than leading to someone else's booking."""

import random

import pytest

from registration.references import ALPHABET, MODULUS, number_for, reference_for

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
    code = reference_for(number).replace("-", "")
    for position, typed in enumerate(code):
        for other in ALPHABET.replace(typed, ""):
            mistyped = code[:position] + other + code[position + 1 :]
            assert number_for(mistyped) is None, (code, mistyped)


@pytest.mark.parametrize(
    "typed", ["", "not-a-reference", "K7Q-X3M", "K7Q-X3M-HA2-X", "UUU-UUU-UUU"]
)
def test_what_cannot_be_a_reference_leads_nowhere(typed: str) -> None:
    assert number_for(typed) is None


@pytest.mark.parametrize("number", [0, -1, MODULUS])
def test_a_number_out_of_range_has_no_reference(number: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        reference_for(number)
