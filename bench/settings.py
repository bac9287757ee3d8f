"""Vaksin's settings plus the rival designs it is measured against, for `make bench` only."""

from django.conf import global_settings

from vaksin import settings as vaksin_settings
from vaksin.settings import *  # noqa: F403
from vaksin.settings import INSTALLED_APPS, LEAN_ROUTES, REDIS_URL

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# The bare booking view through the same lean door as the booking API (vaksin/lean.py).
LEAN_ROUTES = {
    **LEAN_ROUTES,
    "/bench/book-bare": "bench.views.book_bare",
    "/bench/book-bare-phone-checked": "bench.views.book_bare_phone_checked",
}
# Django's cache_page on django-redis, in the bench's own Redis database, as a rival of the
# micro-cache (bench/views.py). An alias of its own, so that no cache of Vaksin's changes.
CACHES = {
    **getattr(vaksin_settings, "CACHES", global_settings.CACHES),
    "cache_page": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "bench-cache-page",
    },
}
