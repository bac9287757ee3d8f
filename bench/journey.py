"""The cost of a citizen: the whole wizard walked over HTTP as a browser walks it, by many
distinct people at once.

Each person opens the home page, starts, gives a mobile number, types the code the SMS brought
(read from the file SMS backend's log), answers every step and lands on the confirmation: every
page, post and redirect, and on a first visit every static file a page names (a warm cache
has them all: their names are hashed and cached for a year). Counted per completed journey:
requests, bytes received (headers and body as sent), and each page's HTML gzipped (the first
round trip on a slow connection holds about 14 KB).
"""

import gzip
import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from devstack.people import mykad

ASSET_TAGS = {"link": "href", "script": "src", "img": "src"}
STATIC_RELS = ("stylesheet", "icon")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(r"\b(\d{6})\b")
REFUSAL = re.compile(r'<ul class="error-summary-list">\s*<li><a [^>]*>([^<]*)<', re.S)
LANGUAGES = ["ms", "en", "zh-hans", "ta"]
FIRST_PAGE = "/"


class Assets(HTMLParser):
    """The static files a page makes a browser fetch: stylesheets, icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = ASSET_TAGS.get(tag)
        values = dict(attrs)
        rel = values.get("rel") or ""
        if wanted and (url := values.get(wanted)) and (tag != "link" or rel in STATIC_RELS):
            self.urls.append(url)


def assets_of(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


@dataclass
class Tally:
    """What one journey cost the network."""

    requests: int = 0
    assets: int = 0  # of the requests, static files (answered by WhiteNoise before the views)
    received: int = 0
    pages: dict[str, int] = field(default_factory=dict)  # path -> HTML gzipped, bytes


def received_bytes(response: requests.Response, body: bytes) -> int:
    """The status line, the headers and the body as they came over the wire."""
    headers = sum(len(name) + len(value) + 4 for name, value in response.raw.headers.items())
    return len("HTTP/1.1 200 OK\r\n") + headers + 2 + len(body)


class Browser:
    """One person's browser: cookies, a static cache and the page it is on."""

    def __init__(self, base: str, *, language: str, cache: set[str]) -> None:
        self.base = base
        self.cache = cache
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Accept-Language": language,
                "Accept-Encoding": "gzip, deflate, br",
                "User-Agent": "Mozilla/5.0 (Linux; Android 14) vaksin-bench",
            }
        )
        self.tally = Tally()
        self.url = base
        self.html = ""

    def _fetch(
        self, method: str, url: str, data: dict[str, str] | None = None
    ) -> requests.Response:
        headers = {"Referer": self.url, "Origin": self.base} if method == "POST" else {}
        response = self.session.request(
            method, url, data=data, headers=headers, allow_redirects=False, stream=True, timeout=30
        )
        body = response.raw.read(decode_content=False)
        self.tally.requests += 1
        self.tally.received += received_bytes(response, body)
        response._content = _decoded(body, response.headers.get("Content-Encoding", ""))
        return response

    def _land(self, response: requests.Response, url: str) -> None:
        """Follows redirects to the page, then fetches the static files it lacks."""
        while response.status_code in (301, 302, 303, 307, 308):
            url = urljoin(url, response.headers["Location"])
            response = self._fetch("GET", url)
        if response.status_code != 200:
            raise JourneyError(f"{urlsplit(url).path}: {response.status_code}")
        self.url, self.html = url, response.text
        self.tally.pages[urlsplit(url).path] = len(gzip.compress(response.content))
        for asset in assets_of(self.html):
            absolute = urljoin(url, asset)
            if absolute not in self.cache:
                self._fetch("GET", absolute).raise_for_status()
                self.tally.assets += 1
                self.cache.add(absolute)

    def open(self, path: str) -> None:
        url = urljoin(self.base, path)
        self._land(self._fetch("GET", url), url)

    def submit(self, answers: dict[str, str]) -> None:
        """Posts the page's form with `answers` and the page's CSRF token."""
        token = CSRF.search(self.html)
        if not token:
            raise JourneyError(f"{self.path}: no form")
        self._land(
            self._fetch("POST", self.url, answers | {"csrfmiddlewaretoken": token.group(1)}),
            self.url,
        )

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body


class JourneyError(Exception):
    pass


@dataclass(frozen=True)
class Person:
    number: int
    language: str
    state: str
    location: str
    date: str

    @property
    def phone(self) -> str:
        return f"+60111{self.number % 10**7:07d}"


