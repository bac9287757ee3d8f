"""One-time codes for verifying a phone: their hashes, tries and send limits (two scripts)."""

from dataclasses import dataclass

from vaksin.store import keys
from vaksin.store.connection import run_script


@dataclass(frozen=True)
class CodeOutcome:
    """What a code script decided.

    outcome: "issued" or "rate_limited" (issuing); "ok", "invalid", "exhausted" or "none"
    (checking: no code is pending).
    """

    outcome: str
    retry_after: int = 0  # seconds, for "rate_limited" and "exhausted"
    tries_left: int = 0  # for "invalid"


def code_issue(
    *,
    phone: str,
    code_hash: str,
    lifetime: int,
    address: str,
    phone_sends: int,
    phone_span: int,
    address_sends: int,
    minute: int,
) -> CodeOutcome:
    """Stores a new code's hash for `phone` unless the phone or the address asked too often;
    see lua/phones/code_issue.lua."""
    reply = run_script(
        "phones/code_issue",
        keys=[
            keys.verification_key(phone),
            keys.rate_key("code-phone", keys.phone_key(phone)[1], 0) if phone_sends else "",
            keys.rate_key("code-address", address, minute) if address and address_sends else "",
            keys.METRICS,
        ],
        args=[code_hash, lifetime, phone_sends, phone_span, address_sends],
    )
    if reply[0] == "rate_limited":
        return CodeOutcome("rate_limited", retry_after=int(reply[1]))
    return CodeOutcome(str(reply[0]))


def code_check(*, phone: str, code_hash: str, tries: int) -> CodeOutcome:
    """Counts one try of a code for `phone` and compares it; see lua/phones/code_check.lua."""
    reply = run_script(
        "phones/code_check", keys=[keys.verification_key(phone)], args=[code_hash, tries]
    )
    if reply[0] == "invalid":
        return CodeOutcome("invalid", tries_left=int(reply[1]))
    if reply[0] == "exhausted":
        return CodeOutcome("exhausted", retry_after=int(reply[1]))
    return CodeOutcome(str(reply[0]))
