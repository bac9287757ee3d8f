"""Structured logs: one JSON object per line, each with the id of the request it belongs to.

No personal data goes into a log line: events name references, routes and counts, never an ID
number, a name, a phone or an e-mail. Django's own request logger adds the request object to
each record; the formatter writes only the fields below, so nothing of the request leaks.

Refusals that are normal business (a 404 for an unknown slot, a sold-out 409, a 429, a closed
403) are counted for operators in GET /metrics, not logged: at noon they would be most of the
lines, and each says nothing an operator acts on. Django logs every 4xx of its handler at
WARNING ("Not Found: ..."); BusinessRefusalFilter drops those and keeps every 5xx.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# An id sent by our proxy (X-Request-ID) is kept when it is short and plain; anything else is
# replaced, so a client cannot write into our logs through it.
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Runs of six or more digits (ID numbers, phones, codes) and e-mail addresses: what an error
# message may carry of a person, say a ValueError quoting what was typed.
_DIGITS = re.compile(r"\+?\d[\d\s-]{4,}\d")
_EMAIL = re.compile(r"[^\s@'\"<>(),;]+@[^\s@'\"<>(),;]+")
_REDACTED = "[redacted]"
# Fields of a record that belong to the logging machinery, not to the event.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request",
    "status_code",
    "request_id",
}


def scrub_text(text: object) -> object:
    """`text` with anything like an ID number, a phone or an e-mail address taken out."""
    if not isinstance(text, str):
        return text
    return _EMAIL.sub(_REDACTED, _DIGITS.sub(_REDACTED, text))


def request_id_begin(offered: str = "") -> str:
    """Starts a request's context: its id is `offered` when that is plain, else a new one."""
    request_id = offered if _PLAIN_ID.match(offered or "") else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class BusinessRefusalFilter(logging.Filter):
    """Drops django.request's line for each 4xx answer (counted in /metrics instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not (
            record.name.startswith("django.request") and isinstance(status, int) and status < 500
        )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "event": scrub_text(record.getMessage()),
        }
        if request_id := getattr(record, "request_id", ""):
            event["request_id"] = request_id
        if isinstance(status := getattr(record, "status_code", None), int):
            event["status"] = status
        # Fields an event adds with extra={...}: whatever the caller chose to say, no more.
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS and not name.startswith("_"):
                event[name] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            event["error"] = scrub_text(self.formatException(record.exc_info))
        return json.dumps(event, ensure_ascii=False)
