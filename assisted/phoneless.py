"""A booking made by the helpline for a person with no mobile phone, and how to tell one.

The booking script books "for a phone": it counts the phone's active bookings (the phone
limit), its attempts, and in the waiting room its ticket. A person without a phone must count
against nobody's phone, so each such call books under a line of its own: "nophone:", the
staff account's id and a random part. It can never be a number (every phone is kept as
E.164, "+60..."), so no SMS or code is ever sent to it (confirmations/services.py and
appointments/ ask `is_phoneless`), and no citizen's phone limit is touched. What bounds these
bookings instead is the staff member's own limit, ASSISTED_BOOKINGS_PER_HOUR.
"""

import secrets

PREFIX = "nophone:"


def phoneless_line(*, staff_id: int) -> str:
    """A new line for one call: its waiting-room ticket and its one booking are keyed by it."""
    return f"{PREFIX}{staff_id}.{secrets.token_hex(8)}"


def is_phoneless(phone: str) -> bool:
    return phone.startswith(PREFIX)
