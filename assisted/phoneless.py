"""A booking made by the helpline for a person with no mobile phone, and how to tell one.

The booking script books "for a phone": it counts the phone's active bookings (the phone
limit), its attempts, and in the waiting room its ticket. A person without a phone must count
against nobody's phone, so each such call books under a line of its own: "none:" and 64 random
bits. It can never be a number (every phone is kept as E.164, "+60..."), so no SMS or code is
ever sent to it (confirmations/services.py, disputes/jobs.py and appointments/ ask
`is_phoneless`), and no citizen's phone limit is touched. What bounds these bookings instead is
the staff member's own limit, ASSISTED_BOOKINGS_PER_HOUR; the audit trail says who made each.
A line is as long as the longest phone (PHONE_MAX_LENGTH), so the warehouse's phone column
takes it like any other
(tests/assisted: a line longer than that was set aside by the export).
"""

import secrets

PREFIX = "none:"


def phoneless_line() -> str:
    """A new line for one call: its waiting-room ticket and its one booking are keyed by it."""
    return PREFIX + secrets.token_urlsafe(8)  # 11 characters: 64 bits


def is_phoneless(phone: str) -> bool:
    return phone.startswith(PREFIX)
