"""The wizard's cookie, opened and rewritten as only the server can: for tests that check what
it holds, or that move its clock."""

import json
from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from django.test import Client, RequestFactory

from registration.wizard import COOKIE, cipher, wizard_load, wizard_save


def cookie_payload(client: Client) -> dict[str, Any]:
    """What the client's wizard cookie holds, decrypted."""
    return dict(json.loads(cipher().decrypt(client.cookies[COOKIE].value.encode())))


def cookie_rewrite(client: Client, **changes: Any) -> None:
    """Changes fields of the client's wizard state, as if the server had saved them."""
    request = RequestFactory().get("/register/")
    request.COOKIES[COOKIE] = client.cookies[COOKIE].value
    response = HttpResponse()
    wizard_save(response, replace(wizard_load(request), **changes))
    client.cookies[COOKIE] = response.cookies[COOKIE].value


def error_page(response: Any, *, status: int = 200) -> str:
    """The page of a refused answer, checked for its status and "Error:" in its title."""
    page = response.content.decode()
    assert response.status_code == status, page[:2000]
    assert "<title>Error: " in page
    return page
