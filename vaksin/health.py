"""GET /healthz: whether this process can reach Redis and PostgreSQL."""

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, JsonResponse

from vaksin import store


def database_ping() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def healthz(request: HttpRequest) -> JsonResponse:
    database = "ok" if database_ping() else "unreachable"
    redis = "ok" if store.ping() else "unreachable"
    healthy = database == "ok" and redis == "ok"
    response = JsonResponse(
        {"status": "ok" if healthy else "unavailable", "redis": redis, "database": database},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
