"""How each language the site speaks writes dates and numbers, for pages and messages alike.

Chinese writes a date year first with each part marked (2021年5月28日 星期五); Malay, English
and Tamil write it day first in their own month and day names (Django's translations). Every
language writes thousands with a comma, as Malaysian print does in all four.
"""

import datetime

from django.utils.formats import date_format
from django.utils.translation import get_language

# Django format strings by language; the default is the English order.
LONG_DATE = {"zh-hans": "Y年n月j日 l"}
PLAIN_DATE = {"zh-hans": "Y年n月j日"}


def long_date(day: datetime.date) -> str:
    """A date with its weekday, as the current language writes it ("Friday 28 May 2021")."""
    return date_format(day, LONG_DATE.get(get_language() or "", "l j F Y"))


def plain_date(day: datetime.date) -> str:
    """A date without its weekday, as the current language writes it ("28 May 2021")."""
    return date_format(day, PLAIN_DATE.get(get_language() or "", "j F Y"))


def thousands(value: int) -> str:
    """A whole number with thousands separators (6,762), the same in every language."""
    return f"{value:,}"
