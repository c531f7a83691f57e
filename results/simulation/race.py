"""A whole simulated race: the race file, the entries, the timing reads and the officials' statuses.

`simulate_race` draws the teams, runs the day and writes it down the way organisers and timing
devices would (docs/commands.md). The same seed gives the same race, and the module `random`'s
own state is left alone. By default the race holds every case the standings rules cover (the
tests check the engine against a literal reading of the rules on it); the demo race
(results/simulation/demo.py) is the same simulation with a gentler mix.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from results.simulation import files
from results.simulation.course import KURIAGE_MINUTES, Category, every_rule_categories, stations
from results.simulation.race_day import Course, Fate, StatusDecision, race_day, status_decisions
from results.simulation.teams import draw_teams

RACE_DATE = date(2025, 11, 23)
TIMEZONE = "Asia/Kuala_Lumpur"
START_TIME = time(6, 30)

#: How often a station records nothing of a team (the finish less often), in a race that should
#: show every case.
MISSED_SHARE = 0.03
#: Beyond one of each, the share of the teams picked for each fate.
FATE_SHARES = {
    Fate.SLOW: 0.03,
    Fate.DISQUALIFIED: 0.01,
    Fate.WITHDRAWN: 0.005,
    Fate.NEVER_SEEN: 0.005,
    Fate.GAVE_UP: 0.005,
    Fate.STOPPED: 0.02,
    Fate.TWIN: 0.01,
}


@dataclass(frozen=True)
class SimulatedRace:
    #: The `import_race` document.
    payload: dict
    #: `import_entries` rows: team_bib, team_name, category, leg, runner_name, gender, birth_date,
    #: club, runner_bib, chip_id, nationality.
    entries: list[dict]
    #: `import_timing` rows: bib, station, time, source, read_id.
    timing: list[dict]
    #: One `set_team_status` each.
    statuses: list[StatusDecision]
    #: What each team was picked for, so a test or a curious organiser can find them.
    fates: dict[str, Fate] = field(default_factory=dict)

    @property
    def entries_csv(self) -> bytes:
        return files.entries_csv(self.entries)

    @property
    def timing_csv(self) -> bytes:
        return files.timing_csv(self.timing)


def every_case_fates(teams: int) -> list[Fate]:
    """Each fate once (the slow ones three times, so that two are carried over at one station, and
    the twins twice), then a sprinkle in proportion to the field."""
    fates = [Fate.SLOW] * 3 + [Fate.DISQUALIFIED_FIRST, Fate.DISQUALIFIED, Fate.WITHDRAWN, Fate.NEVER_SEEN]
    fates += [Fate.GAVE_UP, Fate.STOPPED, Fate.TWIN, Fate.TWIN]
    for fate, share in FATE_SHARES.items():
        fates += [fate] * int(teams * share)
    return fates


def race_payload(
    *, slug: str, name: str, legs: int, checkpoints: int, categories: Sequence[Category], place: str = ""
) -> dict:
    """The race file; `place` is an optional extension of it (docs/commands.md)."""
    return {
        "slug": slug,
        "name": name,
        **({"place": place} if place else {}),
        "date": RACE_DATE.isoformat(),
        "timezone": TIMEZONE,
        "start_time": START_TIME.isoformat(),
        "kuriage_minutes": KURIAGE_MINUTES,
        "stations": stations(legs, checkpoints),
        "categories": [category.as_race_file() for category in categories],
    }


def simulate_race(
    *,
    seed: int,
    teams: int,
    legs: int = 4,
    checkpoints: int = 1,
    slug: str = "simulated",
    payload: dict | None = None,
    categories: Sequence[Category] | None = None,
    fates: Sequence[Fate] | None = None,
    missed_share: float = MISSED_SHARE,
    home_share: float | None = None,
) -> SimulatedRace:
    """`teams` teams over `legs` legs (and `checkpoints` timing-only stations), seeded.

    `payload`: the race file, if not the one made from the legs and checkpoints; `fates`: the
    teams picked for a special fate (by default every case, see `every_case_fates`);
    `home_share`: the share of the finishers home when the files are written (by default the
    race is over, bar the teams that stopped).
    """
    if legs < 1 or teams < 0 or checkpoints < 0:
        raise ValueError("A simulated race needs at least one leg and no negative counts.")
    rng = random.Random(seed)
    categories = categories or every_rule_categories(legs)
    if payload is None:
        name = f"Simulated Ekiden {seed}"
        payload = race_payload(
            slug=slug, name=name, legs=legs, checkpoints=checkpoints, categories=categories
        )
    race_date = date.fromisoformat(payload["date"])
    drawn = draw_teams(rng, count=teams, legs=legs, categories=categories, race_date=race_date)
    course = Course.of(payload)
    fates = every_case_fates(teams) if fates is None else fates
    day = race_day(rng, drawn, course, fates, missed_share=missed_share, home_share=home_share)
    codes = [station["code"] for station in payload["stations"]]
    gun = datetime.combine(
        race_date, time.fromisoformat(payload["start_time"]), tzinfo=ZoneInfo(payload["timezone"])
    )
    return SimulatedRace(
        payload=payload,
        entries=files.entry_rows(drawn),
        timing=files.timing_rows(rng, drawn, day, codes=codes, gun=gun),
        statuses=status_decisions(day, course, codes),
        fates=day.fates,
    )
