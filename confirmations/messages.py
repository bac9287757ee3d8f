"""The confirmation texts (a booking, a change, a cancellation, a waiting-list offer), in
English, Malay, Chinese (Simplified) and Tamil; a booking of two doses names both.

Kept as whole sentences per language rather than gettext fragments: an SMS is read on its own,
its length matters. Month names come from Django's own (compiled) translations.
"""

import datetime
from dataclasses import dataclass
from functools import cache

from django.utils import translation
from django.utils.dates import MONTHS

from vaksin.store.entries import LogEntry


@cache
def month_names(lang: str) -> tuple[str, ...]:
    """The months in `lang`, from Django's own translations, read once per language."""
    with translation.override(lang):
        return tuple(str(MONTHS[number]) for number in range(1, 13))


# Each fits its budget in parts with the longest real centre name
# (tests/confirmations/test_sms_parts.py; docs/translations.md has the arithmetic): 2 parts,
# and 3 for Tamil, whose words alone take more than the 40 UCS-2 units two parts leave beside
# the centre, date, window and reference. A booking names whom it is for by the last digits of
# the ID number (a family books several people from one phone): the name would not fit, and a
# name in another script would make an English or Malay text UCS-2.
SMS = {
    "en": "Vaksin: your vaccination is booked for ID ending {id_ending}. Ref {reference}. "
    "{centre}, {date}, arrive {window}. Bring your MyKad or passport.",
    "ms": "Vaksin: janji temu vaksinasi anda telah ditempah untuk nombor pengenalan berakhir "
    "dengan {id_ending}. Rujukan tempahan {reference}. {centre}, {date}, sila tiba antara "
    "{window}. Bawa MyKad atau pasport anda.",
    "zh-hans": "Vaksin：证件尾号{id_ending}的疫苗接种已预约。预约编号 {reference}。{centre}，"
    "请于{date} {window}抵达。请携带身份证或护照。",
    "ta": "Vaksin: அடையாள எண் …{id_ending}, முன்பதிவு எண் {reference}. {centre}, {date}, "
    "{window} இடையே வரவும். MyKad அல்லது கடவுச்சீட்டைக் கொண்டு வரவும்.",
}
# The languages a person may use, as Django names them (settings.LANGUAGES).
LANGUAGE_CODES = tuple(SMS)

