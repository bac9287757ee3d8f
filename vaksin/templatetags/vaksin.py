"""Small template helpers for the public pages.

The pickers' radios (`place_radio`), the text fields and their error messages are written
here rather than by included templates: a page of fourteen dates spent most of its time
including one template per option, and the public pages are most of what a citizen costs the
origin (bench/journey_profile.py). Static file URLs, spelled-out dates and the parts of a page
that depend on the language alone ({% per_language %}) are kept once worked out, as the same
few recur on every page.
"""

import datetime
import weakref
from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from vaksin import formats
from vaksin.validation import phone_national

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    """The URL of a static file; the plain URL when the manifest of hashed names is missing
    (collectstatic not run yet), so a deployment slip costs styling, never a 500."""
    return _asset(path)


@lru_cache(maxsize=64)
def _asset(path: str) -> str:
    # The manifest is read once per process: a file's hashed name does not change under it.
    try:
        return static(path)
    except ValueError:
        from django.conf import settings

        return f"{settings.STATIC_URL}{path}"


@receiver(setting_changed)
def _forget_kept(*, setting: str, **kwargs: Any) -> None:
    """Tests change the storage or the URL of static files, or the URLs: what was kept from
    them is then stale."""
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT"):
        _asset.cache_clear()
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT", "ROOT_URLCONF", "LANGUAGES"):
        for node in list(PerLanguageNode.every):
            node.rendered.clear()


class PerLanguageNode(template.Node):
    """A part of every page that depends on the language alone (the header's words and links,
    the footer, the list of other languages): rendered once per language and kept. It is
    rendered in an empty context of its own, so that nothing of one page's (a variable, a
    token) can be kept and shown on the next."""

    every: "weakref.WeakSet[PerLanguageNode]" = weakref.WeakSet()

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[str, SafeString] = {}
        PerLanguageNode.every.add(self)

    def render(self, context: template.Context) -> SafeString:
        language = get_language() or ""
        kept = self.rendered.get(language)
        if kept is None:
            own = template.Context(autoescape=context.autoescape, use_tz=context.use_tz)
            kept = self.rendered[language] = mark_safe(self.nodelist.render(own))  # noqa: S308
        return kept


@register.tag
def per_language(parser: Parser, token: Token) -> PerLanguageNode:
    """{% per_language %}...{% endper_language %}: see PerLanguageNode."""
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    return PerLanguageNode(nodelist)


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
    if type(value) is datetime.date:
        return _spelled(value, get_language() or "", long=True)
    return formats.long_date(value) if isinstance(value, datetime.date) else str(value)


@register.filter(expects_localtime=True)
def plaindate(value: object) -> str:
    """A date without its weekday, as the current language writes it ("28 May 2021")."""
    if type(value) is datetime.date:
        return _spelled(value, get_language() or "", long=False)
    return formats.plain_date(value) if isinstance(value, datetime.date) else str(value)


@lru_cache(maxsize=1024)
def _spelled(day: datetime.date, language: str, *, long: bool) -> str:
    """A day as `language` writes it (the language is part of the key: it is the one active)."""
    return formats.long_date(day) if long else formats.plain_date(day)


def places_left(available: object) -> SafeString:
    """How many places an option has left, or that it is fully booked."""
    if isinstance(available, int) and available > 0:
        shown = formats.thousands(available)
        # The words of the picker's template before it was written here: the same msgids.
        text = ngettext("%(shown)s place left", "%(shown)s places left", available)
        return mark_safe(text % {"shown": shown})  # noqa: S308 - a catalogue's text, a number
    return format_html('<strong class="tag tag--full">{}</strong>', gettext("Fully booked"))


@register.simple_tag
def place_radio(
    *,
    prefix: str,
    key: object,
    first: bool,
    name: str,
    value: object,
    label: object,
    available: object,
    selected: object,
    disable_when_full: bool = False,
) -> SafeString:
    """One radio of a slot-picker list, with the places it has left. Its id is
    "<prefix>-<key>", and "<prefix>-first" for the first of a list, where the error summary
    links. `selected`: the value chosen before; `disable_when_full` refuses a choice with no
    places left."""
    full = not (isinstance(available, int) and available > 0)
    return format_html(
        '<div class="radio">\n'
        '  <input class="radio-input" id="{id}" name="{name}" type="radio" value="{value}" '
        'aria-describedby="{prefix}-{key}-places"{checked}{disabled}>\n'
        '  <label class="label radio-label" for="{id}">{label}</label>\n'
        '  <div class="hint radio-hint" id="{prefix}-{key}-places">{places}</div>\n'
        "</div>",
        id=f"{prefix}-first" if first else f"{prefix}-{key}",
        name=name,
        value=value,
        prefix=prefix,
        key=key,
        checked=mark_safe(" checked") if selected == value else "",
        disabled=mark_safe(" disabled") if disable_when_full and full else "",
        label=label,
        places=places_left(available),
    )


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


@register.simple_tag
def field_error(*, id: str, message: object) -> SafeString:
    """A field's error message, for the field with this id (nothing when it has none)."""
    if not message:
        return mark_safe("")
    return format_html(
        '<p id="{}-error" class="error-message"><span class="visually-hidden">{}</span> {}</p>',
        id,
        gettext("Error:"),
        message,
    )


@register.simple_tag
def text_field(
    *,
    id: str,
    label: object,
    hint: object = "",
    value: object = "",
    message: object = "",
    autocomplete: str = "",
    inputmode: str = "",
    type: str = "",
    width: object = "",
) -> SafeString:
    """A labelled text input with its hint and its error message, GOV.UK's text input: the
    hint and the error are tied to the input by aria-describedby."""
    described = " ".join(([f"{id}-hint"] if hint else []) + ([f"{id}-error"] if message else []))
    return format_html(
        '<div class="form-group{group_error}">\n'
        '  <label class="label" for="{id}">{label}</label>\n'
        "  {hint}\n"
        "  {error}\n"
        '  <input class="input{width}{input_error}" id="{id}" name="{id}" type="{type}" '
        'value="{value}"{autocomplete}{inputmode} spellcheck="false"{described}>\n'
        "</div>",
        group_error=mark_safe(" form-group--error") if message else "",
        id=id,
        label=label,
        hint=format_html('<div id="{}-hint" class="hint">{}</div>', id, hint) if hint else "",
        error=field_error(id=id, message=message),
        width=f" input--{width}" if width else "",
        input_error=mark_safe(" input--error") if message else "",
        type=type or "text",
        value=value or "",
        autocomplete=format_html(' autocomplete="{}"', autocomplete) if autocomplete else "",
        inputmode=format_html(' inputmode="{}"', inputmode) if inputmode else "",
        described=format_html(' aria-describedby="{}"', described) if described else "",
    )
