"""The wizard's cookies, opened and rewritten as only the server can: for tests that check what
they hold, or that move their clock."""

import json
from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from django.test import Client, RequestFactory

from phones.browser import COOKIE as PHONE_COOKIE
from vaksin.cookies import cipher
from wizard.state import COOKIE, wizard_load, wizard_save


def cookie_payload(client: Client) -> dict[str, Any]:
    """What the client's wizard cookie holds (the answers), decrypted."""
    return dict(json.loads(cipher().decrypt(client.cookies[COOKIE.name].value.encode())))


def phone_payload(client: Client) -> dict[str, Any]:
    """What the client's phone cookie holds (the verified phone), decrypted."""
    return dict(json.loads(cipher().decrypt(client.cookies[PHONE_COOKIE.name].value.encode())))


def cookie_rewrite(client: Client, **changes: Any) -> None:
    """Changes fields of the client's wizard state, as if the server had saved them."""
    request = RequestFactory().get("/register/")
    for cookie in (COOKIE, PHONE_COOKIE):
        if cookie.name in client.cookies:
            request.COOKIES[cookie.name] = client.cookies[cookie.name].value
    response = HttpResponse()
    wizard_save(response, replace(wizard_load(request), **changes))
    for cookie in (COOKIE, PHONE_COOKIE):
        # A cookie left as it was is not written again.
        if cookie.name in response.cookies:
            client.cookies[cookie.name] = response.cookies[cookie.name].value


def error_page(response: Any, *, status: int = 200) -> str:
    """The page of a refused answer, checked for its status and "Error:" in its title. A refused
    step answers 303 to its own GET (post/redirect/get for errors too), which shows it."""
    if response.status_code == 303:
        response = response.client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == status, page[:2000]
    assert "<title>Error: " in page
    return page
