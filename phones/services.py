"""Verifying a phone: a one-time code by SMS, exchanged for a token that books from that phone.

A code is six digits, lives VERIFICATION_CODE_SECONDS, allows VERIFICATION_TRIES tries and is
stored only as a keyed hash (vaksin/store/lua/phones/code_issue.lua). The SMS is sent by the
relay (phones/sending.py), never by the request: the script that issues the code appends it to
the code outbox in the same step, as a random nonce from which only a holder of the secret can
derive the code, so the code is never readable in Redis.

The token is signed (django.core.signing) and names the phone and when it lapses: when
registration closes, or VERIFICATION_TOKEN_HOURS after it was issued when no close is set.
It holds nothing but the phone, so a verified phone costs the origin no storage.
"""

import datetime
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from phones.budget import code_budget_windows
from vaksin import validation
from vaksin.errors import BookingError
from vaksin.store import StoreError
from vaksin.store.phones import CodeSms, code_check, code_issue
from vaksin.window import verification_state

TOKEN_SALT = "vaksin.verified-phone"  # noqa: S105 (a salt, not a secret)

# Whole sentences per language, as the confirmations are (confirmations/messages.py);
# each fits one SMS part, so Tamil (70 UCS-2 units in all) says it in fewer words.
CODE_SMS = {
    "en": "Vaksin: your code is {code}. It expires in 10 minutes. Never share it: nobody from "
    "Vaksin will ask for it.",
    "ms": "Vaksin: kod anda ialah {code}. Kod ini sah selama 10 minit. Jangan kongsikan kod ini: "
    "tiada sesiapa daripada pihak Vaksin akan memintanya.",
    "zh-hans": "Vaksin：您的验证码是 {code}，10分钟内有效。切勿与他人分享："
    "Vaksin 人员绝不会向您索取。",
    "ta": "Vaksin குறியீடு {code} (10 நிமிடம்). பகிராதீர்: நாங்கள் கேட்கமாட்டோம்.",
}


class VerificationError(BookingError):
    """A code not sent or not accepted: `code` says why (see vaksin.errors.MESSAGES)."""

    def __init__(
        self,
        code: str,
        *,
        fields: dict[str, list[str]] | None = None,
        retry_after: int = 0,
        tries_left: int = 0,
        limit: str = "",
    ) -> None:
        super().__init__(code, fields=fields, retry_after=retry_after)
        self.tries_left = tries_left
        self.limit = limit  # which limit refused a code ("cooldown": one was sent just now)


@dataclass(frozen=True)
class VerifiedPhone:
    phone: str
    token: str
    expires_at: datetime.datetime


def code_for(phone: str, nonce: str) -> str:
    """The six-digit code a nonce stands for; only a holder of the secret can work it out."""
    digest = salted_hmac(f"{TOKEN_SALT}.code", f"{phone}:{nonce}", algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def code_sms_text(code: str, lang: str) -> str:
    return CODE_SMS.get(lang, CODE_SMS["en"]).format(code=code)


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac(f"{TOKEN_SALT}.code-hash", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _clean_phone(phone: object) -> str:
    try:
        return validation.clean_phone(phone)
    except validation.FieldError as error:
        raise VerificationError("invalid", fields={"phone": [error.code]}) from None


def verification_start(
    *, phone: object, client_address: str, lang: str, any_time: bool = False
) -> str:
    """Issues a new code for `phone`, which the relay sends (phones/sending.py); returns the
    phone as E.164. Raises VerificationError: "closed", "invalid", "rate_limited" or "unavailable".
    With `any_time`, outside the verification window too: a booking's own phone proves it is
    theirs at /appointment/ long after registration closed."""
    if verification_state() != "open" and not any_time:
        raise VerificationError("closed")
    cleaned = _clean_phone(phone)
    nonce = secrets.token_hex(16)
    try:
        outcome = code_issue(
            sms=CodeSms(phone=cleaned, nonce=nonce, lang=lang),
            code_hash=_code_hash(cleaned, code_for(cleaned, nonce)),
            lifetime=settings.VERIFICATION_CODE_SECONDS,
            address=client_address,
            cooldown=settings.VERIFICATION_RESEND_SECONDS,
            sends_per_address=settings.VERIFICATION_SENDS_PER_PHONE,
            sends_per_phone=settings.VERIFICATION_PHONE_CEILING,
            address_sends=settings.RATE_LIMIT_PER_IP,
            minute=int(time.time() // 60),
            budget=code_budget_windows(cleaned),
        )
    except StoreError:
        raise VerificationError("unavailable", retry_after=2) from None
    if outcome.outcome == "rate_limited":
        raise VerificationError(
            "rate_limited", retry_after=outcome.retry_after, limit=outcome.limit
        )
    return cleaned


def verification_confirm(
    *, phone: object, code: object, client_address: str, any_time: bool = False
) -> VerifiedPhone:
    """Exchanges a phone and the code sent to it for a token. Raises VerificationError:
    "closed", "invalid", "invalid_code" (with tries_left: this address's, so that nobody else's
    wrong codes spend them), "rate_limited" or "unavailable"."""
    if verification_state() != "open" and not any_time:
        raise VerificationError("closed")
    cleaned = _clean_phone(phone)
    typed = "".join(str(code or "").split())
    if not (len(typed) == 6 and typed.isascii() and typed.isdigit()):
        raise VerificationError("invalid", fields={"code": ["code_format"]})
    try:
        outcome = code_check(
            phone=cleaned,
            code_hash=_code_hash(cleaned, typed),
            address=client_address,
            tries=settings.VERIFICATION_TRIES,
            tries_in_all=settings.VERIFICATION_CODE_TRIES,
            address_attempts=settings.RATE_LIMIT_PER_IP,
            lifetime=settings.VERIFICATION_CODE_SECONDS,
            minute=int(time.time() // 60),
        )
    except StoreError:
        raise VerificationError("unavailable", retry_after=2) from None
    if outcome.outcome in ("exhausted", "rate_limited"):
        raise VerificationError("rate_limited", retry_after=outcome.retry_after)
    if outcome.outcome != "ok":
        raise VerificationError("invalid_code", tries_left=outcome.tries_left)
    return phone_token(cleaned)


def phone_token(phone: str, *, now: datetime.datetime | None = None) -> VerifiedPhone:
    """A token for a phone that has just proved it is held (or, in tests and the bench, is)."""
    now = now or timezone.now()
    expires = settings.REGISTRATION_CLOSES_AT
    if expires is None or expires <= now:
        # No close set, or registration opened by hand after it: a token lasts its hours.
        expires = now + datetime.timedelta(hours=settings.VERIFICATION_TOKEN_HOURS)
    token = signing.dumps({"p": phone, "x": int(expires.timestamp())}, salt=TOKEN_SALT)
    return VerifiedPhone(phone=phone, token=token, expires_at=expires)


def phone_from_token(token: str) -> str | None:
    """The verified phone a token names, or None when it is forged, damaged or lapsed."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), str):
        return None
    expires = payload.get("x")
    if not isinstance(expires, int) or expires <= time.time():
        return None
    return str(payload["p"])