# A booking of two doses (both at the same centre): each text names both dates and windows, so
# that the person knows the second is booked already. For a booking or a change, Chinese and
# Tamil take one part more than one dose does (test_sms_parts.py): their one-dose texts fill
# their parts already, and a second date and window cannot fit beside them (docs/translations.md
# has the figures). English, Malay and every cancellation keep their budgets; a cancellation names
# both dates only (its log entry has no second window, and nobody needs one to stay away).
SMS_TWO_DOSES = {
    "booked": {
        "en": "Vaksin: your vaccination is booked for ID ending {id_ending}. Ref {reference}. "
        "{centre}. Dose 1: {date}, arrive {window}. Dose 2: {date2}, arrive {window2}, same "
        "centre. Bring your MyKad or passport.",
        "ms": "Vaksin: janji temu vaksinasi anda telah ditempah untuk nombor pengenalan "
        "berakhir {id_ending}. Rujukan {reference}. {centre}. Dos 1: {date}, tiba {window}. "
        "Dos 2: {date2}, tiba {window2}, pusat sama. Bawa MyKad atau pasport.",
        "zh-hans": "Vaksin：证件尾号{id_ending}的疫苗接种已预约（两剂）。预约编号 {reference}。"
        "{centre}。第一剂：{date} {window}抵达；第二剂：{date2} {window2}抵达，同一中心。"
        "请携带身份证或护照。",
        "ta": "Vaksin: அடையாள எண் …{id_ending}, முன்பதிவு எண் {reference}. {centre}. "
        "டோஸ் 1: {date}, {window} இடையே வரவும். டோஸ் 2: {date2}, {window2}, அதே மையம். "
        "MyKad அல்லது கடவுச்சீட்டைக் கொண்டு வரவும்.",
    },
    "changed": {
        "en": "Vaksin: your vaccination appointment is changed. New ref {reference}. {centre}. "
        "Dose 1: {date}, arrive {window}. Dose 2: {date2}, arrive {window2}. Your old "
        "reference no longer works.",
        "ms": "Vaksin: janji temu vaksinasi anda telah diubah. Rujukan tempahan baharu "
        "{reference}. {centre}. Dos 1: {date}, tiba {window}. Dos 2: {date2}, tiba {window2}. "
        "Rujukan tempahan lama anda tidak sah lagi.",
        "zh-hans": "Vaksin：疫苗接种预约已更改。新预约编号 {reference}。{centre}。第一剂："
        "{date} {window}抵达；第二剂：{date2} {window2}抵达。旧预约编号已失效。",
        "ta": "Vaksin: உங்கள் சந்திப்பு மாற்றப்பட்டது. புதிய முன்பதிவு எண் {reference}. "
        "{centre}. டோஸ் 1: {date}, {window}. டோஸ் 2: {date2}, {window2}. பழைய எண் இனி "
        "செல்லாது.",
    },
    "cancelled": {
        "en": "Vaksin: your vaccination appointment at {centre} is cancelled, both doses: "
        "{date} and {date2}. Do not go to the centre. You can register again on the Vaksin "
        "site.",
        "ms": "Vaksin: janji temu vaksinasi anda di {centre} telah dibatalkan, kedua-dua dos: "
        "{date} dan {date2}. Jangan pergi ke pusat pemberian vaksin itu. Anda boleh mendaftar "
        "semula di laman Vaksin.",
        "zh-hans": "Vaksin：您在 {centre} 的两剂疫苗接种预约（{date}、{date2}）已取消。"
        "请勿前往该中心。您可以在 Vaksin 网站重新登记。",
        "ta": "Vaksin: {centre}, {date}, {date2}: இரு டோஸ்களும் ரத்து செய்யப்பட்டன. "
        "மையத்திற்குச் செல்ல வேண்டாம். மீண்டும் பதிவு செய்யலாம்.",
    },
}

# The other kinds of message, by kind then language. A change gets a new reference; the old
# one no longer works, so the text says so.
SMS_OF_KIND = {
    "changed": {
        "en": "Vaksin: your vaccination appointment is changed. New ref {reference}. {centre}, "
        "{date}, arrive {window}. Your old reference no longer works.",
        "ms": "Vaksin: janji temu vaksinasi anda telah diubah. Rujukan tempahan baharu "
        "{reference}. {centre}, {date}, sila tiba antara {window}. Rujukan tempahan lama anda "
        "tidak sah lagi.",
        "zh-hans": "Vaksin：疫苗接种预约已更改。新预约编号 {reference}。{centre}，请于{date} "
        "{window}抵达。旧预约编号已失效。",
        "ta": "Vaksin: உங்கள் சந்திப்பு மாற்றப்பட்டது. புதிய முன்பதிவு எண் {reference}. "
        "{centre}, {date}, {window} இடையே வரவும். பழைய எண் இனி செல்லாது.",
    },
    "cancelled": {
        "en": "Vaksin: your vaccination appointment at {centre} on {date} is cancelled. "
        "Do not go to the centre. You can register again on the Vaksin site.",
        "ms": "Vaksin: janji temu vaksinasi anda di {centre} pada {date} telah dibatalkan. "
        "Jangan pergi ke pusat pemberian vaksin itu. Anda boleh mendaftar semula di laman "
        "Vaksin.",
        "zh-hans": "Vaksin：您在 {centre}（{date}）的疫苗接种预约已取消。请勿前往该中心。"
        "您可以在 Vaksin 网站重新登记。",
        "ta": "Vaksin: {centre}, {date} தடுப்பூசி சந்திப்பு ரத்து செய்யப்பட்டது. "
        "மையத்திற்குச் செல்ல வேண்டாம். Vaksin தளத்தில் மீண்டும் பதிவு செய்யலாம்.",
    },
    # The booking that replaces one whose second dose was let go (registration/second_cancel):
    # the first dose stays recorded; the reference changes, as after any change.
    "second_released": {
        "en": "Vaksin: your second dose at {centre} on {date2} is cancelled. Your first dose "
        "is recorded. New ref {reference}.",
        "ms": "Vaksin: dos kedua anda di {centre} pada {date2} telah dibatalkan. Dos pertama "
        "anda direkodkan. Rujukan baharu {reference}.",
        "zh-hans": "Vaksin：您在 {centre}（{date2}）的第二剂已取消。第一剂已记录。"
        "新预约编号 {reference}。",
        "ta": "Vaksin: {centre}, {date2} இரண்டாம் டோஸ் ரத்து செய்யப்பட்டது. முதல் டோஸ் "
        "பதிவாகியுள்ளது. புதிய முன்பதிவு எண் {reference}.",
    },
    "offered": {
        "en": "Vaksin: a place is free at {centre} on {date}. It is held for you until "
        "{until}. To book it: {link}",
        "ms": "Vaksin: ada tempat kosong di {centre} pada {date}. Ia dikhaskan untuk anda "
        "hingga {until}. Untuk menempahnya: {link}",
        "zh-hans": "Vaksin：{centre}（{date}）有空位，为您保留至 {until}。预约请点击：{link}",
        "ta": "Vaksin: {centre}, {date} அன்று ஓர் இடம் காலி. {until} வரை உங்களுக்காக "
        "ஒதுக்கப்பட்டுள்ளது. முன்பதிவு செய்ய: {link}",
    },
}

