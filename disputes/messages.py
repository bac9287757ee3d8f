"""The SMS the phone a disputed booking was made from gets, in the booking's language: whole
sentences, in one part (two in Tamil) with any reference
(tests/confirmations/test_sms_parts.py)."""

NOTICE = {
    "en": "Vaksin: the person named on booking {reference} says they did not make it. Staff "
    "will check their MyKad; if it is theirs, the booking goes to their own phone.",
    "ms": "Vaksin: pemilik nama pada tempahan {reference} menyatakan dia tidak membuatnya. "
    "Kakitangan akan menyemak MyKadnya; jika benar, tempahan dipindahkan kepadanya.",
    "zh-hans": "Vaksin：预约 {reference} 的当事人表示并非本人所订。工作人员将核查其身份证，"
    "如属实，预约将转到其本人手机。",
    "ta": "Vaksin: முன்பதிவு {reference} தன்னுடையதல்ல என அதிலுள்ள நபர் கூறுகிறார். MyKad "
    "சரிபார்க்கப்பட்டால் அவரது கைப்பேசிக்கு மாற்றப்படும்.",
}


def notice_text(reference: str, lang: str) -> str:
    return NOTICE.get(lang, NOTICE["en"]).format(reference=reference)
