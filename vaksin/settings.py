"""Vaksin settings: everything that varies between machines comes from the environment.

Every variable is read through vaksin.env, which stops start-up with a message naming the
variable when its value is unusable.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from vaksin.csp import content_security_policy
from vaksin.env import (
    env_addresses,
    env_bool,
    env_datetime,
    env_day_range,
    env_int,
    env_list,
    env_networks,
    env_secret,
    env_str,
    env_url,
    load_local_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Beside a running `make run`, manage.py finds its services and secrets here (VAKSIN_LOCAL_ENV
# names another file; empty reads none, as the tests and the bench do).
if local_env := os.environ.get("VAKSIN_LOCAL_ENV", str(BASE_DIR / "var" / "local.env")):
    load_local_env(Path(local_env))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret(
    "DJANGO_SECRET_KEY", debug=DEBUG, development="insecure-development-key-only-for-DJANGO_DEBUG"
)

# Old secret keys still accepted for signatures (tokens, cookies) while they lapse.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

# The private services that `make run` starts; override both for any other deployment.
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6391/0", schemes=("redis", "rediss", "unix"))
# A process may connect to Redis as a user of its own (deploy/redis/users.acl): the URL in
# REDIS_URL_<PROCESS> when that is set (REDIS_URL_WEB, _RELAY, _WORKER, _EXPORT,
# _WAITLIST), the process named by VAKSIN_PROCESS (the image's entrypoint sets it) or by
# honcho (`make run`); REDIS_URL for any other, and for manage.py run by hand.
PROCESS = (env_str("VAKSIN_PROCESS") or env_str("HONCHO_PROCESS_NAME").partition(".")[0]).upper()
if PROCESS.isidentifier() and os.environ.get(f"REDIS_URL_{PROCESS}"):
    REDIS_URL = env_url(f"REDIS_URL_{PROCESS}", REDIS_URL, schemes=("redis", "rediss", "unix"))
DATABASE_URL = env_url(
    "DATABASE_URL", "postgres://vaksin@127.0.0.1:5441/vaksin", schemes=("postgres", "postgresql")
)

# High availability (docs/deploy.md). With Sentinels, every Redis client (the store, the queues,
# staff sessions) asks them where the primary is, and REDIS_URL gives only the password and the
# database number. REDIS_MIN_REPLICAS > 0: a booking is acknowledged only once that many
# replicas have it (WAIT, at most REDIS_WAIT_MS); 0 (the default) adds no round trip.
REDIS_SENTINELS = env_addresses("REDIS_SENTINELS")
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "vaksin")
REDIS_MIN_REPLICAS = env_int("REDIS_MIN_REPLICAS", 0)
REDIS_WAIT_MS = env_int("REDIS_WAIT_MS", 1000, minimum=1)
_redis_parts = urlsplit(REDIS_URL)
REDIS_PASSWORD = unquote(_redis_parts.password or "") or None
# The process's own user (deploy/redis/users.acl), on the primary and on the Sentinels alike.
REDIS_USERNAME = unquote(_redis_parts.username or "") or None
REDIS_DB = int(_redis_parts.path.strip("/")) if _redis_parts.path.strip("/").isdigit() else 0
# How the queues' and the sessions' clients talk to the Sentinels themselves.
_sentinel_options = {"username": REDIS_USERNAME, "password": REDIS_PASSWORD, "socket_timeout": 1}

# Unset means open; both are aware datetimes.
REGISTRATION_OPENS_AT = env_datetime("REGISTRATION_OPENS_AT")
REGISTRATION_CLOSES_AT = env_datetime("REGISTRATION_CLOSES_AT")
if (
    REGISTRATION_OPENS_AT
    and REGISTRATION_CLOSES_AT
    and REGISTRATION_CLOSES_AT <= REGISTRATION_OPENS_AT
):
    raise ImproperlyConfigured("REGISTRATION_CLOSES_AT must be later than REGISTRATION_OPENS_AT.")

# Phones are verified (a one-time code by SMS) from VERIFICATION_OPENS_AT, days before
# registration opens, so that nobody waits for an SMS at noon. Unset: with the waiting room
# (a ticket needs a verified phone), or with registration when there is none.
VERIFICATION_OPENS_AT = (
    env_datetime("VERIFICATION_OPENS_AT")
    or env_datetime("WAITING_ROOM_OPENS_AT")
    or REGISTRATION_OPENS_AT
)
# Active bookings one verified phone may hold: a family's worth, not a bot's.
PHONE_BOOKING_LIMIT = env_int("PHONE_BOOKING_LIMIT", 4, minimum=1)
# Assisted booking (assisted/): bookings one member of staff may attempt an hour from the
# helpline page, so that one staff account cannot be used as a bot.
ASSISTED_BOOKINGS_PER_HOUR = env_int("ASSISTED_BOOKINGS_PER_HOUR", 30, minimum=1)
# Where a person without a mobile phone gets help, said by the landing page and the wizard's
# phone step (hidden when both are empty): a phone number, and places ("; " between them).
HELPLINE_PHONE = env_str("HELPLINE_PHONE")
HELPLINE_PLACES = [
    place.strip() for place in env_str("HELPLINE_PLACES").split(";") if place.strip()
]
# A booking holds two doses (AstraZeneca: 8 to 12 weeks apart): the second at the same centre,
# on the earliest date this many days after the first (a range) with a second-dose place.
# "0" books one dose only (a one-dose vaccine).
DOSE_INTERVAL_DAYS = env_day_range("DOSE_INTERVAL_DAYS", (56, 84))
# How many days ahead slots may be offered. The wizard refuses, as soon as it knows the birth
# date, someone who cannot be 18 by the last date offered; with no dates listed, by this many
# days from today.
BOOKING_HORIZON_DAYS = 60
# One-time codes. Nobody can spend another person's limits (docs/api.md, 3.4 and 3.5): a phone
# takes a new code (each replaces the last) once every VERIFICATION_RESEND_SECONDS, whoever
# asks; VERIFICATION_SENDS_PER_PHONE an hour from one address; VERIFICATION_PHONE_CEILING an
# hour from all addresses together (only a flood reaches it: it is counted and alerted). Each
# address has VERIFICATION_TRIES at a code, and a code VERIFICATION_CODE_TRIES in all, which a
# guess spread over many addresses reaches long before its chance of success is worth having.
VERIFICATION_RESEND_SECONDS = env_int("VERIFICATION_RESEND_SECONDS", 60, minimum=1)
VERIFICATION_SENDS_PER_PHONE = env_int("VERIFICATION_SENDS_PER_PHONE", 5, minimum=1)
VERIFICATION_PHONE_CEILING = env_int("VERIFICATION_PHONE_CEILING", 30, minimum=1)
VERIFICATION_TRIES = 5
VERIFICATION_CODE_TRIES = 50
VERIFICATION_CODE_SECONDS = 600
# A place freed on a full date is offered to the next person on its waiting list, by SMS, and
# held for them this long before it passes to the one after. 10 minutes, not 30: an offer
# nobody answers (a bot's phone) holds a freed place while real people wait behind it, and the
# offer's SMS is handed to the gateway within a second of the place freeing (confirmation lag
# p99 151 ms at 724 bookings/s, BENCHMARKS.md), so 10 minutes is time enough to read it and
# book, as it is for a one-time code (VERIFICATION_CODE_SECONDS).
OFFER_MINUTES = env_int("OFFER_MINUTES", 10, minimum=1)
# Where the public reaches the site: the links in the SMS of a waiting-list offer start so.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a code sent to a booking's phone lets /appointment/ change or cancel it.
APPOINTMENT_SESSION_MINUTES = 15
# A verified phone's token lasts until registration closes, or this long when no close is set.
VERIFICATION_TOKEN_HOURS = env_int("VERIFICATION_TOKEN_HOURS", 72, minimum=1)

# The waiting room (waiting_room/): from WAITING_ROOM_OPENS_AT, booking needs an admission.
# Tickets taken before REGISTRATION_OPENS_AT are put in a random order by a committed draw;
# admission starts at the opening at WAITING_ROOM_RATE tickets a second, until operators set
# another rate or the automatic mode, which steers towards WAITING_ROOM_AUTO_TARGET bookings a
# second (what the origin serves: see BENCHMARKS.md). An admitted ticket may book for
# ADMISSION_MINUTES. Unset: no waiting room.
WAITING_ROOM_OPENS_AT = env_datetime("WAITING_ROOM_OPENS_AT")
WAITING_ROOM_RATE = env_int("WAITING_ROOM_RATE", 50, minimum=1)
WAITING_ROOM_AUTO_TARGET = env_int("WAITING_ROOM_AUTO_TARGET", 800, minimum=1)
ADMISSION_MINUTES = env_int("ADMISSION_MINUTES", 10, minimum=1)
if (
    WAITING_ROOM_OPENS_AT
    and REGISTRATION_OPENS_AT
    and WAITING_ROOM_OPENS_AT > REGISTRATION_OPENS_AT
):
    raise ImproperlyConfigured(
        "WAITING_ROOM_OPENS_AT must not be later than REGISTRATION_OPENS_AT."
    )

# Requests a minute from one client address that come without a verified phone: look-ups,
# verification codes asked for and typed, and every invalid body; 0 turns the limit off. Sized
# for a carrier's NAT (docs/api.md, 3.6): with 1,000 subscribers behind one address and one in
# thirteen of Malaysia's mobile lines at a screen at noon, about 75 people ask a code and type
# it (225 requests with a retry each) in the first minute, so 600 leaves a margin of 2.7.
RATE_LIMIT_PER_IP = env_int("RATE_LIMIT_PER_IP", 600)
# Booking attempts a minute from one verified phone, valid or not: a person's own budget, which
# nobody else behind their address can spend. A person retrying a full date every two seconds
# stays within it.
RATE_LIMIT_PER_PHONE = env_int("RATE_LIMIT_PER_PHONE", 30)
# Attempts per minute for one ID number, whatever the address.
RATE_LIMIT_PER_ID = env_int("RATE_LIMIT_PER_ID", 20)
# Look-ups of one booking reference an hour, whatever the ID number typed and wherever from: a
# person mistyping their ID number needs a few; someone guessing the ID numbers a birth date
# and a state leave (a few hundred) is stopped.
LOOKUPS_PER_REFERENCE = env_int("LOOKUPS_PER_REFERENCE", 10, minimum=0)
# The header our reverse proxies append the client address to (e.g. X-Forwarded-For), read
# only from peers in TRUSTED_PROXIES (CIDR networks); TRUSTED_PROXY_HOPS is how many of our
# proxies append to it (a CDN and nginx: 2). Empty: the socket address, since any client can
# forge such a header.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER")
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1, minimum=1)
if TRUSTED_PROXY_HEADER and not TRUSTED_PROXIES:
    raise ImproperlyConfigured("TRUSTED_PROXY_HEADER needs TRUSTED_PROXIES, the proxies' networks.")

# Keys the HMAC that names a person in Redis, so that no key carries an ID number.
# A secret of its own, not the secret key: rotating the secret key (the way to end every
# session) must not rename every person, which would let each book again. Old values go in
# PERSON_KEY_SECRET_FALLBACKS (comma-separated, newest first) while people booked under them
# still hold bookings; every look-up of a person tries them all.
PERSON_KEY_SECRET = env_secret(
    "PERSON_KEY_SECRET",
    debug=DEBUG,
    development="insecure-development-person-key-only-for-DJANGO_DEBUG",
)
PERSON_KEY_SECRET_FALLBACKS = env_list("PERSON_KEY_SECRET_FALLBACKS")
# Keys the permutation that turns a booking's number into its reference, so that nobody can
# list the references issued or count the bookings from the code alone. A secret of its own,
# never rotated with the others: a new one gives every booking a new reference (the old ones
# still read while their secret is in REFERENCE_SECRET_FALLBACKS, newest first).
REFERENCE_SECRET = env_secret(
    "REFERENCE_SECRET",
    debug=DEBUG,
    development="insecure-development-reference-key-only-for-DJANGO_DEBUG",
)
REFERENCE_SECRET_FALLBACKS = env_list("REFERENCE_SECRET_FALLBACKS")
if PERSON_KEY_SECRET in (SECRET_KEY, *SECRET_KEY_FALLBACKS) and not DEBUG:
    raise ImproperlyConfigured("PERSON_KEY_SECRET must differ from DJANGO_SECRET_KEY.")


def _database_from_url(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "vaksin",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 3},
    }


DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # Django's admin on vaksin.admin_site.StaffAdminSite: a second factor for every login.
    "vaksin.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_rq",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "vaksin.apps.VaksinConfig",
    "audit",
    "phones",
    "availability",
    "waiting_room",
    "registration",
    "wizard",
    "assisted",
    "appointments",
    "waitlist",
    "disputes",
    "confirmations",
    "warehouse",
    "operations",
]

MIDDLEWARE = [
    # First, so that every request has its id (in the logs and the X-Request-ID header) and is
    # counted and timed for operators, whatever a later middleware answers.
    "vaksin.observed.ObservedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "vaksin.csp.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vaksin.urls"
WSGI_APPLICATION = "vaksin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Staff: sessions, logins, lockout -------------------------------------------------------
# Only staff have sessions (the public wizard keeps its state in a cookie of its own, and a
# request without a session cookie never creates one). They live on the server, in Redis with
# PostgreSQL behind it, so logging out ends a session for good; a signed-cookie session stayed
# valid after logout until it expired. An idle session ends after SESSION_COOKIE_AGE seconds.
_session_redis: dict[str, object] = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 5}
if REDIS_SENTINELS:
    _session_redis |= {
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": REDIS_SENTINELS,
        "SENTINEL_KWARGS": _sentinel_options,
        "USERNAME": REDIS_USERNAME,
        "PASSWORD": REDIS_PASSWORD,
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {
        "BACKEND": "django_redis.cache.RedisCache",
        # With Sentinels, the primary that they name (a replica may lack a session written a
        # moment ago).
        "LOCATION": f"redis://{REDIS_SENTINEL_MASTER}/{REDIS_DB}?is_master=1"
        if REDIS_SENTINELS
        else REDIS_URL,
        # Its own prefix beside the booking keys ({vk}:...): nothing else reads these.
        "KEY_PREFIX": "staff-sessions",
        # JSON, never pickled: a session written to Redis by someone else must not run code.
        "OPTIONS": {**_session_redis, "SERIALIZER": "django_redis.serializers.json.JSONSerializer"},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before the password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: LOGIN_FAILURE_LIMIT failed logins (a wrong password or a wrong code) for one
# username from one client address lock that pair out for LOGIN_COOLOFF_MINUTES. Keyed by the
# pair, not the username alone, so that nobody can lock a member of staff out from everywhere
# by typing their username; the second factor is what stops guessing from many addresses.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "audit.services.staff_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "vaksin.admin_site.locked_out"
# Logins are in the audit trail already; keep codes and usernames out of axes' records and logs.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# Login posts per minute answered 429 before the code or the password is checked, from one
# client address and for one username from all addresses together; 0 turns either off.
# RATE_LIMIT_PER_IP does not change these. No limit is shared by all accounts: the code is
# checked before the password, so a flood costs no hashes (vaksin/login_limits.py).
LOGIN_RATE_PER_IP = env_int("LOGIN_RATE_PER_IP", 10)
LOGIN_RATE_PER_ACCOUNT = env_int("LOGIN_RATE_PER_ACCOUNT", 5)
# The networks staff log in from (CIDR, comma-separated: the office, the VPN's exit): a login
# from inside is exempt from both rate limits, so no flood elsewhere keeps an operator out. Not
# from the code, the password or django-axes. The client address as TRUSTED_PROXIES tell it.
STAFF_NETWORKS = env_networks("STAFF_NETWORKS")
# The issuer an authenticator app shows beside the code; the admin never shows a device's key.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Vaksin")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end of staff -----------------------------------------------------------------------------

MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ms", "Bahasa Melayu"),
    ("zh-hans", "简体中文"),
    ("ta", "தமிழ்"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kuala_Lumpur"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Codes have a queue (and a worker) of their own: a code never waits behind confirmations.
_queue_redis: dict[str, object] = (
    {
        "SENTINELS": REDIS_SENTINELS,
        "MASTER_NAME": REDIS_SENTINEL_MASTER,
        "DB": REDIS_DB,
        "USERNAME": REDIS_USERNAME,
        "PASSWORD": REDIS_PASSWORD,
        "SENTINEL_KWARGS": _sentinel_options,
    }
    if REDIS_SENTINELS
    else {"URL": REDIS_URL}
)
# Jobs as JSON, never pickled: whoever could write a pickle to Redis could run code in the
# workers (confirmations/allowed_jobs.py, which also runs only our own job functions).
_queue_redis["SERIALIZER"] = "rq.serializers.JSONSerializer"
RQ_QUEUES = {
    "confirmations": {**_queue_redis, "DEFAULT_TIMEOUT": 60},
}

# Large enough for any honest form or JSON body, small enough to refuse a flood cheaply.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    X_FRAME_OPTIONS = "DENY"

# TLS ends at the edge in production: these come from the environment, so a plain-HTTP test rig
# can leave them off. docs/operations.md gives the production values.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The health check is asked for by the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# e.g. "X-Forwarded-Proto,https": the header our TLS-ending proxy sets, and its value for https.
if proxy_ssl_header := env_list("SECURE_PROXY_SSL_HEADER"):
    if len(proxy_ssl_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'Header-Name,value'.")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + proxy_ssl_header[0].upper().replace("-", "_"),
        proxy_ssl_header[1],
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

CONTENT_SECURITY_POLICY = content_security_policy(BASE_DIR)
# No page asks for any of these; a script that got in could not either.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "payment", "usb",
    )
}  # fmt: skip

# One JSON object per line on stderr, each with the request id of the request it belongs to.
# Refusals that are normal business (a 404 for an unknown slot, a sold-out 409, a 429) are
# counted for operators (GET /metrics), not logged one by one: vaksin/logs.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "vaksin.logs.JsonFormatter"}},
    "filters": {
        "request_id": {"()": "vaksin.logs.RequestIdFilter"},
        "no_business_refusals": {"()": "vaksin.logs.BusinessRefusalFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "no_business_refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Operators: metrics, error reports, the automatic export --------------------------------
# GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it answers nobody.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# 0 stops every count on the request path (the booking script's and each process's tally), so
# that `make bench` can measure what counting costs; /metrics then stands still.
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
# The `export` process copies new bookings and cancellations to PostgreSQL this often (seconds).
EXPORT_INTERVAL = env_int("EXPORT_INTERVAL", 10, minimum=1)
# `manage.py purge_personal_data` removes the personal data of exported bookings whose date is
# more than this many days past (docs/operations.md, "Personal data has an end").
RETENTION_DAYS = env_int("RETENTION_DAYS", 90, minimum=1)
# Errors go to Sentry when a DSN is set, without personal data (vaksin/error_reports.py).
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:
    from vaksin.error_reports import error_reports_start

    error_reports_start(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# --- Confirmations: SMS and e-mail backends, the relay and the worker -------------------------
# SMS goes through SMS_BACKEND, a dotted path to a class in vaksin.sms:
# FileSmsBackend (the default: one line per message appended to SMS_FILE_PATH), ConsoleSmsBackend
# (stdout) or HttpSmsBackend (a gateway at SMS_GATEWAY_URL, bearer SMS_GATEWAY_TOKEN).
SMS_BACKEND = env_str("SMS_BACKEND", "vaksin.sms.FileSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "var" / "log" / "sms.log"))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
SMS_SENDER = env_str("SMS_SENDER", "VAKSIN")
# Every SMS is billed: budgets per minute and per hour cap the spend (vaksin/sms_budget.py).
# Codes beyond theirs are refused (429); confirmations beyond theirs wait, never dropped. Codes
# also have a budget per range of numbers (+60 1x and its next SMS_BUDGET_PREFIX_DIGITS
# digits), so a burst at made-up numbers of one range leaves the rest for everyone else.
# 0 is no limit. Operators raise them all at once with the switch `sms_budget`.
SMS_BUDGET_CODES_PER_MINUTE = env_int("SMS_BUDGET_CODES_PER_MINUTE", 3000, minimum=0)
SMS_BUDGET_CODES_PER_HOUR = env_int("SMS_BUDGET_CODES_PER_HOUR", 60_000, minimum=0)
SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE = env_int(
    "SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE", 30, minimum=0
)
SMS_BUDGET_CODES_PER_PREFIX_PER_HOUR = env_int(
    "SMS_BUDGET_CODES_PER_PREFIX_PER_HOUR", 300, minimum=0
)
SMS_BUDGET_PREFIX_DIGITS = env_int("SMS_BUDGET_PREFIX_DIGITS", 3, minimum=1)
SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = env_int(
    "SMS_BUDGET_CONFIRMATIONS_PER_MINUTE", 60_000, minimum=0
)
SMS_BUDGET_CONFIRMATIONS_PER_HOUR = env_int(
    "SMS_BUDGET_CONFIRMATIONS_PER_HOUR", 1_500_000, minimum=0
)
if SMS_BACKEND.endswith("HttpSmsBackend") and not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):
    raise ImproperlyConfigured("SMS_BACKEND=HttpSmsBackend needs SMS_GATEWAY_URL and _TOKEN.")
if SMS_GATEWAY_URL and not SMS_GATEWAY_URL.startswith("https://"):
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be an https:// URL.")

# Mail through Django's backends; by default written as files under var/mail for inspection,
# 0600 in a 0700 folder (they hold names and e-mail addresses).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "vaksin.private_files.PrivateFileEmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Vaksin <no-reply@vaksin.example>")

# A confirmation job may run this long; a claim on a send lasts a little longer, so a retry of a
# job whose worker was killed waits for the claim to lapse instead of sending beside it. A job
# starts no new send after half of it and leaves the rest of its batch to a job of its own.
CONFIRMATION_JOB_TIMEOUT = env_int("CONFIRMATION_JOB_TIMEOUT", 30, minimum=2)
# One job carries up to this many bookings; when bookings trickle in, the relay waits this long
# for a batch to fill (the latency batching adds) instead of enqueueing a job per booking.
CONFIRMATION_BATCH_SIZE = env_int("CONFIRMATION_BATCH_SIZE", 200, minimum=1)
CONFIRMATION_BATCH_WAIT_MS = env_int("CONFIRMATION_BATCH_WAIT_MS", 50)
# Test knob: sleep this long inside each send, so a test can kill a worker mid-send.
CONFIRMATION_SLOW_SEND_MS = env_int("CONFIRMATION_SLOW_SEND_MS", 0)
# Jobs are enqueued when asked: none depends on a database transaction (django-rq would
# otherwise hold them until the surrounding transaction commits).
RQ = {
    "WORKER_CLASS": "confirmations.worker.ConfirmationWorker",
    "JOB_CLASS": "confirmations.allowed_jobs.AllowedJob",
    "COMMIT_MODE": "auto",
}
# The dashboard is registered by audit.queues instead, behind audit.manage_queues.
RQ_SHOW_ADMIN_LINK = False
# --- end of confirmations ---------------------------------------------------------------------
