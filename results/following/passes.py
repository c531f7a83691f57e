"""What a follower hears when their team passes a station: read from the fresh standings, worded
in the follower's language.

"Leg 2 → 3 at Relay 2: Aminah handed the tasuki to Kenji, 12th (3rd Mixed Senior), 1:02:31".
The places are the station places of rule 7 (overall, and within the team's category), the time
is the cumulative time there (rule 4), shown as the pages show it (rule 9).
"""

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from results.standings.display import format_duration
from results.standings.race_control import places_at
from results.standings.race_results import RaceResults, TeamResults

PassKind = Literal["handoff", "finish", "checkpoint"]


@dataclass(frozen=True)
class CourseStop:
    """A station after the start as a pass reads it: where it is on the course."""

    code: str
    name: str
    kind: PassKind
    #: The leg that ends here (a handoff or the finish) or runs through it (a checkpoint).
    leg: int


@dataclass(frozen=True)
class StationPass:
    """A team at a station, as the fresh standings have it."""

    stop: CourseStop
    runner: str | None
    #: Who took the tasuki (a handoff only).
    next_runner: str | None
    #: The next runner had already left at the carry-over start (rule 2): no tasuki handed over.
    kuriage: bool
    rank: int | None
    category_rank: int | None
    category_name: str
    cumulative_ms: int


def station_pass(
    results: RaceResults, team: TeamResults, stop: CourseStop, category_name: str
) -> StationPass:
    """The team's pass of `stop`; the team must have a time there."""
    split = team.at(stop.code)
    assert split.cumulative_ms is not None, "only a station the team has a time at is a pass"
    leg = team.leg(stop.leg)
    following = next((other for other in team.legs if other.number == stop.leg + 1), None)
    return StationPass(
        stop=stop,
        runner=leg.runner,
        next_runner=following.runner if stop.kind == "handoff" and following else None,
        kuriage=bool(stop.kind == "handoff" and following and following.kuriage),
        rank=split.rank,
        # Race control's own places: the same rule 7 within the category, one pass over the teams.
        category_rank=places_at(results, [(team.bib, stop.code)])[team.bib][1],
        category_name=category_name,
        cumulative_ms=split.cumulative_ms,
    )


def pass_text(station: StationPass) -> str:
    """The notification's words, in the active language."""
    stop = station.stop
    runner = station.runner or _("the runner")
    if stop.kind == "finish":
        what = _("Finish: %(runner)s brought the tasuki home") % {"runner": runner}
    elif stop.kind == "checkpoint":
        what = _("Leg %(leg)d at %(station)s: %(runner)s passed") % {
            "leg": stop.leg,
            "station": stop.name,
            "runner": runner,
        }
    else:
        words = {
            "leg": stop.leg,
            "next": stop.leg + 1,
            "station": stop.name,
            "runner": runner,
            "next_runner": station.next_runner or _("the next runner"),
        }
        if station.kuriage:
            what = (
                _(
                    "Leg %(leg)d → %(next)d at %(station)s: %(runner)s arrived after %(next_runner)s had left at the carry-over start"
                )
                % words
            )
        else:
            what = (
                _("Leg %(leg)d → %(next)d at %(station)s: %(runner)s handed the tasuki to %(next_runner)s")
                % words
            )
    time = format_duration(station.cumulative_ms)
    if station.rank is None:  # a team out of the ranking (DQ) still hears where it is
        return _("%(what)s, %(time)s") % {"what": what, "time": time}
    return _("%(what)s, %(place)s (%(category_place)s %(category)s), %(time)s") % {
        "what": what,
        "place": place(station.rank),
        "category_place": place(station.category_rank or station.rank),
        "category": station.category_name,
        "time": time,
    }


def place(rank: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…: English's endings; other languages word it."""
    if rank % 100 in (11, 12, 13) or rank % 10 not in (1, 2, 3):
        return pgettext("place", "%(place)dth") % {"place": rank}
    if rank % 10 == 1:
        return pgettext("place", "%(place)dst") % {"place": rank}
    if rank % 10 == 2:
        return pgettext("place", "%(place)dnd") % {"place": rank}
    return pgettext("place", "%(place)drd") % {"place": rank}
