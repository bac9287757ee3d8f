"""A web process made ready before it takes its first request.

Django does much of its work once per process, on first use: the template engine and its tag
libraries, each template compiled, each language's catalogue read and its table of URLs built,
the first connection to Redis. Left to the first requests, the people who arrive first after a
deploy or a restart (at noon, thousands) wait for it, and each new worker spends several
citizens' worth of CPU on it while they do. The web process calls warm_up() as it loads
(vaksin/wsgi.py), in each worker.
"""

from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from vaksin import store


def our_templates() -> list[str]:
    """The names of the project's own templates (its folder's and its apps'), not those of
    the packages it uses (the admin's are for staff, and many)."""
    names = []
    for engine in engines.all():
        for folder in engine.template_dirs:
            path = Path(folder)
            if path.is_relative_to(settings.BASE_DIR) and ".venv" not in path.parts:
                names += [str(t.relative_to(path)) for t in sorted(path.rglob("*.html"))]
    return names


def warm_up() -> None:
    """Compiles the project's templates, reads each language's catalogue and builds its table
    of URLs, and opens the connection to Redis. Nothing here is needed for correctness: what
    fails here is left to the first request, as before."""
    for name in our_templates():
        try:
            get_template(name)
        except TemplateSyntaxError:
            continue  # its page says so when asked for, as it would have
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            reverse("healthz")
    store.ping()
