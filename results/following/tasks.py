"""Celery tasks of following: thin, they take ids and call announcing and delivery.

`announce_passes` runs after each refresh of a race's standings (results/receivers.py), so the
places it words are those just computed; it hands each follower's message to a task of its own,
so one slow push service holds up nobody else's.
"""

import logging

from celery import shared_task
from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import RedisError
from requests import RequestException

from results.following.announcing import announcements_after_refresh
from results.following.delivery import PushFailed, email_deliver, push_deliver

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(DatabaseError, RedisError),
    max_retries=3,
    default_retry_delay=1,
    ignore_result=True,
)
def announce_passes(race_id: int) -> int:
    """Hand every new pass of the race's followed teams to its followers; how many messages."""
    announcements = announcements_after_refresh(race_id)
    for announcement in announcements:
        deliver = deliver_push if announcement.kind == "push" else deliver_email
        try:
            deliver.delay(announcement.subscription_id, announcement.text)
        except Exception:
            # One follower's failure (in the embedded mode the delivery runs here and now, its
            # retries spent) must not keep the pass from the team's other followers.
            logger.exception(
                "A pass of race %s was not sent to %s follower %s.",
                race_id,
                announcement.kind,
                announcement.subscription_id,
            )
    return len(announcements)


@shared_task(
    acks_late=True,
    soft_time_limit=30,
    time_limit=45,
    # A push service down for a moment, or the network: a pass is news for minutes, not hours.
    autoretry_for=(PushFailed, RequestException, DatabaseError),
    max_retries=3,
    retry_backoff=2,
    ignore_result=True,
)
def deliver_push(subscription_id: int, text: str) -> str:
    return push_deliver(subscription_id=subscription_id, text=text)


@shared_task(
    acks_late=True,
    soft_time_limit=30,
    time_limit=45,
    autoretry_for=(OSError, DatabaseError),
    max_retries=3,
    retry_backoff=5,
    ignore_result=True,
)
def deliver_email(subscription_id: int, text: str) -> str:
    return email_deliver(subscription_id=subscription_id, text=text)


def announce_after_refresh(race_id: int) -> None:
    """On `standings_refreshed`: queue the announcements. Without a broker nothing is queued
    (logged): the passes stay unannounced until a later refresh finds them."""
    try:
        announce_passes.delay(race_id)
    except (BrokerUnreachable, RedisError) as error:
        logger.warning("The passes of race %s were not announced to followers (%s).", race_id, error)
