"""The Content-Security-Policy: our own files only, and nothing inline but a few blocks we know.

Our pages carry no inline script or style. Two things we do not write do: Django RQ's queue
pages (the admin's job dashboard) run the same one-line inline script, and carry a style block
and two style attributes; and our 500 page carries its own small style, so that it renders
even when the static files are what broke. Those exact blocks are allowed by their SHA-256
hashes, worked out here from the templates themselves, so that a block an upgrade changes
shows up as a violation in the browser test (tests/security/test_headers.py), not as a hole.
"""

import base64
import hashlib
import http
import re
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from csp import middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

INLINE_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline(folder: Path, pattern: re.Pattern[str]) -> list[str]:
    found = {
        block
        for template in folder.rglob("*.html")
        for block in pattern.findall(template.read_text())
        if block.strip()
    }
    return sorted(_hash(block) for block in found)


def content_security_policy(base_dir: Path) -> dict[str, dict[str, list[str]]]:
    """django-csp's CONTENT_SECURITY_POLICY setting."""
    # Found, not imported: importing django_rq here, while the settings load, would make it read
    # its settings before they exist.
    spec = find_spec("django_rq")
    rq = Path(spec.origin if spec and spec.origin else ".").parent / "templates"
    ours = base_dir / "templates"
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'", *_inline(rq, INLINE_SCRIPT)],
            "style-src": [
                "'self'",
                *_inline(ours, INLINE_STYLE),
                *_inline(rq, INLINE_STYLE),
                "'unsafe-hashes'",
                *_inline(rq, STYLE_ATTRIBUTE),
            ],
            "img-src": ["'self'", "data:"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
        }
    }


# What a view or decorator of django-csp may set to change one response's policy.
PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace")
PER_RESPONSE_ALL = PER_RESPONSE + tuple(f"{name}_ro" for name in PER_RESPONSE)


@lru_cache(maxsize=2)
def _policy(*, report_only: bool) -> str:
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()


class CSPMiddleware(middleware.CSPMiddleware):
    """django-csp's middleware, with the policy built once per process rather than for every
    response: building it (a copy of every directive, joined anew) cost about 4% of a wizard
    page's time, for the same header each time. A response whose policy a view changed, or a
    request that used a nonce, still has its own built by django-csp."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        own = getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in PER_RESPONSE_ALL
        )
        if own:
            return super().process_response(request, response)
        debug_page = response.status_code in (
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
            http.HTTPStatus.NOT_FOUND,
        )
        if debug_page and settings.DEBUG:
            return response
        for header, report_only, exempt in (
            (HEADER, False, "_csp_exempt"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro"),
        ):
            policy = _policy(report_only=report_only)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            setting = "CONTENT_SECURITY_POLICY" + ("_REPORT_ONLY" if report_only else "")
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            if not request.path_info.startswith(tuple(prefixes or ())):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = middleware.CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response
        )
        return response
