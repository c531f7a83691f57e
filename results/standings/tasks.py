"""Celery tasks of the standings: thin, they take ids and call the cache."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from redis.exceptions import RedisError

from races.models import Race
from results.standings.cache import pending_key, refresh


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
)
def refresh_standings(race_id: int) -> int | None:
    """Recompute a race's cached standings; returns the version now cached."""
    # Cleared before computing: a change that lands during the computation schedules another.
    cache.delete(pending_key(race_id))
    if not Race.objects.filter(pk=race_id).exists():
        return None  # deleted since the change was made: nothing to show
    return refresh(race_id).version


def schedule_refresh(race_id: int) -> None:
    """After a committed change: one debounced recompute for a burst of changes.

    The first change of a burst enqueues the task; the others find it pending and ride along.
    In the embedded mode (tasks run eagerly) the task runs here and now, without the countdown,
    and clears the pending mark before anything else: every change is computed at once.
    """
    if cache.add(pending_key(race_id), 1, timeout=60):
        refresh_standings.apply_async(args=(race_id,), countdown=settings.TASUKI_STANDINGS_DEBOUNCE_SECONDS)
