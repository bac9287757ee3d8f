"""No public page or message falls back to English in Malay, Chinese or Tamil.

Two ways to miss a translation, two tests. A string marked for translation but not translated
(or only fuzzily) shows in English: makemessages, run on a copy of the tree, must leave no
public entry without its translation, and the compiled catalogues must carry what the .po files
say. A string never marked (or marked where xgettext does not look, as inside an f-string)
shows in English too: the public pages, walked in each language beside English with the same
answers, must share no text with the English ones but names, numbers and codes. Staff pages may
stay English.
"""

import datetime
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import translation

from availability.states import STATES
from devstack.environment import stack_environment
from devstack.people import mykad
from devstack.processes import ROOT
from devstack.sms import relay_and_send, sms_lines
from registration.references import reference_for
from tests.codes import resend_allowed, send_waiting_codes
from tests.slots import SlotMaker, slot_seed
from vaksin.responses import busy
from vaksin.store import bookings
from vaksin.store.bookings import BookingArgs
from warehouse.purge import personal_data_purge

pytestmark = pytest.mark.slow

LANGUAGES = ("ms", "zh-hans", "ta")
CATALOGUES = {"ms": "ms", "zh-hans": "zh_Hans", "ta": "ta"}
# Where the staff's strings live: these may stay English.
STAFF_SOURCES = ("templates/admin/", "vaksin/admin_site.py", "audit/", "operations/",
                 "warehouse/admin.py", "availability/admin.py")  # fmt: skip
# Every app (a folder with an apps.py), the shared templates, the catalogues and manage.py.
TREE = (*sorted(path.parent.name for path in ROOT.glob("*/apps.py")), "templates", "locale",
        "manage.py")  # fmt: skip
# Text that is the same in every language: names, codes, numbers and times.
PROPER_NAMES = {"Vaksin", "MyKad", "COVID-19", "English", "Bahasa Melayu", "简体中文", "தமிழ்",
                "SHA-256", "PPV", "(PPV)", "Centre A", "Centre B", "Dewan Bandaran"}  # fmt: skip
FIGURES = re.compile(r"^[\d\s:.,/()+\-–—%#*@]*$")


