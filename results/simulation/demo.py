"""The demo race `make run` serves: the ALEPS EKIDEN Half Marathon, simulated while it is live.

Everything here is plain data in the contract's file formats (docs/commands.md): the race JSON as
a dict, the entries CSV and the timing CSV as bytes, and the statuses an official would set. The
`load_demo` command hands them to the same services an organiser's files go through, so the demo
can never hold anything an organiser could not import.

It is the one simulation of results/simulation/race.py, seeded, so the same files come out every
time and loading them again changes nothing. Given a gun (`demo_race(gun=...)`), it is the whole
race from that gun, every read with its moment: `load_demo` stores those already past and
`simulate_demo` the others as the clock passes them (`reads_due`), so the race is live today. It shows what a race day really produces: chip
reads beside officials' tablet taps, a reader that re-sends its buffer, a chip read twice, a
reader that missed a team, teams carried over at a relay station (kuriage), teams that stop, and
teams still out on the course.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from results.simulation.course import open_categories
from results.simulation.race import START_TIME, TIMEZONE, SimulatedRace, race_payload, simulate_race
from results.simulation.race_day import Fate, StatusDecision

DEMO_SLUG = "aleps-demo"
DEMO_SEED = 20251123
#: The demo's field: the count `load_demo` says it loads, and the tests and benchmarks count on.
DEMO_TEAMS = 300
DEMO_LEGS = 4

#: One of each decision an official takes (withdrawn, disqualified, given up), a team that never
#: showed up, and three that stopped on the course with no word yet.
DEMO_FATES = (
    Fate.DISQUALIFIED_FIRST,
    Fate.WITHDRAWN,
    Fate.NEVER_SEEN,
    Fate.GAVE_UP,
    Fate.STOPPED,
    Fate.STOPPED,
    Fate.STOPPED,
)
#: A reader misses a team now and then: a handful of splits the standings must bridge.
DEMO_MISSED_SHARE = 0.01
#: 'Now': most teams are home, the last ones still on the road.
DEMO_HOME_SHARE = 0.95


#: The live demo: loaded, it has been running this long (the teams on their second or third leg).
LIVE_FOR = timedelta(hours=1)
#: The finished demo's gun, on the morning of today or, before the race is over, of yesterday.
FINISHED_GUN = START_TIME
ZONE = ZoneInfo(TIMEZONE)


def demo_payload(gun: datetime | None = None) -> dict:
    """The race as `import_race` reads it; dated and timed by `gun` if given."""
    payload = race_payload(
        slug=DEMO_SLUG,
        name="ALEPS EKIDEN Half Marathon (demo)",
        place="Putrajaya, Malaysia",
        legs=DEMO_LEGS,
        checkpoints=1,
        categories=open_categories(DEMO_LEGS),
    )
    if gun is not None:
        local = gun.astimezone(ZONE)
        payload["date"] = local.date().isoformat()
        payload["start_time"] = local.time().isoformat()
    return payload


def demo_race(
    *, teams: int = DEMO_TEAMS, seed: int = DEMO_SEED, gun: datetime | None = None
) -> SimulatedRace:
    """The whole demo, the same every time for the same seed (and gun).

    Without a gun: the race of 23 November 2025 as written down near its end, most teams home.
    With one: the whole race from that gun, to be stored as the clock passes each read.
    """
    return simulate_race(
        seed=seed,
        teams=teams,
        legs=DEMO_LEGS,
        payload=demo_payload(gun),
        categories=open_categories(DEMO_LEGS),
        fates=DEMO_FATES,
        missed_share=DEMO_MISSED_SHARE,
        home_share=DEMO_HOME_SHARE if gun is None else None,
    )


def live_gun(now: datetime) -> datetime:
    """The live demo's gun: about an hour before `now` (to the minute), in the race's zone, and
    today there: just after midnight the race has run only since midnight."""
    local = now.astimezone(ZONE)
    midnight = datetime.combine(local.date(), time(0), tzinfo=ZONE)
    return max(midnight, (local - LIVE_FOR).replace(second=0, microsecond=0))


def finished_gun(now: datetime, demo: SimulatedRace) -> datetime:
    """The finished demo's gun: this morning's, if every read of the race is past by `now`,
    else yesterday morning's. `demo`: the race simulated from any gun, for its length."""
    length = last_read_at(demo) - demo_gun(demo)
    today = now.astimezone(ZONE).date()
    gun = datetime.combine(today, FINISHED_GUN, tzinfo=ZONE)
    return gun if gun + length <= now else gun - timedelta(days=1)


def demo_gun(demo: SimulatedRace) -> datetime:
    payload = demo.payload
    return datetime.combine(
        date.fromisoformat(payload["date"]), time.fromisoformat(payload["start_time"]), tzinfo=ZONE
    )


def read_at(row: dict, race_date: date) -> datetime:
    """When a timing row was read: its time as `import_timing` reads it (a time of day is on
    the race date, in the race's zone)."""
    text = row["time"]
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return datetime.combine(race_date, time.fromisoformat(text), tzinfo=ZONE)


def last_read_at(demo: SimulatedRace) -> datetime:
    race_date = demo_gun(demo).date()
    return max(read_at(row, race_date) for row in demo.timing)


def reads_due(demo: SimulatedRace, *, until: datetime, after: datetime | None = None) -> list[dict]:
    """The timing rows read after `after` (None: since the gun) and by `until`, in file order."""
    race_date = demo_gun(demo).date()
    return [
        row
        for row in demo.timing
        if read_at(row, race_date) <= until and (after is None or read_at(row, race_date) > after)
    ]


def statuses_due(demo: SimulatedRace, *, until: datetime) -> Iterator[StatusDecision]:
    """The officials' decisions taken by `until`: a withdrawal or a disqualification at once, a
    team given up once its last read is past (an official hears of it then)."""
    teams = _team_of_every_bib(demo)
    race_date = demo_gun(demo).date()
    last: dict[str, datetime] = {}
    for row in demo.timing:
        bib, at = teams[row["bib"]], read_at(row, race_date)
        last[bib] = max(last.get(bib, at), at)
    for decision in demo.statuses:
        if decision.status != "DNF" or last.get(decision.bib, until) <= until:
            yield decision


def _team_of_every_bib(demo: SimulatedRace) -> dict[str, str]:
    """Team bib by every bib a read may carry: the team's, a runner's, a chip's."""
    teams = {}
    for row in demo.entries:
        for bib in (row["team_bib"], row["runner_bib"], row["chip_id"]):
            if bib:
                teams[bib] = row["team_bib"]
    return teams
