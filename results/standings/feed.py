"""What feeds the standings engine: the race and its reads from the database, handed to the pure
engine, and its standings with the names the database holds, as the typed results."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from django.db import connection
from django.db.models import BigIntegerField, Func, QuerySet

from races.models import Race
from results.standings import engine as standings
from results.standings.race_results import RaceResults, race_results_of
from results.timing.models import TimingRecord
from results.timing.race_time import epoch_ms


def course_of(race: Race) -> standings.Course:
    stations = race.course
    specs = []
    for station in stations:
        minutes = station.kuriage_minutes if station.kuriage_minutes is not None else race.kuriage_minutes
        specs.append(
            standings.StationSpec(
                code=station.code,
                handoff=station.code in race.handoff_codes,
                cutoff_ms=None if minutes is None else minutes * 60_000,
            )
        )
    return standings.Course(gun_ms=epoch_ms(race.gun), stations=tuple(specs), closed=race.is_closed)


class EpochMs(Func):
    """A timestamp as integer epoch milliseconds, computed by PostgreSQL: 170,000 splits of a
    big race then arrive as plain integers instead of datetimes to convert one by one."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # Times are stored to the millisecond, so the product is a whole number.
        template = "(extract(epoch from %(expressions)s) * 1000)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def records_in_ms(records: QuerySet[TimingRecord], last: str) -> Iterable[tuple[int, int, int, object]]:
    """(team id, station id, time in epoch ms, the field `last`) of each record: the epoch
    milliseconds computed by PostgreSQL where it can, converted here elsewhere."""
    records = records.order_by()
    if connection.vendor == "postgresql":
        return records.values_list("team_id", "station_id", EpochMs("at"), last)
    return (
        (team, station, epoch_ms(at), value)
        for team, station, at, value in records.values_list("team_id", "station_id", "at", last)
    )


def team_entries(race: Race) -> list[standings.TeamEntry]:
    codes = {s.pk: s.code for s in race.course}
    splits: dict[int, list[standings.Split]] = defaultdict(list)
    for team_id, station_id, at_ms, voided in records_in_ms(
        TimingRecord.objects.filter(race_id=race.pk), "voided"
    ):
        splits[team_id].append(standings.Split(codes[station_id], at_ms, voided))
    return [
        standings.TeamEntry(
            key=pk, bib=bib, category=category, official_status=status or None, splits=tuple(splits[pk])
        )
        for pk, bib, category, status in race.teams.order_by().values_list(
            "pk", "bib", "category__code", "official_status"
        )
    ]


def compute_results(race: Race) -> RaceResults:
    """The race's typed results, computed from the database now."""
    result = standings.compute_standings(course_of(race), team_entries(race))
    names = dict(race.teams.order_by().values_list("pk", "name"))
    runners: dict[int, dict[int, str]] = defaultdict(dict)
    for team_id, leg, name in race.runners.order_by().values_list("team_id", "leg", "name"):
        runners[team_id][leg] = name
    return race_results_of(
        race.slug, [s.code for s in race.course], result.teams, names=names, runners=runners
    )


def teams_still_out(race: Race) -> int:
    """How many teams closing the race makes DNF: those the engine has running while it is open
    (a record, no finish, no official's status; rule 6). Read from the database, not the cache,
    so a count taken under the race's lock is exact."""
    course = replace(course_of(race), closed=False)
    result = standings.compute_standings(course, team_entries(race))
    return sum(1 for team in result.teams if team.status is standings.Status.RUN)