def _public(entry: polib.POEntry) -> bool:
    return any(not path.startswith(STAFF_SOURCES) for path, _ in entry.occurrences)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, polib.POFile]:
    """The catalogues as `make messages` would leave them for the code as it is now."""
    root = tmp_path_factory.mktemp("tree")
    for name in TREE:
        source = ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, root / name)
    made = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ms", "-l", "zh_Hans", "-l", "ta",
         "--no-obsolete", "--ignore=__pycache__"],
        cwd=root, env=stack_environment(), capture_output=True, text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return {
        lang: polib.pofile(str(root / "locale" / CATALOGUES[lang] / "LC_MESSAGES" / "django.po"))
        for lang in LANGUAGES
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_string_the_code_marks_is_translated(
    extracted: dict[str, polib.POFile], lang: str
) -> None:
    missing = [
        entry.msgid
        for entry in extracted[lang]
        if _public(entry) and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_catalogues_are_compiled_from_the_po_files(lang: str) -> None:
    folder = ROOT / "locale" / CATALOGUES[lang] / "LC_MESSAGES"
    written = {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.pofile(str(folder / "django.po")).translated_entries()
    }
    compiled = {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.mofile(str(folder / "django.mo"))
        if entry.msgid
    }
    assert compiled == written


class _Text(HTMLParser):
    """Every piece of text a page shows or reads out: text nodes and labelling attributes."""

    SKIPPED = {"script", "style", "svg"}
    READ_OUT = ("aria-label", "alt", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        self.found += [value for name, value in attrs if name in self.READ_OUT and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.found.append(" ".join(data.split()))


def texts(page: str) -> set[str]:
    """The page's text, with references and figures made alike: two journeys differ in them."""
    parser = _Text()
    parser.feed(page)
    return {
        re.sub(r"\d+", "9", re.sub(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", "REF", text))
        for text in parser.found
    }


def purged_booking(day: datetime.date) -> tuple[str, str]:
    """A booking of 2021 whose personal data is purged: its ID number and reference."""
    old = datetime.date(2021, 6, 1)
    slot_seed(location="CENTREA", capacity=10, date=old, state="MY-14", name="Centre A")
    number = mykad()
    person: dict[str, Any] = {
        "id_type": "mykad", "name": "Tan", "email": "", "location": "CENTREA", "lang": "en"
    }  # fmt: skip
    outcome = bookings.book(
        BookingArgs(**person, id_number=number, phone="+60123000001", date=old.isoformat())
    )
    bookings.book(
        BookingArgs(**person, id_number=mykad(), phone="+60123000002", date=day.isoformat())
    )
    call_command("export_bookings", stdout=StringIO())
    relay_and_send()
    assert personal_data_purge(today=day, retention_days=90).purged == 1
    return number, reference_for(outcome.number)


def journey(
    client: Client, lang: str, sms_path: Path, day: str, number: str, purged: tuple[str, str]
) -> Iterator[str]:
    """Every public page a person meets, refusals included, as `lang` shows it."""
    client.cookies["django_language"] = lang
    yield client.get("/").content.decode()
    yield client.get("/register/phone/").content.decode()
    yield client.post("/register/phone/", {"phone": "123"}, follow=True).content.decode()
    resend_allowed("012-345 6789")  # the last language's journey sent it a code just now
    client.post("/register/phone/", {"phone": "012-345 6789"})
    yield client.get("/register/code/").content.decode()
    yield client.post("/register/code/", {"code": "000000"}, follow=True).content.decode()
    send_waiting_codes()
    code = re.findall(r"\b\d{6}\b", sms_lines(sms_path)[-1]["text"])[0]
    client.post("/register/code/", {"code": code})
    yield client.get("/register/id/").content.decode()
    yield client.post("/register/id/", {"id_type": "mykad", "id_number": "1"}).content.decode()
    client.post("/register/id/", {"id_type": "mykad", "id_number": number})
    yield client.get("/register/details/").content.decode()
    too_long = {"name": "Nur Aisyah", "email": "a" * 300 + "@example.my"}
    yield client.post("/register/details/", too_long).content.decode()
    client.post("/register/details/", {"name": "Nur Aisyah", "email": ""})
    yield client.get("/register/state/").content.decode()
    client.post("/register/state/", {"state": "MY-14"})
    yield client.get("/register/centre/").content.decode()
    client.post("/register/centre/", {"location": "CENTREA"})
    yield client.get("/register/date/").content.decode()
    client.post("/register/date/", {"slot": f"CENTREA|{day}"})
    yield client.get("/register/check/").content.decode()
    client.post("/register/check/")
    confirmation = client.get("/register/confirmation/").content.decode()
    yield confirmation
    calendar = client.get("/register/confirmation/calendar.ics").content.decode()
    yield "".join(f"<p>{line[8:]}</p>" for line in calendar.split("\r\n") if "SUMMARY:" in line)
    reference = re.findall(r'class="reference">([^<]+)<', confirmation)[0]
    yield client.get("/appointment/").content.decode()
    lookup = {"id_number": number, "reference": reference}
    yield client.post("/appointment/", lookup, follow=True).content.decode()
    yield client.get("/register/already-registered/").content.decode()
    old = {"id_number": purged[0], "reference": purged[1]}
    yield client.post("/appointment/", old, follow=True).content.decode()
    yield client.get("/no-such-page/").content.decode()
    request = RequestFactory().get("/register/id/")
    with translation.override(lang):
        request.LANGUAGE_CODE = lang
        yield busy(request).content.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_public_page_shows_english_in_another_language(
    make_slot: SlotMaker, sms_file: Path, lang: str
) -> None:
    day = make_slot(location="CENTREA", name="Centre A", capacity=10)
    make_slot(location="CENTREB", name="Centre B", capacity=10, date=day)
    purged = purged_booking(day)
    english = list(journey(Client(), "en", sms_file, day.isoformat(), mykad(), purged))
    other = list(journey(Client(), lang, sms_file, day.isoformat(), mykad(), purged))

    shared = set()
    for page_en, page in zip(english, other, strict=True):
        shared |= texts(page) & texts(page_en)
    same_everywhere = PROPER_NAMES | set(STATES.values()) | {"Nur Aisyah", "012-345 6789"}
    # A name may be a text of its own ("COVID-19" kept on one line), its figures made alike.
    same_everywhere |= {re.sub(r"\d+", "9", name) for name in PROPER_NAMES}
    english_left = {
        text
        for text in shared
        if text not in same_everywhere and not FIGURES.match(text) and text != "REF"
    }
    assert english_left == set()
