"""One-time codes for verifying a phone: their hashes, tries and send limits (two scripts)."""

from dataclasses import dataclass

from vaksin.store import keys
from vaksin.store.connection import run_script


@dataclass(frozen=True)
class CodeOutcome:
    """What a code script decided.

    outcome: "issued" or "rate_limited" (issuing); "ok", "invalid", "exhausted" or
    "rate_limited" (checking).
    """

    outcome: str
    retry_after: int = 0  # seconds, for "rate_limited" and "exhausted"
    tries_left: int = 0  # for "invalid"
    limit: str = ""  # which limit refused a code: cooldown, phone_address, phone_ceiling, address


def code_issue(
    *,
    phone: str,
    code_hash: str,
    lifetime: int,
    address: str,
    cooldown: int,
    sends_per_address: int,
    sends_per_phone: int,
    address_sends: int,
    minute: int,
) -> CodeOutcome:
    """Stores a new code's hash for `phone` unless a limit says no (the phone's cooldown, its
    sends from this address or in all, this address's sends); see lua/phones/code_issue.lua."""
    cooldown_key, pair_key, phone_key = keys.code_limit_keys(phone, address)
    reply = run_script(
        "phones/code_issue",
        keys=[
            keys.verification_key(phone),
            cooldown_key,
            pair_key,
            phone_key,
            keys.rate_key("code-address", address, minute) if address and address_sends else "",
            keys.METRICS,
            keys.code_tries_key(phone, address),
        ],
        args=[code_hash, lifetime, cooldown, sends_per_address, sends_per_phone, address_sends],
    )
    if reply[0] == "rate_limited":
        return CodeOutcome("rate_limited", retry_after=int(reply[1]), limit=str(reply[2]))
    return CodeOutcome(str(reply[0]))


def code_check(
    *,
    phone: str,
    code_hash: str,
    address: str,
    tries: int,
    tries_in_all: int,
    address_attempts: int,
    lifetime: int,
    minute: int,
) -> CodeOutcome:
    """Counts one try of a code for `phone` from `address` and compares it; see
    lua/phones/code_check.lua."""
    reply = run_script(
        "phones/code_check",
        keys=[
            keys.verification_key(phone),
            keys.code_tries_key(phone, address),
            keys.rate_key("address", address, minute) if address and address_attempts else "",
        ],
        args=[code_hash, tries, tries_in_all, address_attempts, lifetime],
    )
    if reply[0] == "invalid":
        return CodeOutcome("invalid", tries_left=int(reply[1]))
    if reply[0] in ("exhausted", "rate_limited"):
        return CodeOutcome(str(reply[0]), retry_after=int(reply[1]))
    return CodeOutcome(str(reply[0]))
