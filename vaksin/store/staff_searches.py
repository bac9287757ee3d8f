"""A staff search of the bookings list (an ID number, say), held for a few minutes under a random
id: the list's pages carry the id in their URLs (paging, sorting, filters), never the number,
which would otherwise sit in the browser's history and every access log on the way.

The id is the searching member of staff's alone: another account holding the URL reads nothing."""

import re
import secrets

from vaksin.store import keys
from vaksin.store.connection import answering, client

SEARCH_SECONDS = 600
_ID = re.compile(r"[A-Za-z0-9_-]{16}")


def staff_search_put(*, user_id: int, term: str) -> str:
    """Keeps `term` for SEARCH_SECONDS; returns the id that names it."""
    search_id = secrets.token_urlsafe(12)
    with answering():
        client().set(keys.STAFF_SEARCH_PREFIX + search_id, f"{user_id}:{term}", ex=SEARCH_SECONDS)
    return search_id


def staff_search_read(*, user_id: int, search_id: str) -> str | None:
    """The term `user_id` searched for under `search_id`, or None once it has lapsed (or was
    never theirs)."""
    if not _ID.fullmatch(search_id):
        return None
    with answering():
        held = client().get(keys.STAFF_SEARCH_PREFIX + search_id)
    owner, _, term = (held or "").partition(":")
    return term if held and owner == str(user_id) else None
