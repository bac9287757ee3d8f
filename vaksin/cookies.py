"""The one encrypted cookie store: what the public's pages keep in a person's browser.

The origin writes nothing per visitor until a booking, so any web process serves any page and
three million half-finished registrations cost no storage. What a cookie holds (an ID number,
a name, a verified phone) is encrypted and authenticated (Fernet, with a key derived from
SECRET_KEY for this purpose alone): the browser, a proxy log or anyone who copies the cookie
reads nothing, and a cookie changed by one bit reads as no cookie at all. Every cookie is
HttpOnly, SameSite=Lax and limited to the pages that read it.
"""

import base64
import binascii
import json
import struct
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.crypto import salted_hmac

# The key's purpose: no other use of SECRET_KEY can make or read these cookies. (Named after
# the wizard, which had it first: cookies made since then still open.)
KEY_PURPOSE = "wizard.state.cookie-key"


@lru_cache(maxsize=4)
def _cipher(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    """Encrypts with the key of SECRET_KEY; also reads cookies made with SECRET_KEY_FALLBACKS,
    so rotating the secret throws nobody out of the pages they were on."""

    def key(secret: str) -> bytes:
        digest = salted_hmac(KEY_PURPOSE, "fernet", secret=secret, algorithm="sha256").digest()
        return base64.urlsafe_b64encode(digest)

    return MultiFernet([Fernet(key(each)) for each in (secret, *fallbacks)])


def cipher() -> MultiFernet:
    return _cipher(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@dataclass(frozen=True)
class EncryptedCookie:
    name: str
    path: str

    def read(self, request: HttpRequest) -> tuple[dict[str, Any], float] | None:
        """What the cookie holds and how many seconds ago it was written; None when it is
        absent, tampered with, made with an unknown key or not a JSON object."""
        token = request.COOKIES.get(self.name, "")
        if not token:
            return None
        try:
            raw = json.loads(cipher().decrypt(token.encode()))
            age = time.time() - _written_at(token)
        except (InvalidToken, ValueError, TypeError, binascii.Error, struct.error):
            return None
        return (raw, age) if isinstance(raw, dict) else None

    def write(
        self, response: HttpResponseBase, payload: dict[str, Any], *, max_age: int | None
    ) -> None:
        """Writes `payload`, kept `max_age` seconds (None: for the browser session)."""
        # UTF-8 rather than \u escapes: a name in Chinese or Tamil takes half the room, and a
        # browser drops a cookie over 4,096 bytes without a word.
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        response.set_cookie(
            self.name,
            cipher().encrypt(text.encode()).decode(),
            max_age=max_age,
            path=self.path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )

    def clear(self, response: HttpResponseBase) -> None:
        response.delete_cookie(self.name, path=self.path, samesite="Lax")


def _written_at(token: str) -> int:
    """When a token that has just been decrypted (so authenticated) was made: the timestamp
    its second to ninth bytes hold (Fernet's format). Read here rather than by
    extract_timestamp, which checks the token's HMAC a second time."""
    return int(struct.unpack(">Q", base64.urlsafe_b64decode(token)[1:9])[0])


def strings(raw: object) -> dict[str, str]:
    """A JSON object of a cookie as text by text; anything else as nothing."""
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def whole(raw: object) -> int:
    """A JSON number of a cookie, or 0 when it is anything else."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
