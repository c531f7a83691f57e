"""What a race's public pages depend on besides their URL: the validator of ekiden.page_cache."""

import hashlib

from django.db import connection
from django.utils import timezone

from ekiden import plain_sql
from races.models import Race

RACE_STATE_FIELDS = (
    "id",
    "standings_version",
    "is_closed",
    "official_at",
    "registration_open",
    "registration_closes_at",
    "date",
    "start_time",
    "timezone",
)
RACE_STATE_SQL = "SELECT {columns} FROM {table} WHERE {slug} = %s".format(
    columns=plain_sql.columns(Race, list(RACE_STATE_FIELDS), Race._meta.db_table),
    table=Race._meta.db_table,
    slug=Race._meta.get_field("slug").column,
)


def race_for_state(slug: str) -> Race | None:
    """The race's fields its pages' state is made of, in one small query; None: no such race."""
    # Plain SQL: on a polled page the ORM's building of this one query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(RACE_STATE_SQL, [slug])
        row = cursor.fetchone()
    return None if row is None else plain_sql.instance(Race, list(RACE_STATE_FIELDS), row)


def state_of(race: Race) -> str:
    """What a race's pages depend on besides the URL.

    The version covers every change of teams, splits and statuses; the results state (an upcoming
    race's start list becomes the live standings at the gun) and the registration link (it goes
    at the deadline or the gun) also depend on the clock, so they are part of it.
    """
    now = timezone.now()
    return f"{race.standings_version}.{race.results_state(now)}.{int(race.registration_is_open(now))}"


def race_state(request, slug: str, **kwargs) -> str | None:
    """`state_of` the race of the URL; None: no such race."""
    race = race_for_state(slug)
    return None if race is None else state_of(race)


def races_state(request, **kwargs) -> str:
    """The race list depends on every race's version and on which of live, upcoming and past
    each race is now (which the clock changes at midnight in the race's zone)."""
    now = timezone.now()
    parts = [
        f"{race.pk}:{race.standings_version}:{race.schedule(now)}:{int(race.registration_is_open(now))}"
        for race in Race.objects.only(*RACE_STATE_FIELDS).order_by("pk")
    ]
    return hashlib.blake2b(",".join(parts).encode(), digest_size=8).hexdigest()
