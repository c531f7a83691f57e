"""Celery tasks of races: thin, they take ids and call a service."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from races.models import Race
from races.services import protests_until, race_official_when_window_ended


@shared_task(
    name="races.tasks.race_official_at_window_end",
    acks_late=True,
    # The database gone for a moment: try again; the pages' own check covers a task given up.
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=5,
    soft_time_limit=30,
    time_limit=60,
)
def race_official_at_window_end(race_id: int) -> bool:
    """At the protest window's end: the results become official unless a protest is pending
    (or the race was reopened, or made official already). True if they became official now."""
    race = Race.objects.filter(pk=race_id).first()
    return race is not None and race_official_when_window_ended(race=race)


def official_at_window_end_scheduled(race: Race) -> None:
    """After the commit of a close, ask a worker to look again when the protest window ends.

    Not in embedded mode: eager Celery runs a task with an `eta` at once, not at the eta. There
    (and whenever a worker misses it) the check where pages read the state does the same.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    ends, race_id = protests_until(race), race.pk
    if ends is None:
        return
    transaction.on_commit(
        lambda: race_official_at_window_end.apply_async(args=(race_id,), eta=ends), robust=True
    )
