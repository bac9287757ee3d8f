"""The whole population as Hypothesis strategies: every answer the service accepts, drawn from
every language it speaks, every script Malaysians write their names in, and the longest values
each field takes, not tidy English.

Each strategy draws only what the service must accept, so a refusal is itself a finding.
"""

import datetime
import string
from dataclasses import dataclass

from hypothesis import strategies as st

from vaksin.validation import FieldError, clean_email, clean_name, clean_phone, holds_a_mykad

LANGUAGES = ("ms", "en", "zh-hans", "ta")
# The contract's limits, stated here on their own (RFC 5321 for the e-mail), so that a change
# of the service's own figures is a change this file has to agree with.
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64
# Place-of-birth codes a MyKad may carry (python-stdnum's table): the states' 01-16 and the
# codes of births abroad.
BIRTH_PLACES = (
    [f"{code:02d}" for code in range(1, 17)]
    + [f"{code:02d}" for code in range(21, 69)]
    + ["71", "72"]
    + [f"{code:02d}" for code in range(74, 80)]
    + [f"{code:02d}" for code in range(82, 94)]
    + ["98", "99"]
)

# Letters as each community writes its names, marks and joiners included.
MALAY_WORDS = ("Nurul", "'Ain", "binti", "bin", "Abdullah", "Che", "Wan", "Siti", "Muhammad",
               "Ahmad", "Nik", "Puteri", "Awang", "anak", "Dayang", "Hj.", "Haji")  # fmt: skip
LATIN_DIACRITICS = (
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿ" + "ĀāĂăĐđĒēĨĩŌōŨũƠơƯưǍǎẠạẦầỆệỲỳ"
)
TAMIL = "அஆஇஈஉஊஎஏஐஒஓஔகஙசஞடணதநபமயரலவழளறனஜஷஸஹ" + "ாிீுூெேைொோௌ்"
CHINESE = "陈林黄张李王吴刘蔡杨郑谢郭许曾邱罗叶苏梁美玲伟明志强丽华秀英嘉欣俊杰慧敏"
# Rare family-name characters outside the Basic Multilingual Plane (two UTF-16 units each).
CHINESE_ASTRAL = "𠮷𡈼𨭉𪚥"
ZERO_WIDTH_JOINERS = "\u200c\u200d"


def _accepted_name(text: str) -> bool:
    try:
        return clean_name(text) == text
    except FieldError:
        return False


