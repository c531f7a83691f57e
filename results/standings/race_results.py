"""The race's results as every reader takes them: typed, read-only, teams in listing order.

Built once per standings version (results/standings/feed.py) from the engine's standings and the
names the database holds, kept in the cache (results/standings/cache.py), and read by the pages,
tables, filters, search, team progress, PDFs and certificates. The contract's export document
(docs/commands.md, export_results) is made from it at the edges only, by
results/publishing/exports.py.

Pure, like the engine: plain data, no ORM, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import islice
from operator import attrgetter

from results.standings.engine import StationResult, Status, TeamStanding, build_frozen, without_cyclic_gc


@dataclass(frozen=True, slots=True)
class RunnerLeg:
    """One leg of a team: who ran it and how it went."""

    number: int
    #: The runner registered for the leg; None if the team named nobody.
    runner: str | None
    time_ms: int | None
    #: Place on the leg (rule 7): None for DQ and DNS teams, or while the time is unknown.
    rank: int | None
    #: The leg started at the carry-over time, not at the tasuki handoff (rule 2).
    kuriage: bool


@dataclass(frozen=True, slots=True)
class TeamResults:
    bib: str
    name: str
    #: The category's code.
    category: str
    status: Status
    total_ms: int | None
    #: Overall and category places: finishers only (rule 7).
    rank: int | None
    category_rank: int | None
    #: One per leg, in leg order.
    legs: tuple[RunnerLeg, ...]
    #: One per station after the start, in course order, checkpoints included.
    stations: tuple[StationResult, ...]

    @property
    def finished(self) -> bool:
        return self.status is Status.FIN

    @property
    def has_kuriage(self) -> bool:
        """Whether a leg of the team started at the carry-over time."""
        return any(leg.kuriage for leg in self.legs)

    def leg(self, number: int) -> RunnerLeg:
        return next(leg for leg in self.legs if leg.number == number)

    def at(self, station: str) -> StationResult:
        """The team's time and place at a station after the start."""
        return next(split for split in self.stations if split.station == station)


@dataclass(frozen=True, slots=True)
class RaceResults:
    #: The race's slug.
    race: str
    #: Station codes in course order, the start included.
    stations: tuple[str, ...]
    #: Every team, in listing order (rule 8).
    teams: tuple[TeamResults, ...]

    def team(self, bib: str) -> TeamResults | None:
        return next((team for team in self.teams if team.bib == bib), None)

    @property
    def finishers(self) -> list[TeamResults]:
        return [team for team in self.teams if team.finished]

    def __reduce__(self):
        # Pickled as columns of plain values and rebuilt at C speed: a 25,000-team race has some
        # 275,000 result objects, and every web process unpickles the results of each new
        # version; one by one, that took longer than the export dicts this replaced.
        teams = self.teams
        legs = [leg for team in teams for leg in team.legs]
        splits = [split for team in teams for split in team.stations]
        return (
            _from_columns,
            (
                self.race,
                self.stations,
                _columns(TeamResults, teams, leaving_out=("legs", "stations")),
                [len(team.legs) for team in teams],
                _columns(RunnerLeg, legs),
                [len(team.stations) for team in teams],
                _columns(StationResult, splits),
            ),
        )


def race_results_of(
    race: str,
    stations: Sequence[str],
    standings: Sequence[TeamStanding],
    *,
    names: Mapping[int, str],
    runners: Mapping[int, Mapping[int, str]],
) -> RaceResults:
    """The typed results: the engine's standings (in listing order), with the teams' names and
    their runners' names by leg, both by the team's key."""
    with without_cyclic_gc():
        no_runners: Mapping[int, str] = {}
        legs = [leg for team in standings for leg in team.legs]
        runner_legs = build_frozen(
            RunnerLeg,
            len(legs),
            number=[leg.leg for leg in legs],
            runner=[
                runners.get(team.key, no_runners).get(leg.leg) for team in standings for leg in team.legs
            ],
            time_ms=map(attrgetter("time_ms"), legs),
            rank=map(attrgetter("rank"), legs),
            kuriage=map(attrgetter("kuriage"), legs),
        )
        teams = build_frozen(
            TeamResults,
            len(standings),
            bib=map(attrgetter("bib"), standings),
            name=[names[team.key] for team in standings],
            category=map(attrgetter("category"), standings),
            status=map(attrgetter("status"), standings),
            total_ms=map(attrgetter("total_ms"), standings),
            rank=map(attrgetter("rank"), standings),
            category_rank=map(attrgetter("category_rank"), standings),
            legs=_grouped(runner_legs, [len(team.legs) for team in standings]),
            # The engine's own station results: the same fields, nothing to add.
            stations=map(attrgetter("stations"), standings),
        )
        return RaceResults(race=race, stations=tuple(stations), teams=tuple(teams))


def _columns(cls: type, items: list, leaving_out: tuple[str, ...] = ()) -> dict[str, list]:
    return {
        field.name: list(map(attrgetter(field.name), items))
        for field in fields(cls)
        if field.name not in leaving_out
    }


def _grouped(items: list, sizes: Iterable[int]) -> list[tuple]:
    """`items` cut into consecutive tuples of the given sizes."""
    remaining = iter(items)
    return [tuple(islice(remaining, size)) for size in sizes]


def _from_columns(
    race: str,
    stations: tuple[str, ...],
    team_columns: dict[str, list],
    legs_per_team: list[int],
    leg_columns: dict[str, list],
    stations_per_team: list[int],
    station_columns: dict[str, list],
) -> RaceResults:
    """`RaceResults.__reduce__` undone."""
    with without_cyclic_gc():
        legs = build_frozen(RunnerLeg, len(leg_columns["number"]), **leg_columns)
        splits = build_frozen(StationResult, len(station_columns["station"]), **station_columns)
        teams = build_frozen(
            TeamResults,
            len(legs_per_team),
            **team_columns,
            legs=_grouped(legs, legs_per_team),
            stations=_grouped(splits, stations_per_team),
        )
        return RaceResults(race=race, stations=stations, teams=tuple(teams))
