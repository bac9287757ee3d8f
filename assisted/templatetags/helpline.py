"""Where a person without a mobile phone gets help, as operators set it (HELPLINE_PHONE,
HELPLINE_PLACES): read by assisted/_help.html, so a page needs only one include line."""

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def helpline_contacts() -> dict[str, Any]:
    return {"phone": settings.HELPLINE_PHONE, "places": list(settings.HELPLINE_PLACES)}