SUBJECT = {
    "en": "Your vaccination appointment {reference}",
    "ms": "Janji temu vaksinasi anda {reference}",
    "zh-hans": "您的疫苗接种预约 {reference}",
    "ta": "உங்கள் தடுப்பூசி சந்திப்பு {reference}",
}

BODY = {
    "en": """Your vaccination appointment is booked.

Reference: {reference}
Centre: {centre}
Date: {date}
Arrive between: {window}

Bring your MyKad or passport. To check your appointment, use "Check your appointment" on
the Vaksin site with your reference and ID number.
""",
    "ms": """Janji temu vaksinasi anda telah ditempah.

Rujukan tempahan: {reference}
Pusat pemberian vaksin: {centre}
Tarikh: {date}
Tiba antara: {window}

Bawa MyKad atau pasport anda. Untuk menyemak janji temu anda, gunakan "Semak janji temu anda"
di laman Vaksin dengan rujukan tempahan dan nombor pengenalan anda.
""",
    "zh-hans": """您的疫苗接种已预约。

预约编号：{reference}
疫苗接种中心：{centre}
日期：{date}
抵达时间：{window}

请携带您的身份证（MyKad）或护照。如需查询预约，请在 Vaksin 网站使用“查询您的预约”，
输入预约编号和证件号码。
""",
    "ta": """உங்கள் தடுப்பூசி சந்திப்பு முன்பதிவு செய்யப்பட்டது.

முன்பதிவு எண்: {reference}
தடுப்பூசி மையம்: {centre}
தேதி: {date}
வர வேண்டிய நேரம்: {window}

உங்கள் MyKad அல்லது கடவுச்சீட்டைக் கொண்டு வரவும். உங்கள் முன்பதிவைப் பார்க்க, Vaksin
தளத்தில் "உங்கள் முன்பதிவைப் பார்க்கவும்" என்பதில் முன்பதிவு எண்ணையும் அடையாள எண்ணையும்
பயன்படுத்தவும்.
""",
}

