"""A per-view micro-cache whose hit is a dictionary look-up, shared by every worker through Redis.

Each process keeps the rendered bytes until the shared copy they came from expires; only then
does it go to Redis, where one shared copy lives for the TTL and exactly one process in all
(SET NX) recomputes it while the others serve what they hold or wait briefly for the new one.
So each expiry costs one recomputation however many requests arrive, and a dead Redis leaves
each process serving its last copy for `stale_for` seconds. Gzip is done once per copy, never
per request. Why not Django's cache_page, measured beside it: docs/performance.md.
"""

import gzip
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from vaksin import store
from vaksin.store import cache as shared_copy

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Rendered:
    """What is cached: the bytes and the two headers that describe them."""

    body: bytes
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class Snapshot:
    rendered: Rendered
    born: float  # wall-clock seconds when it was computed, the same in every process
    expires: float  # this process's monotonic deadline, when the shared copy expires

    @property
    def age(self) -> float:
        return max(time.time() - self.born, 0.0)

    @cached_property
    def data(self) -> Any:
        """The body parsed as JSON, once per process per copy."""
        return json.loads(self.rendered.body)

    @cached_property
    def gzipped(self) -> bytes:
        """The body gzipped, once per process per copy (mtime 0: the same bytes everywhere)."""
        return gzip.compress(self.rendered.body, compresslevel=6, mtime=0)


class Uncacheable(Exception):
    """Raised by a compute function whose answer must not be cached (e.g. a 503)."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__(response.status_code)
        self.response = response


class MicroCache:
    def __init__(
        self,
        name: str,
        *,
        ttl: float = 1.0,
        stale_for: float = 30.0,
        wait_for: float = 1.0,
        claim_for: float = 5.0,
    ) -> None:
        self.name = name
        self.ttl = ttl
        self.stale_for = stale_for
        self.wait_for = wait_for
        self.claim_for = claim_for
        self._entries: dict[str, Snapshot] = {}
        self._locks: dict[str, threading.Lock] = {}

    def fetch(self, key: str, compute: Callable[[], Rendered]) -> Snapshot:
        """The fresh copy for `key`, recomputed by at most one caller per TTL across processes.

        Raises Uncacheable when the computation answered something that must not be cached,
        and store.StoreError when Redis is down and no copy is young enough to stand in.
        """
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() < entry.expires:
            return entry
        lock = self._locks.setdefault(key, threading.Lock())
        # With a copy in hand, threads of this process do not queue behind the one refreshing.
        if not lock.acquire(blocking=entry is None):
            return cast(Snapshot, entry)
        try:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() < entry.expires:
                return entry
            return self._refresh(key, compute, entry)
        finally:
            lock.release()

    def _refresh(
        self, key: str, compute: Callable[[], Rendered], held: Snapshot | None
    ) -> Snapshot:
        name = f"{self.name}:{key}"
        try:
            shared, ttl_ms = shared_copy.cache_read(name)
            if shared is None:
                if shared_copy.cache_claim(name, milliseconds=int(self.claim_for * 1000)):
                    return self._recompute(key, name, compute)
                if held is not None and held.age < self.stale_for:
                    return held
                shared, ttl_ms = self._await_copy(name)
                if shared is None:
                    # The claimant is slow or died; better one extra computation than no answer.
                    return self._recompute(key, name, compute)
        except store.StoreError:
            if held is not None and held.age < self.stale_for:
                # Keep serving it for a TTL before trying Redis again, rather than on every hit.
                self._entries[key] = replace(held, expires=time.monotonic() + self.ttl)
                return self._entries[key]
            raise
        entry = self._decode(shared, ttl_ms)
        self._entries[key] = entry
        return entry

    def _await_copy(self, name: str) -> tuple[str | None, int]:
        deadline = time.monotonic() + self.wait_for
        while time.monotonic() < deadline:
            time.sleep(0.005)
            shared, ttl_ms = shared_copy.cache_read(name)
            if shared is not None:
                return shared, ttl_ms
        return None, -2

    def _recompute(self, key: str, name: str, compute: Callable[[], Rendered]) -> Snapshot:
        try:
            rendered = compute()
        except BaseException:
            shared_copy.cache_release(name)
            raise
        born = time.time()
        entry = Snapshot(rendered=rendered, born=born, expires=time.monotonic() + self.ttl)
        try:
            encoded = self._encode(entry)
        except UnicodeDecodeError:
            shared_copy.cache_release(name)
        else:
            shared_copy.cache_write(name, encoded, milliseconds=int(self.ttl * 1000))
        self._entries[key] = entry
        return entry

    @staticmethod
    def _encode(entry: Snapshot) -> str:
        rendered = entry.rendered
        return (
            f"{entry.born:.6f}\n{rendered.content_type}\n{rendered.cache_control}\n"
            + rendered.body.decode()
        )

    def _decode(self, shared: str, ttl_ms: int) -> Snapshot:
        born, content_type, cache_control, body = shared.split("\n", 3)
        remaining = ttl_ms / 1000 if ttl_ms > 0 else self.ttl
        return Snapshot(
            rendered=Rendered(body.encode(), content_type, cache_control),
            born=float(born),
            expires=time.monotonic() + min(remaining, self.ttl),
        )

    def clear(self) -> None:
        """Forgets this process's copies (tests use it; the shared copy expires on its own)."""
        self._entries.clear()


# Below this, gzip's own header outweighs what it saves.
GZIP_MIN_BYTES = 512


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether Accept-Encoding lists gzip (or *) without refusing it with q=0."""
    for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(quality) > 0
            except ValueError:
                return False
    return False


def _no_key(request: HttpRequest) -> str:
    return ""


def micro_cache(
    cache: MicroCache, *, vary: Callable[[HttpRequest], str] = _no_key
) -> Callable[[View], View]:
    """Serves GET and HEAD from `cache`, keyed by `vary(request)`; only 200s are cached.

    `vary` reduces the request to what the view reads of it, in a few canonical values (the
    listing: a known state, "unknown" or none); by default the key ignores the query string
    altogether. Anything else a client adds (?cb=N) shares the copy and its one computation
    per TTL, and cannot fill the cache with copies of its own. The edge keys its copies the
    same way (deploy/nginx/edge.conf).

    The view sets its own Cache-Control, which is cached with the bytes; an `Age` header tells
    shared caches how much of the TTL the copy has already used.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)

            def compute() -> Rendered:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or not isinstance(response, HttpResponse):
                    raise Uncacheable(response)
                return Rendered(
                    response.content,
                    response["Content-Type"],
                    response.get("Cache-Control", ""),
                )

            try:
                entry = cache.fetch(vary(request), compute)
            except Uncacheable as answer:
                return answer.response
            except store.StoreError:
                # The view knows how to say Redis is unavailable.
                return view(request, *args, **kwargs)
            if len(entry.rendered.body) >= GZIP_MIN_BYTES and accepts_gzip(request):
                response = HttpResponse(entry.gzipped, content_type=entry.rendered.content_type)
                response["Content-Encoding"] = "gzip"
            else:
                response = HttpResponse(
                    entry.rendered.body, content_type=entry.rendered.content_type
                )
            response["Vary"] = "Accept-Encoding"
            if entry.rendered.cache_control:
                response["Cache-Control"] = entry.rendered.cache_control
            response["Age"] = str(int(entry.age))
            return response

        return cast(View, cached_view)

    return decorate
