"""Small template helpers for the public pages."""

import datetime

from django import template
from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from vaksin import formats
from vaksin.validation import phone_national

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    """The URL of a static file; the plain URL when the manifest of hashed names is missing
    (collectstatic not run yet), so a deployment slip costs styling, never a 500."""
    try:
        return static(path)
    except ValueError:
        from django.conf import settings

        return f"{settings.STATIC_URL}{path}"


@register.filter
def isodate(value: str) -> datetime.date | str:
    """A date kept as YYYY-MM-DD, as a date for the `date` filter to spell out."""
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


@register.filter
def id_display(value: str) -> str:
    """A MyKad number grouped as printed on the card (900101-14-5555); others unchanged."""
    if len(value) == 12 and value.isdigit():
        return f"{value[:6]}-{value[6:8]}-{value[8:]}"
    return value


@register.filter
def phone_display(value: str) -> str:
    """An E.164 Malaysian number as people write it (012-345 6789)."""
    return phone_national(value)


@register.filter
def thousands(value: object) -> str:
    """A whole number with thousands separators (6,762), in every language alike."""
    try:
        return formats.thousands(int(str(value)))
    except ValueError:
        return str(value)


# expects_localtime: a moment is shown on the day it falls in Malaysia, not in UTC.
@register.filter(expects_localtime=True)
def longdate(value: object) -> str:
    """A date with its weekday, as the current language writes it ("Friday 28 May 2021")."""
    return formats.long_date(value) if isinstance(value, datetime.date) else str(value)


@register.filter(expects_localtime=True)
def plaindate(value: object) -> str:
    """A date without its weekday, as the current language writes it ("28 May 2021")."""
    return formats.plain_date(value) if isinstance(value, datetime.date) else str(value)


# Words a narrow screen must not break at their hyphen ("COVID-/19" at 320 px in Malay, where
# the word ends the header).
UNBROKEN = ("COVID-19",)


@register.filter
def unbroken(value: object) -> str:
    """The text, escaped, with each of UNBROKEN kept on one line."""
    text = str(conditional_escape(value if isinstance(value, str) else str(value)))
    for word in UNBROKEN:
        text = text.replace(word, f'<span class="nowrap">{word}</span>')
    return mark_safe(text)  # noqa: S308 - escaped above, and the span is ours
