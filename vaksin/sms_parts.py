"""How many billed parts an SMS takes, as a gateway counts them (3GPP TS 23.038 and 23.040).

A text of GSM-7 characters fits 160 septets in one part, 153 in each part of a longer one (the
rest of each part carries its place in the whole); a character of the extension table (such as
`{` or `€`) takes two septets and is never split between parts. Any other character (Chinese,
Tamil, most accents) makes the whole message UCS-2: 70 UTF-16 units in one part, 67 in each
part of a longer one, a character outside the Basic Multilingual Plane taking two, never split.
"""

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"
_GSM7 = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets, or UTF-16 units
    parts: int


def _packed(sizes: list[int], *, single: int, each: int) -> int:
    """Parts needed for characters of these sizes, none split across two parts."""
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > each:
            parts, used = parts + 1, 0
        used += size
    return parts


def sms_size(text: str) -> SmsSize:
    if all(char in _GSM7 for char in text):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return SmsSize("GSM-7", sum(sizes), _packed(sizes, single=160, each=153))
    sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return SmsSize("UCS-2", sum(sizes), _packed(sizes, single=70, each=67))


def sms_parts(text: str) -> int:
    return sms_size(text).parts
