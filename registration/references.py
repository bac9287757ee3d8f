"""Booking references: short, readable over the phone, typo-checked, made from the booking number.

A reference is the booking's number in the log, scrambled by a fixed bijection so that
neighbouring bookings do not get neighbouring references, written in Crockford's base 32
(no I, L, O or U), with one check character. It needs no index: the reference alone leads
back to the log entry. It is not a secret; a look-up also needs the person's ID number.
"""

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 40
MODULUS = 1 << BITS
# Any odd multiplier is invertible modulo 2**40, which makes the scrambling a bijection.
MULTIPLIER = 0x9E3779B97F % MODULUS | 1
INVERSE = pow(MULTIPLIER, -1, MODULUS)
OFFSET = 0x5BD1E99543
BODY_LENGTH = 8
# Odd weights are invertible modulo 32, so the check character catches every single-character slip.
WEIGHTS = (1, 3, 5, 7, 9, 11, 13, 15)
# What people type for what they see.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_character(body: str) -> str:
    total = sum(weight * ALPHABET.index(char) for weight, char in zip(WEIGHTS, body, strict=True))
    return ALPHABET[total % 32]


def reference_for(number: int) -> str:
    """The reference of booking `number`, like 'K7Q-X3M-HA2'."""
    if not 0 < number < MODULUS:
        raise ValueError(f"booking number {number} is out of range")
    scrambled = (number * MULTIPLIER + OFFSET) % MODULUS
    body = "".join(ALPHABET[(scrambled >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    code = body + _check_character(body)
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def number_for(reference: str) -> int | None:
    """The booking number a typed reference stands for, or None if it cannot be one."""
    code = "".join(reference.split()).replace("-", "").upper().translate(LOOKALIKES)
    if len(code) != BODY_LENGTH + 1 or any(char not in ALPHABET for char in code):
        return None
    body, check = code[:BODY_LENGTH], code[BODY_LENGTH]
    if _check_character(body) != check:
        return None
    scrambled = 0
    for char in body:
        scrambled = scrambled * 32 + ALPHABET.index(char)
    number = ((scrambled - OFFSET) * INVERSE) % MODULUS
    return number or None
