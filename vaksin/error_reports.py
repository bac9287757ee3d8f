"""Error reports to Sentry (when SENTRY_DSN is set), with no personal data in them.

Sentry's defaults would send a great deal of it: local variables of every frame (a booking's
ID number and name), request bodies, headers and cookies (the bearer token), and breadcrumbs
with the arguments of each Redis command (the booking script's ARGV is a person). So: no
default PII, no local variables, no request bodies, and every event and breadcrumb scrubbed
once more before it leaves, keeping only what says where and why it broke.
"""

from typing import Any

import sentry_sdk

from vaksin.logs import scrub_text

# Of a request, only what names the page: never its body, query, headers or cookies.
_REQUEST_KEPT = ("url", "method")

Event = dict[str, Any]


def scrub_event(event: Event, hint: object = None) -> Event:
    """An event as it may leave: messages scrubbed, no variables, no request data, no user."""
    for name in ("user", "extra", "contexts_user", "server_name"):
        event.pop(name, None)
    if request := event.get("request"):
        event["request"] = {key: request[key] for key in _REQUEST_KEPT if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = str(event["request"]["url"]).split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = scrub_text(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if isinstance(logentry := event.get("logentry"), dict):
        logentry["message"] = scrub_text(logentry.get("message"))
        logentry["formatted"] = scrub_text(logentry.get("formatted"))
        logentry.pop("params", None)
    if "message" in event:
        event["message"] = scrub_text(event["message"])
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values", []) if isinstance(crumbs, dict) else (crumbs or [])
    for crumb in values:
        scrub_breadcrumb(crumb)
    return event


def scrub_breadcrumb(crumb: Event, hint: object = None) -> Event:
    """A breadcrumb keeps its category, level and scrubbed message; never its data (for a
    Redis command, the arguments)."""
    crumb.pop("data", None)
    crumb["message"] = scrub_text(crumb.get("message"))
    return crumb


def error_reports_start(*, dsn: str, environment: str, **options: Any) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        # What send_default_pii=False meant, in the form this SDK asks for: no user identity,
        # no bodies; and no variables of stack frames.
        data_collection={"user_info": False, "http_bodies": []},
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        # Errors only: tracing every booking would cost the booking path.
        traces_sample_rate=0.0,
        **options,
    )
