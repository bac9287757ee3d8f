"""SMS backends, chosen by settings.SMS_BACKEND. E-mail uses Django's own backends."""

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from vaksin.private_files import private_append, private_folder


class SmsError(Exception):
    """The message was not accepted; its batch sends the rest, then is retried with backoff."""


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    text: str
    # Stable for one booking's confirmation, so a gateway that de-duplicates by client reference
    # drops the second copy if a worker dies between the gateway's accept and our record of it.
    message_id: str


class SmsBackend(Protocol):
    def send(self, message: Sms) -> None: ...


def _line(message: Sms) -> str:
    return json.dumps(
        {"id": message.message_id, "to": message.to, "text": message.text}, ensure_ascii=False
    )


class FileSmsBackend:
    """Appends one JSON line per message to SMS_FILE_PATH: for development, demos and tests.
    Every line names a phone, so the file is 0600 in a 0700 folder (vaksin/private_files.py)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)
        private_folder(self.path.parent)

    def send(self, message: Sms) -> None:
        # One write() on an O_APPEND descriptor: lines from concurrent workers never interleave.
        descriptor = private_append(self.path)
        try:
            os.write(descriptor, (_line(message) + "\n").encode())
        finally:
            os.close(descriptor)


class ConsoleSmsBackend:
    """Prints one JSON line per message on stdout."""

    def send(self, message: Sms) -> None:
        sys.stdout.write(_line(message) + "\n")
        sys.stdout.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the gateway token to another address, and turn the POST into an
    empty GET that answers 200: neither is a message sent."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        raise SmsError("gateway answered with a redirect, which is not followed")


_OPENER = urllib.request.build_opener(_NoRedirects)


class HttpSmsBackend:
    """Posts each message as JSON to an SMS gateway (SMS_GATEWAY_URL, bearer SMS_GATEWAY_TOKEN).

    The body is {"to", "from", "text", "client_reference"}; any 2xx is success, anything else
    (a redirect included, or no answer within SMS_GATEWAY_TIMEOUT seconds) is SmsError, which
    the batch job retries. Only https: the token and the messages never go in the clear.
    """

    def __init__(self) -> None:
        self.url, self.token = settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN
        if not self.url.startswith("https://"):
            raise SmsError("SMS_GATEWAY_URL must be an https URL")

    def send(self, message: Sms) -> None:
        body = {
            "to": message.to,
            "from": settings.SMS_SENDER,
            "text": message.text,
            "client_reference": message.message_id,
        }
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": message.message_id,
            },
        )
        try:
            with _OPENER.open(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from None
        except OSError as error:
            raise SmsError(f"gateway unreachable: {error}") from None
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


@cache
def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
