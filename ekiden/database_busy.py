"""A database busy with another writer: wait a bounded time, then say so in one line.

SQLite lets one writer in at a time; a second one waits TASUKI_DATABASE_BUSY_TIMEOUT seconds for the
lock (ekiden/settings.py). PostgreSQL waits as long for a locked row or table (lock_timeout).
Then the write fails with OperationalError and its transaction is rolled back, so the person
can be told that nothing was changed, instead of being shown a traceback or a 500 page.
"""

from django.db import OperationalError
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
        if not is_database_busy(exception):
            return None
        if expects_json(request):
            # The API's and the keypad's documented shape: {"errors": [{..., "message": ...}]}.
            response = JsonResponse(errors_document(request, str(DATABASE_BUSY)), status=503)
        else:
            response = render(request, "database_busy.html", {"message": DATABASE_BUSY}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
