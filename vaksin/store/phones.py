"""One-time codes for verifying a phone: their hashes, tries, send limits and the SMS each goes
out in (two scripts; the outbox they write to is read in vaksin/store/code_outbox.py)."""

from dataclasses import dataclass

from vaksin.store import keys
from vaksin.store.connection import run_script
from vaksin.store.sms_budget import Window


@dataclass(frozen=True)
class CodeOutcome:
    """What a code script decided.

    outcome: "issued" or "rate_limited" (issuing); "ok", "invalid", "exhausted" or
    "rate_limited" (checking).
    """

    outcome: str
    retry_after: int = 0  # seconds, for "rate_limited" and "exhausted"
    tries_left: int = 0  # for "invalid"
    # which limit refused a code: cooldown, phone_address, phone_ceiling, address, sms_budget
    limit: str = ""


@dataclass(frozen=True)
class CodeSms:
    """The SMS a code goes out in, as the outbox holds it: the phone, the nonce the code is
    derived from (never the code: only a holder of the secret can derive it), the language."""

    phone: str  # E.164
    nonce: str
    lang: str


def code_issue(
    *,
    sms: CodeSms,
    code_hash: str,
    lifetime: int,
    address: str,
    cooldown: int,
    sends_per_address: int,
    sends_per_phone: int,
    address_sends: int,
    minute: int,
    budget: list[Window],
) -> CodeOutcome:
    """Takes the code's send from the SMS `budget` (its windows with a limit), stores the new
    code's hash for the phone and appends its SMS to the code outbox, all in one round trip,
    unless a limit says no (the budget, the phone's cooldown, its sends from this address or in
    all, this address's sends); see lua/phones/code_issue.lua."""
    phone = sms.phone
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
            keys.CODE_OUTBOX,
            keys.SWITCHES,
            *(window.key for window in budget),
        ],
        args=[
            code_hash, lifetime, cooldown, sends_per_address, sends_per_phone, address_sends,
            phone, sms.nonce, sms.lang,
            *(part for window in budget for part in (window.limit, window.left, window.name)),
        ],
    )  # fmt: skip
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
