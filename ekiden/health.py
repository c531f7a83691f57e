"""`/healthz`: can this site serve race day? The database, Redis (the cache) and the broker.

For the load balancer, the proxy and whoever watches the site: 200 when every part it uses
answers, 503 when one does not, and JSON naming each part's result. In the embedded mode the
cache is this process's memory and tasks run in-process: those parts say "not used" and do
not fail. Never cached, no session or cookie, and exempt from the HTTPS redirect (settings:
SECURE_REDIRECT_EXEMPT) so that a probe speaking plain HTTP to the site itself gets an answer.

Why a part failed is logged (logger `ekiden.health`), not published: an error's text can name
hosts and users of the network behind the site.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ekiden.celery import app as celery_app
from ekiden.redis_cache import RedisCache

logger = logging.getLogger(__name__)

OK, NOT_USED, FAILING = "ok", "not used", "failing"
#: Seconds the broker check waits for a connection: a probe must answer before it times out.
BROKER_TIMEOUT_SECONDS = 3


def database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connections["default"].vendor


def cache() -> str:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return NOT_USED
    backend.redis_client().ping()
    return "redis"


def broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return NOT_USED
    # The URL from the settings, as the tasks are sent with: what a worker would be reached by.
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
        return connection.transport_cls


CHECKS: dict[str, Callable[[], str]] = {"database": database, "cache": cache, "broker": broker}
NOT_USED_BECAUSE = {
    "cache": "local memory of this process (embedded mode: no REDIS_URL)",
    "broker": "tasks run in this process (embedded mode: no REDIS_URL, or CELERY_TASK_ALWAYS_EAGER)",
}


def run_check(name: str) -> dict:
    started = time.perf_counter()
    try:
        found = CHECKS[name]()
    except Exception as error:
        logger.warning("Health check: the %s cannot be reached: %s", name, error)
        return {
            "status": FAILING,
            "detail": f"cannot be reached ({type(error).__name__}); see the site's log",
        }
    if found == NOT_USED:
        return {"status": NOT_USED, "detail": NOT_USED_BECAUSE[name]}
    return {"status": OK, "detail": found, "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
@require_safe
def healthz(request):
    checks = {name: run_check(name) for name in CHECKS}
    healthy = all(check["status"] != FAILING for check in checks.values())
    return JsonResponse(
        {"status": OK if healthy else FAILING, "checks": checks}, status=200 if healthy else 503
    )
