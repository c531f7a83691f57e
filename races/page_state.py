"""What a race's public pages depend on besides their URL: the validator of ekiden.page_cache."""

import hashlib

from django.db import connection
from django.utils import timezone

from ekiden import plain_sql
from races.models import Race, ResultsState
from races.services.results_states import official_is_due, race_official_when_window_ended

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
    "closed_at",
    "official_at",
    "protest_window_minutes",
)
RACE_STATE_SQL = "SELECT {columns} FROM {table} WHERE {slug} = %s".format(
    columns=plain_sql.columns(Race, list(RACE_STATE_FIELDS), Race._meta.db_table),
    table=Race._meta.db_table,
    slug=Race._meta.get_field("slug").column,
)


def race_for_state(slug: str) -> Race | None:
    """The race's fields its pages' state is made of, in one small query; None: no such race.

    A provisional race whose protest window has ended is made official first (if no protest is
    pending), so the first page read after the window's end already says so
    (docs/decisions/results-states.md).
    """
    race = _race_row(slug)
    if race is not None and official_is_due(race, timezone.now()):
        race_official_when_window_ended(race=race)
        race = _race_row(slug)  # its new version
    return race


def _race_row(slug: str) -> Race | None:
    # Plain SQL: on a polled page the ORM's building of this one query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(RACE_STATE_SQL, [slug])
        row = cursor.fetchone()
    return None if row is None else plain_sql.instance(Race, list(RACE_STATE_FIELDS), row)


def state_of(race: Race) -> str:
    """What a race's pages depend on besides the URL.

    The version covers every change of teams, splits, statuses and results state; the registration
    link and the upcoming/live state also depend on the clock (the deadline, the gun), so they are
    part of it.
    """
    now = timezone.now()
    # The results state too: the gun makes an upcoming race live by the clock alone.
    return f"{race.standings_version}.{int(race.registration_is_open(now))}.{race.results_state(now).value}"


def race_state(request, slug: str, **kwargs) -> str | None:
    """`state_of` the race of the URL; None: no such race."""
    race = race_for_state(slug)
    return None if race is None else state_of(race)


def team_state(request, slug: str, **kwargs) -> str | None:
    """A team page's state: the race's, and while the race is live the minute too, as its
    forecast ("expected at R3 about 08:12") turns to "not recorded there yet" by the clock."""
    race = race_for_state(slug)
    if race is None:
        return None
    now = timezone.now()
    live = race.results_state(now) == ResultsState.LIVE
    return f"{state_of(race)}.{now:%Y%m%d%H%M}" if live else state_of(race)


def races_state(request, **kwargs) -> str:
    """The race list depends on every race's version and on which of live, upcoming and past
    each race is now (which the clock changes at midnight in the race's zone)."""
    now = timezone.now()
    parts = [
        f"{race.pk}:{race.standings_version}:{race.schedule(now)}:{int(race.registration_is_open(now))}"
        for race in Race.objects.only(*RACE_STATE_FIELDS).order_by("pk")
    ]
    return hashlib.blake2b(",".join(parts).encode(), digest_size=8).hexdigest()
