"""The environment a stack's processes get: where their Redis and PostgreSQL are, their secrets,
and the checkout's .venv first on their PATH (the Procfile says `python` and `gunicorn`)."""

import os
from urllib.parse import quote, urlsplit, urlunsplit

import redis

from devstack.processes import ROOT

VENV = ROOT / ".venv"
SMS_BUDGETS = (
    "CODES_PER_MINUTE",
    "CODES_PER_HOUR",
    "CODES_PER_PREFIX_PER_MINUTE",
    "CODES_PER_PREFIX_PER_HOUR",
    "CONFIRMATIONS_PER_MINUTE",
    "CONFIRMATIONS_PER_HOUR",
)


def venv_path(path: str) -> str:
    """`path` (a PATH) with the checkout's .venv/bin first."""
    return f"{VENV / 'bin'}:{path}"


def database_url(*, port: int | None = None) -> str:
    """The URL of this test run's PostgreSQL test database, its password included; `port`: the
    same database through another port (a proxy a test can cut)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    password = f":{quote(str(database['PASSWORD']), safe='')}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:{port or database['PORT']}/"
        f"{database['NAME']}"
    )


def stack_environment(**overrides: str) -> dict[str, str]:
    """The environment for real web and worker processes sharing this test run's Redis and
    PostgreSQL test database (read from the running settings, which pytest-django pointed at
    the test database)."""
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PERSON_KEY_SECRET": settings.PERSON_KEY_SECRET,
            "REFERENCE_SECRET": settings.REFERENCE_SECRET,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "RATE_LIMIT_PER_IP": "0",
            "RATE_LIMIT_PER_PHONE": "0",
            # Load from a few addresses at made-up numbers is what the bench does: no budget
            # (a scenario that measures the budgets passes its own).
            **{f"SMS_BUDGET_{name}": "0" for name in SMS_BUDGETS},
        }
    )
    env.update(overrides)
    return env


def with_database(url: str, name: str) -> str:
    """`url` (Redis's or PostgreSQL's) with another database: a scenario's own."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def redis_password(port: str) -> str:
    """The private Redis's operator's password, which scripts/services.sh made when it started
    it."""
    return (ROOT / "var" / f"redis-{port}.password").read_text().strip()


def services_redis_url(db: int) -> str:
    """Database `db` of the private Redis of `make run` (scripts/services.sh, REDIS_PORT), as
    its operator; as the default user on a Redis started before there was one (it keeps its
    default user, with the same password, until it is started again)."""
    port = os.environ.get("REDIS_PORT", "6391")
    password = redis_password(port)
    url = f"redis://vaksin-operator:{password}@127.0.0.1:{port}/{db}"
    try:
        redis.Redis.from_url(url, socket_timeout=5).ping()
    except redis.AuthenticationError:
        return f"redis://:{password}@127.0.0.1:{port}/{db}"
    except redis.RedisError:
        pass  # not started yet: it will have the operator
    return url


def services_database_url(name: str) -> str:
    """Database `name` of the private PostgreSQL of `make run` (scripts/services.sh, PG_PORT),
    as its owner with the password scripts/services.sh made (a cluster made before it had none,
    and ignores it)."""
    port = os.environ.get("PG_PORT", "5441")
    password_file = ROOT / "var" / f"pg-{port}.password"
    password = f":{password_file.read_text().strip()}" if password_file.exists() else ""
    return f"postgres://vaksin{password}@127.0.0.1:{port}/{name}"