def _name_of(words: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(words, min_size=1, max_size=12).map(" ".join)


_malay = _name_of(st.sampled_from(MALAY_WORDS))
_latin = _name_of(st.text(string.ascii_letters + LATIN_DIACRITICS + "'-.", min_size=1, max_size=14))
_tamil = _name_of(st.text(TAMIL + ZERO_WIDTH_JOINERS, min_size=1, max_size=12))
_chinese = st.text(CHINESE + CHINESE_ASTRAL, min_size=1, max_size=8)
_mixed = st.tuples(_chinese, _latin).map(" ".join)  # "陈美玲 Tan Mei Ling"
# Anything at all the name rule lets through: symbols, emoji, other scripts.
_anything = st.text(
    st.characters(exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn"]),
    min_size=1,
    max_size=NAME_MAX_LENGTH,
)


def _longest(name: str) -> str:
    """The name padded with its own letters to exactly the longest length accepted."""
    letters = name.replace(" ", "") or "a"
    padded = (name + " " + letters * NAME_MAX_LENGTH)[:NAME_MAX_LENGTH]
    return padded if not padded.endswith(" ") else padded[:-1] + letters[0]


names = (
    st.one_of(_malay, _latin, _tamil, _chinese, _mixed, _anything)
    .flatmap(lambda name: st.sampled_from([name, _longest(name)]))
    .map(lambda name: " ".join(name.split())[:NAME_MAX_LENGTH].strip())
    .filter(_accepted_name)
)

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
_local_part = st.lists(st.text(_ATEXT, min_size=1, max_size=16), min_size=1, max_size=5).map(
    ".".join
)
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
_domain = st.tuples(st.lists(_label, min_size=1, max_size=4), st.sampled_from(["my", "com"]))


def _email(local: str, labels: list[str], tld: str) -> str:
    return f"{local[:EMAIL_LOCAL_MAX_LENGTH]}@{'.'.join([*labels, tld])}"


def longest_email(seed: str = "a") -> str:
    """An address exactly EMAIL_MAX_LENGTH long: a 64-character local part and labels of 63."""
    local = (seed * EMAIL_LOCAL_MAX_LENGTH)[:EMAIL_LOCAL_MAX_LENGTH]
    # What the labels before ".my" may fill, dots between them included.
    left = EMAIL_MAX_LENGTH - len(local) - len("@") - len(".my")
    labels = []
    while left > 0:
        take = min(63, left)
        labels.append("b" * take)
        left -= take + 1  # the label and the dot after it
    domain = ".".join(labels)
    address = f"{local}@{domain}.my"
    assert len(address) == EMAIL_MAX_LENGTH, address
    return address


def _accepted_email(text: str) -> bool:
    try:
        return clean_email(text) == text
    except FieldError:
        return False


emails = st.one_of(
    st.just(""),
    st.builds(lambda parts: _email(parts[0], *parts[1]), st.tuples(_local_part, _domain)),
    st.sampled_from("abcxyz09").map(longest_email),
).filter(lambda text: not text or _accepted_email(text))


@st.composite
def mykads(draw: st.DrawFn, *, slot_date: datetime.date) -> str:
    """A valid MyKad number of someone 18 or over on `slot_date`, spelt as people type it."""
    latest = slot_date.replace(year=slot_date.year - 18) - datetime.timedelta(days=1)
    # A two-digit year is read as the latest such year not after today: within a century.
    today = datetime.date.today()
    earliest = today.replace(year=today.year - 100) + datetime.timedelta(days=1)
    born = draw(st.dates(min_value=earliest, max_value=latest))
    digits = f"{born:%y%m%d}{draw(st.sampled_from(BIRTH_PLACES))}{draw(st.integers(0, 9999)):04d}"
    spelling = draw(st.sampled_from(["{}{}{}", "{}-{}-{}", "{} {} {}"]))
    return spelling.format(digits[:6], digits[6:8], digits[8:])


passports = st.from_regex(r"[A-Za-z0-9]{6,20}", fullmatch=True).filter(
    lambda text: not holds_a_mykad(text.upper(), today=datetime.date.today())
)


def _accepted_phone(text: str) -> bool:
    try:
        clean_phone(text)
    except FieldError:
        return False
    return True


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A Malaysian mobile number in one of the spellings people use."""
    prefix = draw(st.sampled_from(["11", "12", "13", "16", "17", "19"]))
    rest = draw(st.integers(0, 10**8 - 1 if prefix == "11" else 10**7 - 1))
    digits = f"{prefix}{rest:08d}" if prefix == "11" else f"{prefix}{rest:07d}"
    spelling = draw(st.sampled_from(["0{}", "+60{}", "60{}", "0{}-{}", "+60 {} {}", "(0{}) {}"]))
    head, tail = digits[:2], digits[2:]
    text = spelling.format(head, tail) if spelling.count("{}") == 2 else spelling.format(digits)
    return text


@dataclass(frozen=True)
class Person:
    """One person's answers as they type them."""

    lang: str
    id_type: str
    id_number: str
    name: str
    email: str
    phone: str
    birth_date: datetime.date | None  # asked of passport holders only

    @property
    def key(self) -> str:
        return self.id_number.upper().replace("-", "").replace(" ", "")


@st.composite
def people(draw: st.DrawFn, *, slot_date: datetime.date) -> Person:
    id_type = draw(st.sampled_from(["mykad", "passport"]))
    born = None
    if id_type == "mykad":
        number = draw(mykads(slot_date=slot_date))
    else:
        number = draw(passports)
        latest = slot_date.replace(year=slot_date.year - 18) - datetime.timedelta(days=1)
        born = draw(st.dates(min_value=datetime.date(1920, 1, 1), max_value=latest))
    return Person(
        lang=draw(st.sampled_from(LANGUAGES)),
        id_type=id_type,
        id_number=number,
        name=draw(names),
        email=draw(emails),
        phone=draw(phones().filter(_accepted_phone)),
        birth_date=born,
    )
