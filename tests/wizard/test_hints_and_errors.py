"""Hints and errors agree: the date of birth's hint and its error give the same example, in
every language."""

import pytest
from django.test import Client

LANGUAGES = ["en", "ms", "zh-hans", "ta"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_date_of_birth_error_gives_the_hints_example(
    client: Client, make_slot, walk, language: str
) -> None:
    day = make_slot()
    passport = {"id_type": "passport", "id_number": "A1234567", "name": "Maria Santos"}
    walk(passport | {"phone": "011-2345 6789"}, location="WTCKL", date=day.isoformat(), until="id")
    client.cookies["django_language"] = language
    typed = {"name": "Maria Santos", "birth_day": "31", "birth_month": "2", "birth_year": "1990"}
    refused = client.post("/register/details/", typed, follow=True).content.decode()
    assert "2001-01-31" not in refused
    hint = refused.split('id="birth_date-hint"', 1)[1].split("</div>", 1)[0]
    summary = refused.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "27 3 1990" in hint and "27 3 1990" in summary
    assert 'value="31"' in refused  # the answers as typed are kept
