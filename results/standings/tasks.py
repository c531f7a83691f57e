"""Celery tasks of the standings: thin, they take ids and call the cache."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import RedisError

from races.models import Race
from results.standings.cache import pending_key, refresh
from results.standings.signals import standings_refreshed

logger = logging.getLogger(__name__)


@shared_task(
    # The name the broker knows, kept from before the task moved here (see make_print_file).
    name="results.tasks.refresh_standings",
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    # A database or Redis hiccup on race day: try again shortly; readers recompute meanwhile.
    autoretry_for=(DatabaseError, RedisError),
    max_retries=3,
    default_retry_delay=1,
    # Nobody waits for its result: asking for one would tie every split's request to the
    # result store, and a lost Redis would then hold each request for its reconnection tries.
    ignore_result=True,
)
def refresh_standings(race_id: int) -> int | None:
    """Recompute a race's cached standings; returns the version now cached."""
    # Cleared before computing: a change that lands during the computation schedules another.
    cache.delete(pending_key(race_id))
    if not Race.objects.filter(pk=race_id).exists():
        return None  # deleted since the change was made: nothing to show
    version = refresh(race_id).version
    # Robust: the standings are cached whatever a listener does; its failure is only logged.
    for receiver, outcome in standings_refreshed.send_robust(sender=Race, race_id=race_id, version=version):
        if isinstance(outcome, Exception):
            logger.error("After the standings of race %s: %s failed: %r", race_id, receiver, outcome)
    return version


def schedule_refresh(race_id: int) -> None:
    """After a committed change: one debounced recompute for a burst of changes.

    The first change of a burst enqueues the task; the others find it pending and ride along.
    In the embedded mode (tasks run eagerly) the task runs here and now, without the countdown,
    and clears the pending mark before anything else: every change is computed at once.
    Without Redis (the cache adds nothing, the broker is gone) nothing is queued, and the split
    that was stored stays stored: its readers compute the standings from the database, as they
    do for every version the cache does not hold.
    """
    if not cache.add(pending_key(race_id), 1, timeout=60):
        return
    try:
        refresh_standings.apply_async(args=(race_id,), countdown=settings.TASUKI_STANDINGS_DEBOUNCE_SECONDS)
    except (BrokerUnreachable, RedisError) as error:
        cache.delete(pending_key(race_id))  # the next change tries again
        logger.warning(
            "The standings of race %s were not queued for a refresh (%s); readers compute them.",
            race_id,
            error,
        )
