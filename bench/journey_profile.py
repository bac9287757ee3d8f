"""Where a wizard journey's server CPU goes: the whole wizard walked in this process through
Django's own handler (the test client, CSRF enforced: no HTTP, no gunicorn, no other process),
under cProfile, then its cost summed by what it is (templates, translations, the encrypted
cookie, sessions, middleware, forms, Redis, the booking) and the functions costing most.

    .venv/bin/python -m bench.journey_profile [--journeys 60]

The code step is the one step left out: each person's browser holds a verified phone's cookie
(bench/wizard.py makes it), as after typing the code, and asks for a code once on the phone
step. Uses the bench's environment (bench/stack.py: BENCH_REDIS_DB, BENCH_DATABASE); the
database must be migrated (a bench run leaves it so). The Redis database is emptied first.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import re
import time
from collections.abc import Callable

import django

from bench.stack import environment

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFUSAL = re.compile(r"<title>([^<]*)</title>|error-summary-list\">\s*<li><a [^>]*>([^<]*)<")
FIRST_PERSON = 21 * 10**7
# Centres `seed_slots --demo` gives slots (others may be left in the database by a bench run).
DEMO_CENTRES = ["WTCKL", "UM", "UKM", "IDCC", "BCCK", "IKBNM", "SPICE", "PJICC"]
CONFIRMED = 'action="/register/start-again/"'
# Where the time goes, inclusive (a function's own time and its callees'): the handler as a
# whole, then parts of it, which overlap (a template's translations are in both rows).
INCLUSIVE = [
    ("Django's handler, all of it", "django/core/handlers/base.py", "get_response"),
    ("  views (wizard pages and posts)", "django/core/handlers/base.py", "_get_response"),
    ("  templates rendered", "django/template/backends/django.py", "render"),
    ("  translations (gettext, lazy strings)", "django/utils/translation/trans_real.py", "gettext"),
    ("  language chosen per request", "django/middleware/locale.py", "process_request"),
    ("  encrypted cookie read", "vaksin/cookies.py", "read"),
    ("  encrypted cookie written", "vaksin/cookies.py", "write"),
    ("  sessions", "django/contrib/sessions/middleware.py", "process_response"),
    ("  CSRF check", "django/middleware/csrf.py", "process_view"),
    ("  CSRF cookie", "django/middleware/csrf.py", "process_response"),
    ("  Content-Security-Policy header", "vaksin/csp.py", "process_response"),
    ("  URL resolution", "django/core/handlers/base.py", "resolve_request"),
    ("  URL reversing", "django/urls/base.py", "reverse"),
    ("  forms", "django/forms/forms.py", "full_clean"),
    ("  Redis commands (waits included)", "redis/client.py", "execute_command"),
    ("  Redis scripts (waits included)", "vaksin/store/connection.py", "run_script"),
    ("  requests counted for operators", "vaksin/observed.py", "__call__"),
]


def inclusive(stats: pstats.Stats, file: str, function: str) -> float:
    """The cumulative seconds of every function named `function` in a file matching `file`."""
    return sum(
        cumulative
        for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
        if name == function and filename.endswith(file)
    )


def journey(client_factory: Callable[[], object], person: int, slot: str, state: str) -> int:
    """One person's pages, posts and redirects; returns the requests made."""
    from devstack.people import booking_request
    from phones.browser import COOKIE as PHONE_COOKIE
    from wizard.state import COOKIE, WizardState, wizard_save

    client = client_factory()
    requests = 0

    def get(path: str) -> tuple[str, str]:
        nonlocal requests
        response = client.get(path, follow=True)  # type: ignore[attr-defined]
        requests += 1 + len(response.redirect_chain)
        assert response.status_code == 200, (path, response.status_code)
        return response.request["PATH_INFO"], response.content.decode()

    def post(path: str, page: str, answers: dict[str, str]) -> tuple[str, str]:
        """Posts the form of the page at `path`; returns the page it lands on."""
        nonlocal requests
        token = CSRF.search(page)
        assert token, f"{path}: no form"
        response = client.post(  # type: ignore[attr-defined]
            path, answers | {"csrfmiddlewaretoken": token.group(1)}, follow=True
        )
        requests += 1 + len(response.redirect_chain)
        assert response.status_code == 200, (path, response.status_code)
        return response.request["PATH_INFO"], response.content.decode()

    location, date = slot.split("|")
    someone = booking_request(person, location=location, date=date)
    get("/")
    path, page = get("/register/")
    # A code is asked for, as on the phone step; the code itself is skipped (see above).
    post(path, page, {"phone": f"+60112{person % 10**7:07d}"})
    from django.http import HttpResponse

    cookies = HttpResponse()
    until = int(time.time()) + 3600
    wizard_save(cookies, WizardState().verified(someone.phone, until=until))
    for cookie in (COOKIE, PHONE_COOKIE):
        jar = client.cookies  # type: ignore[attr-defined]
        jar[cookie.name] = cookies.cookies[cookie.name].value
    answers = {
        "/register/id/": {"id_type": "mykad", "id_number": someone.id_number},
        "/register/details/": {"name": someone.name, "email": ""},
        "/register/state/": {"state": state},
        "/register/centre/": {"location": location},
        "/register/date/": {"slot": slot},
        "/register/check/": {},
    }
    path, page = get("/register/")
    while path in answers:
        path, page = post(path, page, answers.pop(path))
    assert CONFIRMED in page, f"the journey ended elsewhere: {REFUSAL.findall(page)[:2]}"
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=60)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args()
    os.environ.update(environment())
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from availability.models import Centre
    from vaksin import store

    store.client().flushdb()
    call_command("seed_slots", "--demo", "--days", "14", "--capacity", "1000000", verbosity=0)
    states = dict(Centre.objects.values_list("id", "state"))
    day = datetime.date.today() + datetime.timedelta(days=1)
    slots = [f"{c}|{day + datetime.timedelta(days=n)}" for n in range(14) for c in DEMO_CENTRES]

    # One client, one handler (a client per person would load the middleware, and WhiteNoise
    # scan the static files, each time, as no web process does): cookies cleared per person.
    shared = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ms", HTTP_HOST="127.0.0.1")

    def factory() -> Client:
        shared.cookies.clear()
        return shared

    for n in range(5):  # warm: imports, compiled templates, translations loaded
        slot = slots[n % len(slots)]
        journey(factory, FIRST_PERSON + n, slot, states[slot.split("|")[0]])
    # Measured twice: without the profiler for the CPU a journey costs, then under it for where
    # it goes (cProfile's own clock is the wall's: its overhead on a process clock would swamp
    # the small functions; the waits for Redis, the only ones, are shown apart).
    started = time.process_time()
    for n in range(5, 5 + options.journeys):
        slot = slots[n % len(slots)]
        journey(factory, FIRST_PERSON + 10**6 + n, slot, states[slot.split("|")[0]])
    unprofiled = (time.process_time() - started) / options.journeys
    profiler = cProfile.Profile()
    requests = 0
    started = time.process_time()
    profiler.enable()
    for n in range(5, 5 + options.journeys):
        slot = slots[n % len(slots)]
        requests += journey(factory, FIRST_PERSON + n, slot, states[slot.split("|")[0]])
    profiler.disable()
    spent = time.process_time() - started
    print(
        f"{options.journeys} journeys, {requests / options.journeys:.1f} requests each: "
        f"{unprofiled * 1e3:.1f} ms CPU a journey in process (the test client's own work "
        f"included), {spent / options.journeys * 1e3:.1f} ms under cProfile"
    )
    stats = pstats.Stats(profiler)
    handler = inclusive(stats, "django/core/handlers/base.py", "get_response")
    print("Inclusive CPU per journey (rows under the handler overlap):")
    for label, file, function in INCLUSIVE:
        seconds = inclusive(stats, file, function)
        print(f"  {seconds / options.journeys * 1e3:6.2f} ms  {seconds / handler:6.1%}  {label}")
    print("Templates, tags and filters, inclusive:")
    stats.sort_stats("cumulative").print_stats("template|templatetags", options.top)
    stats.sort_stats("tottime").print_stats(options.top)


if __name__ == "__main__":
    main()