# The e-mail of a booking of two doses: both dates, and that the second is booked already.
BODY_TWO_DOSES = {
    "en": """Your vaccination appointment is booked: two doses, both at the same centre.

Reference: {reference}
Centre: {centre}

Dose 1: {date}
Arrive between: {window}

Dose 2: {date2}
Arrive between: {window2}

Your second dose is booked already: come back to the same centre for it. Bring your MyKad or
passport both times. To check your appointment, use "Check your appointment" on the Vaksin site
with your reference and ID number.
""",
    "ms": """Janji temu vaksinasi anda telah ditempah: dua dos, kedua-duanya di pusat yang sama.

Rujukan tempahan: {reference}
Pusat pemberian vaksin: {centre}

Dos 1: {date}
Tiba antara: {window}

Dos 2: {date2}
Tiba antara: {window2}

Dos kedua anda sudah ditempah: datang semula ke pusat yang sama untuknya. Bawa MyKad atau
pasport anda setiap kali. Untuk menyemak janji temu anda, gunakan "Semak janji temu anda" di
laman Vaksin dengan rujukan tempahan dan nombor pengenalan anda.
""",
    "zh-hans": """您的疫苗接种已预约：共两剂，均在同一中心。

预约编号：{reference}
疫苗接种中心：{centre}

第一剂：{date}
抵达时间：{window}

第二剂：{date2}
抵达时间：{window2}

您的第二剂已经预约好：届时请回到同一中心接种。每次都请携带您的身份证（MyKad）或护照。
如需查询预约，请在 Vaksin 网站使用“查询您的预约”，输入预约编号和证件号码。
""",
    "ta": """உங்கள் தடுப்பூசி சந்திப்பு முன்பதிவு செய்யப்பட்டது: இரண்டு டோஸ்கள், இரண்டும் ஒரே மையத்தில்.

முன்பதிவு எண்: {reference}
தடுப்பூசி மையம்: {centre}

டோஸ் 1: {date}
வர வேண்டிய நேரம்: {window}

டோஸ் 2: {date2}
வர வேண்டிய நேரம்: {window2}

உங்கள் இரண்டாம் டோஸ் ஏற்கனவே முன்பதிவு செய்யப்பட்டுள்ளது: அதற்கு அதே மையத்திற்கு மீண்டும்
வரவும். ஒவ்வொரு முறையும் உங்கள் MyKad அல்லது கடவுச்சீட்டைக் கொண்டு வரவும். உங்கள்
முன்பதிவைப் பார்க்க, Vaksin தளத்தில் "உங்கள் முன்பதிவைப் பார்க்கவும்" என்பதில் முன்பதிவு
எண்ணையும் அடையாள எண்ணையும் பயன்படுத்தவும்.
""",
}


# The log entries a person is told of: a booking (or the new booking of a change), a
# cancellation (not the one a change writes: its new booking's SMS says it all) and a
# waiting-list offer.
SENT_KINDS = ("booked", "cancelled", "offered")


def is_sent(entry: LogEntry) -> bool:
    """Whether a log entry gets a message of its own."""
    return entry.get("kind") in SENT_KINDS and not entry.get("moved_to")


@dataclass(frozen=True)
class Confirmation:
    reference: str
    centre: str
    date: datetime.date
    window: str
    lang: str
    kind: str = "booked"  # "booked", "changed", "second_released", "cancelled" or "offered"
    until: str = ""  # for an offer: when it lapses, "HH:MM" Malaysian time
    link: str = ""  # for an offer: where to accept it
    id_ending: str = ""  # for a booking: the last 4 characters of the person's ID number
    # The second dose, at the same centre (None when one dose is booked; a cancellation's
    # entry has its date but no window).
    second_date: datetime.date | None = None
    second_window: str = ""


def _spelled(day: datetime.date, lang: str) -> str:
    if lang == "zh-hans":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {month_names(lang)[day.month - 1]} {day.year}"


def _fields(confirmation: Confirmation) -> dict[str, str]:
    lang, second = _lang(confirmation), confirmation.second_date
    return {
        "reference": confirmation.reference,
        "centre": confirmation.centre,
        "date": _spelled(confirmation.date, lang),
        "window": confirmation.window,
        "date2": _spelled(second, lang) if second else "",
        "window2": confirmation.second_window,
        "until": confirmation.until,
        "link": confirmation.link,
        "id_ending": confirmation.id_ending,
    }


def _lang(confirmation: Confirmation) -> str:
    return confirmation.lang if confirmation.lang in SMS else "en"


def sms_text(confirmation: Confirmation) -> str:
    texts = SMS_OF_KIND.get(confirmation.kind, SMS)
    if confirmation.second_date and confirmation.kind in SMS_TWO_DOSES:
        texts = SMS_TWO_DOSES[confirmation.kind]
    return texts.get(_lang(confirmation), texts["en"]).format(**_fields(confirmation))


def email_subject(confirmation: Confirmation) -> str:
    return SUBJECT[_lang(confirmation)].format(**_fields(confirmation))


def email_body(confirmation: Confirmation) -> str:
    bodies = BODY_TWO_DOSES if confirmation.second_date else BODY
    return bodies[_lang(confirmation)].format(**_fields(confirmation))
