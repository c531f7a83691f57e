"""The demo race `make run` serves: the ALEPS EKIDEN Half Marathon, simulated while it is live.

Everything here is plain data in the contract's file formats (docs/commands.md): the race JSON as
a dict, the entries CSV and the timing CSV as bytes, and the statuses an official would set. The
`load_demo` command hands them to the same services an organiser's files go through, so the demo
can never hold anything an organiser could not import.

It is the one simulation of results/simulation/race.py, seeded, so the same files come out every
time and loading them again changes nothing. It shows what a race day really produces: chip
reads beside officials' tablet taps, a reader that re-sends its buffer, a chip read twice, a
reader that missed a team, teams carried over at a relay station (kuriage), teams that stop, and
teams still out on the course.
"""

from results.simulation.course import open_categories
from results.simulation.race import SimulatedRace, race_payload, simulate_race
from results.simulation.race_day import Fate

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


def demo_payload() -> dict:
    """The race as `import_race` reads it."""
    return race_payload(
        slug=DEMO_SLUG,
        name="ALEPS EKIDEN Half Marathon (demo)",
        place="Putrajaya, Malaysia",
        legs=DEMO_LEGS,
        checkpoints=1,
        categories=open_categories(DEMO_LEGS),
    )


def demo_race(*, teams: int = DEMO_TEAMS, seed: int = DEMO_SEED) -> SimulatedRace:
    """The whole demo, the same every time for the same seed."""
    return simulate_race(
        seed=seed,
        teams=teams,
        legs=DEMO_LEGS,
        payload=demo_payload(),
        categories=open_categories(DEMO_LEGS),
        fates=DEMO_FATES,
        missed_share=DEMO_MISSED_SHARE,
        home_share=DEMO_HOME_SHARE,
    )
