"""What the pages keep once worked out (vaksin/templatetags/vaksin.py) never carries one page's
or one person's data to the next: the parts kept per language follow each request's language,
and the form token and the page's own address are each request's own."""

import re

from django.template import Context, Template
from django.test import Client

LANGUAGES = {"en": "English", "ms": "Bahasa Melayu", "zh-hans": "简体中文", "ta": "தமிழ்"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_the_parts_kept_per_language_follow_each_request_s_language(client: Client) -> None:
    for language in [*LANGUAGES, *reversed(LANGUAGES)]:
        page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'<html lang="{language}">' in page
        # The switch offers the three other languages, never the page's own.
        offered = re.findall(r'name="language" value="([^"]+)"', page)
        assert sorted(offered) == sorted(set(LANGUAGES) - {language})


def test_the_language_switch_carries_each_request_s_own_token_and_address(
    client: Client,
) -> None:
    first = client.get("/register/already-registered/").content.decode()
    second = client.get("/?from=here").content.decode()
    tokens = [TOKEN.search(page).group(1) for page in (first, second)]  # type: ignore[union-attr]
    assert tokens[0] != tokens[1]
    assert 'name="next" value="/register/already-registered/"' in first
    assert 'name="next" value="/?from=here"' in second


def test_a_picker_option_escapes_what_it_shows() -> None:
    html = Template(
        "{% load vaksin %}{% place_radio prefix='location' key=key first=False name='location' "
        "value=key label=label available=3 selected='' %}"
    ).render(Context({"key": 'A"B', "label": "<script>alert(1)</script> & co"}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert 'value="A&quot;B"' in html
    assert "3 places left" in html
