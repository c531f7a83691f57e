"""A leg's places within a category, and the leg's honours: the day's fastest (区間賞) overall and
per category, and a new leg or course record (区間新) against the records the race file gives.

Written once for the team page, the results book and the certificates. Pure, like the engine:
the typed results in, plain values out; no ORM, no clock.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from results.standings.race_results import RaceResults, TeamResults


@dataclass(frozen=True)
class Record:
    """A record as the race file gives it (docs/commands.md, import_race: "records")."""

    time_ms: int
    runner: str = ""
    team: str = ""
    year: int | None = None


@dataclass(frozen=True)
class CourseRecords:
    #: By leg number.
    legs: Mapping[int, Record] = field(default_factory=dict)
    #: The whole course's (a team's total).
    course: Record | None = None

    @classmethod
    def from_stored(cls, stored: Mapping | None) -> "CourseRecords":
        """From `Race.records` (the race file's records, times in milliseconds)."""
        stored = stored or {}
        legs = {int(item["leg"]): _record(item) for item in stored.get("legs", ())}
        course = stored.get("course")
        return cls(legs=legs, course=_record(course) if course else None)


def _record(item: Mapping) -> Record:
    return Record(item["time_ms"], item.get("runner", ""), item.get("team", ""), item.get("year"))


def category_leg_places(teams: Iterable[TeamResults]) -> dict[tuple[str, int], int]:
    """Each leg place among `teams` (one category's), by (bib, leg number).

    The rule of the leg place (rule 7): only a leg with a place counts (not DQ or DNS, time
    known); equal times share the best place and the next one is skipped.
    """
    timed: dict[int, list[tuple[int, str]]] = {}
    for team in teams:
        for leg in team.legs:
            if leg.rank is not None and leg.time_ms is not None:
                timed.setdefault(leg.number, []).append((leg.time_ms, team.bib))
    places: dict[tuple[str, int], int] = {}
    for number, times in timed.items():
        times.sort()
        for i, (time_ms, bib) in enumerate(times):
            shared = i > 0 and times[i - 1][0] == time_ms
            places[(bib, number)] = places[(times[i - 1][1], number)] if shared else i + 1
    return places


def category_leg_places_of(results: RaceResults) -> dict[tuple[str, int], int]:
    """Every team's leg places within its own category, by (bib, leg number): the export's leg
    `category_rank`, the book's and the certificates' category leg places."""
    by_category: dict[str, list[TeamResults]] = {}
    for team in results.teams:
        by_category.setdefault(team.category, []).append(team)
    places: dict[tuple[str, int], int] = {}
    for teams in by_category.values():
        places.update(category_leg_places(teams))
    return places


@dataclass(frozen=True)
class LegHonours:
    """Who won which leg on the day, and which legs (and totals) beat the record."""

    #: The day's best time on each leg, among the legs with a place.
    fastest: Mapping[int, int]
    #: The same within each category: (category, leg) -> time.
    fastest_in_category: Mapping[tuple[str, int], int]
    records: CourseRecords

    def leg_winner(self, team: TeamResults, number: int) -> bool:
        """区間賞: the day's fastest on the leg (equal times share it)."""
        return self._best(team, number, self.fastest.get(number))

    def category_leg_winner(self, team: TeamResults, number: int) -> bool:
        return self._best(team, number, self.fastest_in_category.get((team.category, number)))

    def new_leg_record(self, team: TeamResults, number: int) -> bool:
        """区間新: faster than the leg's record (a record equalled is not a new one)."""
        record = self.records.legs.get(number)
        leg = team.leg(number)
        return record is not None and _placed(leg) and leg.time_ms < record.time_ms

    def new_course_record(self, team: TeamResults) -> bool:
        record = self.records.course
        return (
            record is not None
            and team.finished
            and team.total_ms is not None
            and team.total_ms < record.time_ms
        )

    @staticmethod
    def _best(team: TeamResults, number: int, best: int | None) -> bool:
        leg = team.leg(number)
        return best is not None and _placed(leg) and leg.time_ms == best


def _placed(leg) -> bool:
    return leg.rank is not None and leg.time_ms is not None


def leg_honours(teams: Iterable[TeamResults], records: CourseRecords | None = None) -> LegHonours:
    fastest: dict[int, int] = {}
    in_category: dict[tuple[str, int], int] = {}
    for team in teams:
        for leg in team.legs:
            if not _placed(leg):
                continue
            if leg.time_ms < fastest.get(leg.number, leg.time_ms + 1):
                fastest[leg.number] = leg.time_ms
            key = (team.category, leg.number)
            if leg.time_ms < in_category.get(key, leg.time_ms + 1):
                in_category[key] = leg.time_ms
    return LegHonours(fastest, in_category, records or CourseRecords())
