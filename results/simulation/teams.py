"""The teams of a simulated race: who runs which leg for which club, each eligible for its category.

A team is drawn for a category, then its runners by the category's rules (how many women and
men, the youngest age, the oldest, the sum of the ages), their names from the communities the
club draws on, and the pace each runs on race day around the team's own.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from results.simulation.course import Category
from results.simulation.names import CLUBS, COMMUNITIES, FRIENDS_COMMUNITIES, FRIENDS_TEAMS, visitor_name

FIRST_BIB = 101

#: Team mean pace in seconds per km: (fastest, slowest, most common), per category.
TEAM_PACE = {
    "MO": (245, 320, 266),
    "MX": (252, 332, 280),
    "WO": (260, 338, 288),
    "MXS": (266, 344, 294),
}
OTHER_TEAM_PACE = (252, 340, 284)
#: Some teams come for the fun and the food: these carry the tasuki at 6:00 to 7:00 min/km.
FUN_TEAM_SHARE, FUN_TEAM_PACE = 0.06, (360, 420)
FASTEST_PACE, SLOWEST_PACE = 240, 450  # 4:00 to 7:30 min/km
#: Teams of friends: no club, a name of their own.
FRIENDS_SHARE = 0.07
#: Runners from further away, in any club.
VISITOR_SHARE = 0.02
# random.choices adds the weights up on every call: for 25,000 teams, once is enough.
CLUB_TOTALS = tuple(accumulate(entries for _club, entries, _communities in CLUBS))
COMMUNITY_NAMES = tuple(COMMUNITIES)


@dataclass
class SimulatedRunner:
    leg: int
    name: str
    gender: str
    birth_date: date
    club: str
    runner_bib: str
    chip_id: str
    nationality: str
    pace: float  # seconds per km on race day


@dataclass
class SimulatedTeam:
    bib: str
    name: str
    category: str
    ability: float  # the team's mean pace, seconds per km
    runners: list[SimulatedRunner] = field(default_factory=list)


@dataclass
class _Draw:
    """What drawing the teams one after another keeps track of."""

    rng: random.Random
    legs: int
    race_date: date
    friends: list[str]
    per_club: dict[str, int] = field(default_factory=dict)
    chips: set[str] = field(default_factory=set)


def draw_teams(
    rng: random.Random, *, count: int, legs: int, categories: Sequence[Category], race_date: date
) -> list[SimulatedTeam]:
    """`count` teams, bibs from 101, each eligible for its category on `race_date`."""
    friends = list(FRIENDS_TEAMS)
    rng.shuffle(friends)
    draw = _Draw(rng, legs, race_date, friends)
    totals = list(accumulate(category.share for category in categories))
    return [
        _team(draw, str(FIRST_BIB + i), rng.choices(categories, cum_weights=totals)[0]) for i in range(count)
    ]


def _team(draw: _Draw, bib: str, category: Category) -> SimulatedTeam:
    rng = draw.rng
    club, team_name, communities = _club(draw)
    low, high, mode = TEAM_PACE.get(category.code, OTHER_TEAM_PACE)
    ability = rng.triangular(low, high, mode)
    if rng.random() < FUN_TEAM_SHARE:
        ability = rng.uniform(*FUN_TEAM_PACE)
    team = SimulatedTeam(bib=bib, name=team_name, category=category.code, ability=ability)
    names: set[str] = set()
    ages = _ages(rng, category, draw.legs)
    community_totals = list(accumulate(communities))
    for leg, gender in enumerate(_genders(rng, category, draw.legs), 1):
        name, nationality = _runner_name(rng, gender, community_totals, names)
        team.runners.append(
            SimulatedRunner(
                leg=leg,
                name=name,
                gender=gender,
                birth_date=_birth_date(rng, ages[leg - 1], draw.race_date),
                # Not every runner writes the club on the form; the team's name still says it.
                club=club if rng.random() < 0.85 else "",
                runner_bib=f"{bib}-{leg}",
                chip_id=_chip_id(rng, draw.chips),
                nationality=nationality,
                pace=min(SLOWEST_PACE, max(FASTEST_PACE, ability * rng.lognormvariate(0, 0.06))),
            )
        )
    return team


def _club(draw: _Draw) -> tuple[str, str, Sequence[int]]:
    """The club, the team's name and the weights of the communities its runners come from."""
    rng = draw.rng
    if draw.friends and rng.random() < FRIENDS_SHARE:
        return "", draw.friends.pop(), FRIENDS_COMMUNITIES
    club, _entries, communities = rng.choices(CLUBS, cum_weights=CLUB_TOTALS)[0]
    draw.per_club[club] = draw.per_club.get(club, 0) + 1
    return club, f"{club} {draw.per_club[club]}", communities


def _runner_name(
    rng: random.Random, gender: str, community_totals: Sequence[int], taken: set[str]
) -> tuple[str, str]:
    """A name no other runner of the team has, and a nationality likely for it; the community
    is drawn by the club's weights, added up (`community_totals`)."""
    stated = gender if gender != "X" else rng.choice("FM")
    name = ""
    while not name or name in taken:
        if rng.random() < VISITOR_SHARE:
            name, nationality = visitor_name(rng, stated)
        else:
            community = rng.choices(COMMUNITY_NAMES, cum_weights=community_totals)[0]
            name, nationality = COMMUNITIES[community](rng, stated)
    taken.add(name)
    return name, nationality


def _genders(rng: random.Random, category: Category, legs: int) -> list[str]:
    genders = ["F"] * (category.rule("min_women") or 0) + ["M"] * (category.rule("min_men") or 0)
    # The places the rules leave open: a man mostly, often another woman, now and then a runner
    # who states no gender.
    genders += rng.choices("MFX", (60, 32, 8), k=legs - len(genders))
    rng.shuffle(genders)
    return genders


def _ages(rng: random.Random, category: Category, legs: int) -> list[int]:
    if total := category.rule("min_age_sum"):
        youngest = -(-total // legs)  # each at least the average the sum asks for
        return [round(rng.triangular(youngest, 72, youngest + 5)) for _ in range(legs)]
    if (oldest := category.rule("max_age")) is not None:
        youngest = min(18, oldest)
        return [round(rng.triangular(youngest, oldest, oldest)) for _ in range(legs)]
    if (youngest := category.rule("min_age")) is not None:
        return [round(rng.triangular(youngest, 68, youngest + 6)) for _ in range(legs)]
    return [round(rng.triangular(18, 62, 32)) for _ in range(legs)]


def _birth_date(rng: random.Random, age: int, race_date: date) -> date:
    """A birth date giving exactly `age` whole years on race day."""
    birthday = race_date.replace(year=race_date.year - age)
    return birthday - timedelta(days=rng.randint(0, 364))


def _chip_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        chip = f"{rng.getrandbits(40):010X}"
        # An all-digit chip could be read as a team bib.
        if chip not in taken and not chip.isdigit():
            taken.add(chip)
            return chip
