"""A database busy with another writer: wait a bounded time, then say so in one line.

SQLite lets one writer in at a time; a second one waits TASUKI_DATABASE_BUSY_TIMEOUT seconds for the
lock (ekiden/settings.py). PostgreSQL waits as long for a locked row or table (lock_timeout).
Then the write fails with OperationalError and its transaction is rolled back, so the person
can be told that nothing was changed, instead of being shown a traceback or a 500 page.
"""

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ekiden.request_input import errors_document, expects_json

DATABASE_BUSY = _(
    "The database is busy (another import or the standings are being written); nothing was "
    "changed. Try again in a minute."
)

# A tablet retries a 503 after this many seconds (its outbox keeps the reads meanwhile).
RETRY_AFTER_SECONDS = 30

# SQLite says so in words; PostgreSQL by SQLSTATE: lock_not_available (lock_timeout expired)
# and deadlock_detected (two imports each waiting for the other; one is rolled back).
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
POSTGRES_BUSY = frozenset({"55P03", "40P01"})


# The server is gone or not taking connections: being restarted (admin_shutdown, crash_shutdown,
# cannot_connect_now) or the connection broke (class 08). psycopg says a refused or dropped
# connection without a SQLSTATE.
POSTGRES_UNREACHABLE_CLASSES = ("08",)
POSTGRES_UNREACHABLE = frozenset({"57P01", "57P02", "57P03"})

DATABASE_UNREACHABLE = _(
    "The database cannot be reached just now (it may be restarting); try again in a few "
    "seconds. A split sent again is stored once."
)
#: Seconds a client is asked to wait after a lost connection: a restart takes a few.
UNREACHABLE_RETRY_AFTER = "5"


def is_database_unreachable(error: BaseException) -> bool:
    """True when the database server could not be reached or dropped the connection."""
    if isinstance(error, InterfaceError):  # the connection was already closed under Django
        return True
    if not isinstance(error, OperationalError):
        return False
    driver_error = error.__cause__
    sqlstate = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    if sqlstate:
        return sqlstate in POSTGRES_UNREACHABLE or sqlstate.startswith(POSTGRES_UNREACHABLE_CLASSES)
    return type(driver_error).__module__.startswith("psycopg")


def unreachable_response(request):
    """503 with Retry-After: JSON in the API's error shape for /api/ and for a client asking
    for JSON (the station keypad), a page for a person."""
    wants_json = request.path.startswith("/api/") or "application/json" in (
        request.headers.get("Accept", "") + request.headers.get("Content-Type", "")
    )
    if wants_json:
        response = JsonResponse({"errors": [{"message": str(DATABASE_UNREACHABLE)}]}, status=503)
    else:
        response = render(request, "database_busy.html", {"message": DATABASE_UNREACHABLE}, status=503)
    response["Retry-After"] = UNREACHABLE_RETRY_AFTER
    return response


def is_database_busy(error: BaseException) -> bool:
    """True for a lock that was not granted in time; False for every other database error."""
    if not isinstance(error, OperationalError):
        return False
    driver_error = error.__cause__
    sqlstate = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    if sqlstate:
        return sqlstate in POSTGRES_BUSY
    return any(words in str(error) for words in SQLITE_BUSY)


class DatabaseBusyMiddleware:
    """Any page or API call that meets a busy database answers 503 "try again", never a 500.

    The request's transaction was rolled back, so nothing of it was stored; a tablet retries a
    503 by itself, a person reads the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unreachable(exception):
            return unreachable_response(request)
        if not is_database_busy(exception):
            return None
        if expects_json(request):
            # The API's and the keypad's documented shape: {"errors": [{..., "message": ...}]}.
            response = JsonResponse(errors_document(request, str(DATABASE_BUSY)), status=503)
        else:
            response = render(request, "database_busy.html", {"message": DATABASE_BUSY}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
