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
import re
from importlib.util import find_spec
from pathlib import Path

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
