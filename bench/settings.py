"""Vaksin's settings plus the rival designs it is measured against, for `make bench` only."""

from django.conf import global_settings

from vaksin import settings as vaksin_settings
from vaksin.settings import *  # noqa: F403
from vaksin.settings import INSTALLED_APPS, REDIS_URL

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
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
