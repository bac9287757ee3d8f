"""Vaksin's settings plus the rival designs it is measured against, for `make bench` only."""

from vaksin.settings import *  # noqa: F403
from vaksin.settings import INSTALLED_APPS, LEAN_ROUTES

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
LEAN_ROUTES = {**LEAN_ROUTES, "/bench/book-bare": "bench.views.book_bare"}