class CodeReader:
    """The codes the file SMS backend wrote, by phone, read as the log grows (one reader for
    every person)."""

    def __init__(self, sms_log: Path) -> None:
        self.sms_log = sms_log
        self.offset = sms_log.stat().st_size if sms_log.exists() else 0
        self.codes: dict[str, str] = {}
        self.lock = threading.Lock()

    def _read(self) -> None:
        import json

        if not self.sms_log.exists():
            return
        with self.sms_log.open("rb") as log:
            log.seek(self.offset)
            whole, _, _ = log.read().rpartition(b"\n")
        self.offset += len(whole) + (1 if whole else 0)
        for line in whole.decode().splitlines():
            message = json.loads(line)
            if found := CODE.search(message["text"]):
                self.codes[message["to"]] = found.group(1)

    def code_for(self, phone: str, *, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if phone not in self.codes:
                    self._read()
                if code := self.codes.pop(phone, None):
                    return code
            time.sleep(0.05)
        raise JourneyError(f"no code sent to {phone} in {seconds:.0f} s")


def walk(base: str, person: Person, codes: CodeReader, *, cache: set[str]) -> Tally:
    """One person's whole journey, from the home page to the confirmation."""
    browser = Browser(base, language=person.language, cache=cache)
    browser.open(FIRST_PAGE)
    browser.open("/register/")  # the start button
    answers: dict[str, Callable[[], dict[str, str]]] = {
        "/register/phone/": lambda: {"phone": person.phone},
        "/register/code/": lambda: {"code": codes.code_for(person.phone)},
        "/register/id/": lambda: {"id_type": "mykad", "id_number": mykad(person.number)},
        "/register/details/": lambda: {"name": f"Orang {person.number}", "email": ""},
        "/register/state/": lambda: {"state": person.state},
        "/register/centre/": lambda: {"location": person.location},
        "/register/date/": lambda: {"slot": f"{person.location}|{person.date}"},
        "/register/check/": dict,
    }
    for _ in range(len(answers)):
        if browser.path == "/register/confirmation/":
            break
        if browser.path not in answers:
            raise JourneyError(f"unexpected page {browser.path}")
        browser.submit(answers[browser.path]())
    if browser.path != "/register/confirmation/":
        refusal = REFUSAL.search(browser.html)
        raise JourneyError(
            f"ended on {browser.path}" + (f": {refusal.group(1).strip()}" if refusal else "")
        )
    return browser.tally


@dataclass
class JourneysResult:
    tallies: list[Tally]
    failures: list[str]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.tallies) / self.seconds if self.seconds else 0.0

    def mean(self, what: Callable[[Tally], int]) -> float:
        return sum(map(what, self.tallies)) / len(self.tallies) if self.tallies else 0.0

    def largest_pages(self) -> Counter[str]:
        """Each page's largest gzipped HTML seen."""
        largest: Counter[str] = Counter()
        for tally in self.tallies:
            for path, size in tally.pages.items():
                largest[path] = max(largest[path], size)
        return largest


def walk_many(
    base: str,
    people: list[Person],
    sms_log: Path,
    *,
    warm: bool,
    threads: int = 16,
) -> JourneysResult:
    """Every person's journey, `threads` at a time; with `warm`, each browser already holds
    the static files (one shared first visit fills the cache they copy)."""
    codes = CodeReader(sms_log)
    warmed: set[str] = set()
    if warm:
        browser = Browser(base, language="en", cache=warmed)
        browser.open(FIRST_PAGE)
        # Every page of the wizard names the same static files as the home page.
    tallies: list[Tally] = []
    failures: list[str] = []

    def one(person: Person) -> None:
        try:
            tallies.append(walk(base, person, codes, cache=set(warmed)))
        except (JourneyError, requests.RequestException) as error:
            failures.append(str(error))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, people))
    return JourneysResult(tallies, failures, time.monotonic() - started)


def make_people(
    first: int, count: int, *, slots: list[str], states: dict[str, str]
) -> list[Person]:
    """`count` distinct people, in the four languages in turn, over the given slots."""
    people = []
    for i, slot in zip(range(count), itertools.cycle(slots), strict=False):
        location, date = slot.split("|")
        people.append(Person(first + i, LANGUAGES[i % 4], states[location], location, date))
    return people
