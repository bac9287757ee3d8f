"""The cost-of-a-citizen scenario walks the whole wizard over HTTP as a browser would: a real
gunicorn and code worker, the code read from the SMS log, every page to the confirmation; a
first visit fetches the static files a page names, a warm cache none."""

import pytest

from bench.journey import Person, assets_of, walk_many
from devstack.processes import stop_process
from devstack.starters import start_code_worker


def test_a_page_names_its_stylesheet_icon_and_scripts_not_its_links() -> None:
    html = (
        '<link rel="stylesheet" href="/static/css/vaksin.1a2b.css">'
        '<link rel="icon" href="/static/favicon.3c4d.svg"><link rel="canonical" href="/x">'
        '<script src="/static/js/a.js"></script><a href="/register/">Start</a>'
    )

    assert assets_of(html) == [
        "/static/css/vaksin.1a2b.css",
        "/static/favicon.3c4d.svg",
        "/static/js/a.js",
    ]


@pytest.mark.e2e
def test_people_walk_the_whole_wizard_first_visit_and_warm(web_server, make_slot, tmp_path) -> None:
    day = make_slot(location="WTCKL", capacity=100, state="MY-14")
    make_slot(location="UM", capacity=100, state="MY-14")
    base = web_server()
    sms_file = tmp_path / "sms.log"
    codes = start_code_worker(sms_file, tmp_path / "codes.log")
    # One language for both: a Tamil page is larger than a Malay one.
    people = [Person(1_000 + i, "ta", "MY-14", "WTCKL", str(day)) for i in range(2)]

    try:
        first = walk_many(base, people[:1], sms_file, warm=False, threads=1)
        warm = walk_many(base, people[1:], sms_file, warm=True, threads=1)
    finally:
        stop_process(codes)

    assert first.failures == warm.failures == []
    (first_visit,), (warm_cache,) = first.tallies, warm.tallies
    # The same pages, posts and redirects; the first visit also fetched the static files.
    assert first_visit.requests > warm_cache.requests >= 17
    assert first_visit.received > warm_cache.received
    assert "/register/confirmation/" in warm_cache.pages
    assert set(first_visit.pages) == set(warm_cache.pages)
