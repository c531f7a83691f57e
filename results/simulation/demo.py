"""The demo race `make run` serves: the ALEPS EKIDEN Half Marathon, simulated while it is live.

Everything here is plain data in the contract's file formats (docs/commands.md): the race JSON as a
dict, the entries CSV and the timing CSV as bytes, and the statuses an official would set. The
`load_demo` command hands them to the same services an organiser's files go through, so the demo
can never hold anything an organiser could not import.

The simulation is seeded, so the same files come out every time and loading them again changes
nothing. It shows what a race day really produces: chip reads beside officials' tablet taps,
a reader that re-sends its buffer, a chip read twice, a reader that missed a team, teams carried
over at a relay station (kuriage), teams that stop, and teams still out on the course.
"""

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from races.services import ENTRY_COLUMNS, ENTRY_OPTIONAL

DEMO_SLUG = "aleps-demo"
DEMO_SEED = 20251123
DEMO_TEAMS = 300
FIRST_BIB = 101

RACE_DATE = date(2025, 11, 23)
RACE_ZONE = ZoneInfo("Asia/Kuala_Lumpur")
GUN = datetime(2025, 11, 23, 6, 30, tzinfo=RACE_ZONE)
KURIAGE_MINUTES = 20
# Hakone-style: a shorter cutoff at the first relay, where the field is still close together.
R1_KURIAGE_MINUTES = 15

CATEGORY_SHARE = {"MO": 0.36, "MX": 0.30, "WO": 0.20, "MXS": 0.14}

#: Team mean pace in seconds per km: (fastest, slowest, most common), per category.
TEAM_PACE = {
    "MO": (245, 320, 266),
    "MX": (252, 332, 280),
    "WO": (260, 338, 288),
    "MXS": (266, 344, 294),
}
#: Some teams come for the fun and the food: these carry the tasuki at 6:00 to 7:00 min/km.
FUN_TEAM_SHARE, FUN_TEAM_PACE = 0.06, (360, 420)
FASTEST_PACE, SLOWEST_PACE = 240, 450  # 4:00 to 7:30 min/km

#: Where each leg ends and how long it is; CP1 is a timing-only checkpoint halfway through leg 2.
LEG_ENDS = (("R1", 5.0), ("R2", 5.0), ("R3", 5.0), ("FINISH", 6.0975))
CHECKPOINT = "CP1"
CHECKPOINT_LEG = 2


def race_payload() -> dict:
    """The race as `import_race` reads it."""
    return {
        "slug": DEMO_SLUG,
        "name": "ALEPS EKIDEN Half Marathon (demo)",
        "place": "Putrajaya, Malaysia",  # an optional extension of the race file (docs/commands.md)
        "date": RACE_DATE.isoformat(),
        "timezone": "Asia/Kuala_Lumpur",
        "start_time": "06:30:00",
        "kuriage_minutes": KURIAGE_MINUTES,
        "stations": [
            {"code": "START", "name": "Start", "km": 0.0},
            {"code": "R1", "name": "Relay 1", "km": 5.0, "kuriage_minutes": R1_KURIAGE_MINUTES},
            {"code": "CP1", "name": "Checkpoint 7.5 km", "km": 7.5, "handoff": False},
            {"code": "R2", "name": "Relay 2", "km": 10.0},
            {"code": "R3", "name": "Relay 3", "km": 15.0},
            {"code": "FINISH", "name": "Finish", "km": 21.0975},
        ],
        "categories": [
            {"code": "MO", "name": "Men Open", "min_men": 4},
            {"code": "WO", "name": "Women Open", "min_women": 4},
            {"code": "MX", "name": "Mixed Open", "min_women": 2, "min_men": 1},
            {"code": "MXS", "name": "Mixed Senior", "min_women": 2, "min_men": 1, "min_age": 40},
        ],
    }


# --- names --------------------------------------------------------------------------------

MALAY_MEN = (
    "Muhammad Hafiz",
    "Ahmad Faizal",
    "Mohd Azlan",
    "Khairul Anuar",
    "Amirul Hakim",
    "Syafiq",
    "Hakim",
    "Faris",
    "Aiman",
    "Zulkifli",
    "Ikhwan",
    "Haziq",
    "Firdaus",
    "Rizal",
    "Nazri",
    "Shahrul Nizam",
    "Azman",
    "Hafizuddin",
)
MALAY_WOMEN = (
    "Nurul Aisyah",
    "Siti Aminah",
    "Nur Izzati",
    "Farah Nadia",
    "Aishah",
    "Nor Hidayah",
    "Nabila",
    "Syazwani",
    "Aina Sofea",
    "Amira",
    "Liyana",
    "Zarina",
    "Nurul Huda",
    "Fatimah",
    "Hanis",
    "Nur Syafiqah",
)
MALAY_FATHERS = (
    "Ahmad",
    "Othman",
    "Ismail",
    "Hassan",
    "Yusof",
    "Abdullah",
    "Ibrahim",
    "Hamid",
    "Osman",
    "Abdul Rahman",
    "Razak",
    "Salleh",
    "Kassim",
    "Mahmud",
    "Zainal",
    "Mohamad",
)

CHINESE_SURNAMES = (
    "Tan",
    "Lim",
    "Lee",
    "Ng",
    "Wong",
    "Chong",
    "Chan",
    "Teh",
    "Goh",
    "Ong",
    "Yap",
    "Loh",
    "Chin",
    "Leong",
    "Foo",
    "Khoo",
    "Liew",
)
CHINESE_MEN = ("Wei Ming", "Jun Jie", "Kah Wai", "Chee Keong", "Boon Hock", "Zhi Hao", "Kok Leong", "Jia Jun")
CHINESE_WOMEN = ("Mei Ling", "Jia Hui", "Xin Yi", "Siew Lan", "Pei Shan", "Hui Min", "Li Ying", "Wen Qi")
HANZI_SURNAMES = ("李", "王", "张", "陈", "林", "黄", "吴", "刘", "郑", "杨")
HANZI_MEN = ("伟明", "俊杰", "志豪", "建华", "家豪", "国强")
HANZI_WOMEN = ("秀兰", "嘉慧", "美玲", "欣怡", "丽娟", "晓燕")

INDIAN_MEN = (
    "Saravanan",
    "Rajesh",
    "Kumar",
    "Arun",
    "Vijay",
    "Ganesh",
    "Suresh",
    "Prakash",
    "Karthik",
    "Ravi",
)
INDIAN_WOMEN = (
    "Priya",
    "Lakshmi",
    "Kavitha",
    "Deepa",
    "Anjali",
    "Meena",
    "Shalini",
    "Revathi",
    "Sangeetha",
    "Nirmala",
)
INDIAN_FATHERS = (
    "Muthu",
    "Ramasamy",
    "Krishnan",
    "Subramaniam",
    "Raman",
    "Arumugam",
    "Govindasamy",
    "Perumal",
    "Maniam",
)
INDIAN_FAMILY_NAMES = ("Menon", "Nair", "Rao", "Pillai", "Iyer")

#: (kanji, romaji): written surname first, as on a Japanese entry form.
JAPANESE_SURNAMES = (
    ("佐藤", "Sato"),
    ("鈴木", "Suzuki"),
    ("高橋", "Takahashi"),
    ("田中", "Tanaka"),
    ("渡辺", "Watanabe"),
    ("伊藤", "Ito"),
    ("山本", "Yamamoto"),
    ("中村", "Nakamura"),
    ("小林", "Kobayashi"),
    ("加藤", "Kato"),
    ("吉田", "Yoshida"),
    ("山田", "Yamada"),
    ("佐々木", "Sasaki"),
    ("松本", "Matsumoto"),
)
JAPANESE_MEN = (
    ("健", "Ken"),
    ("大輔", "Daisuke"),
    ("翔太", "Shota"),
    ("浩", "Hiroshi"),
    ("拓也", "Takuya"),
    ("誠", "Makoto"),
    ("健太", "Kenta"),
    ("隆", "Takashi"),
)
JAPANESE_WOMEN = (
    ("花子", "Hanako"),
    ("美咲", "Misaki"),
    ("陽子", "Yoko"),
    ("由美", "Yumi"),
    ("恵", "Megumi"),
    ("さくら", "Sakura"),
    ("直子", "Naoko"),
    ("愛", "Ai"),
)


def malay_name(rng: random.Random, gender: str) -> tuple[str, str]:
    if gender == "M":
        name = f"{rng.choice(MALAY_MEN)} bin {rng.choice(MALAY_FATHERS)}"
    else:
        name = f"{rng.choice(MALAY_WOMEN)} binti {rng.choice(MALAY_FATHERS)}"
    return name, rng.choices(("MY", "SG", "ID"), (90, 6, 4))[0]


def chinese_name(rng: random.Random, gender: str) -> tuple[str, str]:
    if rng.random() < 0.2:  # written in Chinese characters, as some runners enter it
        given = HANZI_MEN if gender == "M" else HANZI_WOMEN
        return rng.choice(HANZI_SURNAMES) + rng.choice(given), rng.choices(("MY", "CN", "TW"), (50, 35, 15))[
            0
        ]
    given = CHINESE_MEN if gender == "M" else CHINESE_WOMEN
    return f"{rng.choice(CHINESE_SURNAMES)} {rng.choice(given)}", rng.choices(("MY", "SG"), (85, 15))[0]


def indian_name(rng: random.Random, gender: str) -> tuple[str, str]:
    given = rng.choice(INDIAN_MEN if gender == "M" else INDIAN_WOMEN)
    style = rng.random()
    if style < 0.2:
        name = f"{given} {rng.choice(INDIAN_FAMILY_NAMES)}"
    else:
        # Malaysian identity cards write the father's name: a/l, a/p, or the older s/o, d/o.
        link = ("a/l" if style < 0.6 else "s/o") if gender == "M" else ("a/p" if style < 0.6 else "d/o")
        name = f"{given} {link} {rng.choice(INDIAN_FATHERS)}"
    return name, rng.choices(("MY", "IN", "SG"), (80, 15, 5))[0]


def japanese_name(rng: random.Random, gender: str) -> tuple[str, str]:
    surname = rng.choice(JAPANESE_SURNAMES)
    given = rng.choice(JAPANESE_MEN if gender == "M" else JAPANESE_WOMEN)
    script = 0 if rng.random() < 0.6 else 1
    return f"{surname[script]} {given[script]}", "JP"


COMMUNITIES = {
    "malay": malay_name,
    "chinese": chinese_name,
    "indian": indian_name,
    "japanese": japanese_name,
}

#: Clubs that enter teams, how often, and who runs for them (malay, chinese, indian, japanese).
CLUBS = (
    ("Petaling Jaya Harriers", 14, (30, 40, 25, 5)),
    ("Japanese Club of KL", 14, (3, 3, 2, 92)),
    ("JICA Malaysia", 8, (35, 10, 5, 50)),
    ("KL Hash House Harriers", 9, (25, 40, 25, 10)),
    ("Putrajaya Striders", 8, (70, 15, 15, 0)),
    ("Shah Alam Runners", 7, (75, 10, 15, 0)),
    ("Subang Jaya Road Runners", 7, (30, 45, 25, 0)),
    ("Mont Kiara Running Club", 6, (15, 30, 15, 40)),
    ("Kuala Lumpur Japanese School PTA", 5, (0, 5, 0, 95)),
    ("Universiti Malaya", 8, (50, 30, 20, 0)),
    ("Universiti Kebangsaan Malaysia", 6, (70, 15, 15, 0)),
    ("Universiti Putra Malaysia", 5, (65, 20, 15, 0)),
    ("Monash University Malaysia", 4, (20, 50, 25, 5)),
    ("Taylor's University", 4, (25, 45, 25, 5)),
    ("Maybank Running Club", 6, (45, 35, 20, 0)),
    ("Petronas Runners", 6, (60, 20, 20, 0)),
    ("Tenaga Nasional", 5, (70, 15, 15, 0)),
    ("Panasonic Malaysia", 5, (30, 30, 15, 25)),
    ("Toyota Tsusho Malaysia", 4, (30, 20, 10, 40)),
    ("Ajinomoto Malaysia", 4, (35, 25, 10, 30)),
    ("AEON Co. (M)", 5, (45, 30, 15, 10)),
    ("Sime Darby Plantation", 4, (55, 20, 25, 0)),
)
#: Teams of friends: no club, a name of their own, each used once.
FRIENDS_TEAMS = (
    "Kobayashi & Friends",
    "Teh Tarik Runners",
    "Nasi Lemak Express",
    "Roti Canai Relay",
    "Durian Dashers",
    "Satay Sprinters",
    "Tasuki Tigers",
    "Sakura Wind",
    "Banana Leaf Blazers",
    "Genting Hill Climbers",
    "Kopitiam Kings",
    "Mamak Milers",
    "Onigiri Express",
    "Chendol Chasers",
    "Rambutan Relay",
    "Bukit Tabur Goats",
    "Cendana Pacers",
    "Batu Caves Steps Club",
    "Klang Valley Kakis",
    "Uncle Lim's Breakfast Club",
)
FRIENDS_COMMUNITIES = (30, 30, 25, 15)


# --- teams --------------------------------------------------------------------------------


@dataclass
class DemoRunner:
    leg: int
    name: str
    gender: str
    birth_date: date
    club: str
    runner_bib: str
    chip_id: str
    nationality: str
    pace: float = 0.0  # seconds per km on race day


@dataclass
class DemoTeam:
    bib: str
    name: str
    category: str
    runners: list[DemoRunner] = field(default_factory=list)
    ability: float = 0.0  # the team's mean pace, seconds per km


def _genders(rng: random.Random, category: str) -> list[str]:
    if category == "MO":
        return ["M"] * 4
    if category == "WO":
        return ["F"] * 4
    # Mixed: at least two women and one man; now and then a runner who states no gender.
    genders = rng.choices((["F", "F", "M", "M"], ["F", "F", "F", "M"], ["F", "F", "M", "X"]), (60, 32, 8))[0]
    rng.shuffle(genders)
    return genders


def _birth_date(rng: random.Random, age: int) -> date:
    """A birth date giving exactly `age` whole years on race day."""
    birthday = RACE_DATE.replace(year=RACE_DATE.year - age)
    return birthday - timedelta(days=rng.randint(0, 364))


def _age(rng: random.Random, category: str) -> int:
    if category == "MXS":
        return round(rng.triangular(40, 68, 46))
    return round(rng.triangular(18, 62, 32))


def _chip_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        chip = f"{rng.getrandbits(40):010X}"
        # An all-digit chip could be read as a team bib.
        if chip not in taken and not chip.isdigit():
            taken.add(chip)
            return chip


def draw_teams(rng: random.Random, count: int = DEMO_TEAMS) -> list[DemoTeam]:
    """`count` teams, bibs from 101, each eligible for its category."""
    categories, shares = zip(*CATEGORY_SHARE.items(), strict=True)
    club_names = [c[0] for c in CLUBS]
    club_weights = [c[1] for c in CLUBS]
    communities = list(COMMUNITIES)
    friends = list(FRIENDS_TEAMS)
    rng.shuffle(friends)
    per_club: dict[str, int] = {}
    chips: set[str] = set()
    teams = []
    for i in range(count):
        bib = str(FIRST_BIB + i)
        category = rng.choices(categories, shares)[0]
        if friends and rng.random() < 0.07:
            club, team_name, weights = "", friends.pop(), FRIENDS_COMMUNITIES
        else:
            index = rng.choices(range(len(CLUBS)), club_weights)[0]
            club, weights = club_names[index], CLUBS[index][2]
            per_club[club] = per_club.get(club, 0) + 1
            team_name = f"{club} {per_club[club]}"
        low, high, mode = TEAM_PACE[category]
        ability = rng.triangular(low, high, mode)
        if rng.random() < FUN_TEAM_SHARE:
            ability = rng.uniform(*FUN_TEAM_PACE)
        team = DemoTeam(bib=bib, name=team_name, category=category, ability=ability)
        names: set[str] = set()
        for leg, gender in enumerate(_genders(rng, category), 1):
            community = rng.choices(communities, weights)[0]
            name = ""
            while not name or name in names:  # two runners of one team never share a name
                name, nationality = COMMUNITIES[community](rng, gender if gender != "X" else rng.choice("FM"))
            names.add(name)
            team.runners.append(
                DemoRunner(
                    leg=leg,
                    name=name,
                    gender=gender,
                    birth_date=_birth_date(rng, _age(rng, category)),
                    # Not every runner writes the club on the form; the team's name still says it.
                    club=club if rng.random() < 0.85 else "",
                    runner_bib=f"{bib}-{leg}",
                    chip_id=_chip_id(rng, chips),
                    nationality=nationality,
                    pace=min(SLOWEST_PACE, max(FASTEST_PACE, team.ability * rng.lognormvariate(0, 0.06))),
                )
            )
        teams.append(team)
    return teams


def entries_csv(teams: Sequence[DemoTeam]) -> bytes:
    """The entries file as a spreadsheet saves it: UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*ENTRY_COLUMNS, *ENTRY_OPTIONAL])
    for team in teams:
        for r in team.runners:
            writer.writerow(
                [
                    team.bib,
                    team.name,
                    team.category,
                    r.leg,
                    r.name,
                    r.gender,
                    r.birth_date.isoformat(),
                    r.club,
                    r.runner_bib,
                    r.chip_id,
                    r.nationality,
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- race day -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusDecision:
    """What an official sets with `set_team_status`."""

    bib: str
    status: str
    reason: str


@dataclass(frozen=True)
class Read:
    """One row of the timing file; `at_ms` is milliseconds after the gun."""

    bib: str
    station: str
    at_ms: int
    source: str
    read_id: str
    time_text: str


@dataclass
class RaceDay:
    """Who the simulation picked for what, so a test or a curious organiser can find them."""

    dns: list[str]
    dq: str
    stopped: dict[str, str]  # bib -> the last station the team reached
    missed: dict[str, str]  # bib -> station where the reader missed the team
    still_out: list[str]
    snapshot_ms: int
    carry_overs: dict[str, int]  # station -> K(s), ms after the gun
    arrivals: dict[str, dict[str, int]]  # bib -> station -> ms after the gun
    statuses: list[StatusDecision]


def simulate_race_day(rng: random.Random, teams: Sequence[DemoTeam]) -> RaceDay:
    """The true times each team passed each station, with carry-over starts, up to 'now'."""
    by_ability = sorted(teams, key=lambda t: t.ability)
    dns = [t.bib for t in rng.sample(by_ability[100:], 2)]
    dq = by_ability[2].bib  # a podium team, disqualified: it must not set the carry-over cutoff
    candidates = [t.bib for t in by_ability[60:-20] if t.bib not in dns]
    stop_bibs = rng.sample(candidates, 4)
    stopped = dict(zip(stop_bibs, ("R1", "CP1", "R2", "R3"), strict=True))
    out_of_competition = {*dns, dq}

    arrivals: dict[str, dict[str, int]] = {t.bib: {} for t in teams if t.bib not in dns}
    start = dict.fromkeys(arrivals, 0)
    cutoffs = {"R1": R1_KURIAGE_MINUTES, "R2": KURIAGE_MINUTES, "R3": KURIAGE_MINUTES}
    order = ["R1", "CP1", "R2", "R3", "FINISH"]
    carry_overs: dict[str, int] = {}
    for leg, (station, km) in enumerate(LEG_ENDS, 1):
        for team in teams:
            if team.bib not in start:
                continue
            runner = team.runners[leg - 1]
            # The last leg is the longest and the sun is up: everyone slows a little.
            pace = runner.pace * (1.03 if station == "FINISH" else 1.0)
            leg_ms = round(pace * km * 1000 * rng.uniform(0.98, 1.02))
            if leg == CHECKPOINT_LEG:
                arrivals[team.bib][CHECKPOINT] = start[team.bib] + round(leg_ms * rng.uniform(0.47, 0.51))
            arrivals[team.bib][station] = start[team.bib] + leg_ms
        # Teams that stopped: their runner never reached the next station.
        for bib, last in stopped.items():
            for later in order[order.index(last) + 1 :]:
                arrivals[bib].pop(later, None)
            if station != "FINISH" and station not in arrivals[bib]:
                start.pop(bib, None)
        if station == "FINISH":
            break
        # Kuriage: teams more than the cutoff behind the leader send their runner off at K(s).
        leader = min(a[station] for b, a in arrivals.items() if b not in out_of_competition and station in a)
        carry_over = carry_overs[station] = leader + cutoffs[station] * 60_000
        for bib in start:
            start[bib] = min(arrivals[bib][station], carry_over)

    # 'Now': most teams are home, the last ones are still on the road.
    finishes = sorted(a["FINISH"] for a in arrivals.values() if "FINISH" in a)
    snapshot_ms = finishes[int(len(finishes) * 0.95)] // 60_000 * 60_000
    still_out = sorted(
        (b for b, a in arrivals.items() if a.get("FINISH", 0) > snapshot_ms), key=lambda b: int(b)
    )
    for a in arrivals.values():
        for station in [s for s, at in a.items() if at > snapshot_ms]:
            del a[station]

    # Readers that missed a team: a mid-field finisher, never the leader there (it sets K) nor a
    # team carried over there (without its split the standings could not know it).
    mid_field = [
        t.bib
        for t in by_ability[10:150]
        if t.bib not in out_of_competition
        and "FINISH" in arrivals.get(t.bib, {})
        and arrivals[t.bib]["R2"] <= carry_overs["R2"]
    ]
    missed = dict(zip(rng.sample(mid_field, 6), ("CP1", "CP1", "CP1", "R2", "R2", "R2"), strict=True))

    dnf_bib = next(b for b, last in stopped.items() if last == "R2")
    statuses = [
        StatusDecision(dns[0], "DNS", "withdrew before the start: two runners ill"),
        StatusDecision(dq, "DQ", "tasuki handed over outside the relay zone at R2"),
        StatusDecision(dnf_bib, "DNF", "leg 3 runner withdrew with a calf injury at 12 km"),
    ]
    return RaceDay(
        dns=dns,
        dq=dq,
        stopped=stopped,
        missed=missed,
        still_out=still_out,
        snapshot_ms=snapshot_ms,
        carry_overs=carry_overs,
        arrivals=arrivals,
        statuses=statuses,
    )


def _moment(at_ms: int) -> datetime:
    return GUN + timedelta(milliseconds=at_ms)


def _chip_time(rng: random.Random, at_ms: int) -> str:
    """Readers disagree on formats: local time of day, ISO with +08:00, or UTC."""
    moment = _moment(at_ms)
    style = rng.choices(("local", "offset", "utc"), (50, 30, 20))[0]
    if style == "local":
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if style == "offset":
        return moment.isoformat(timespec="milliseconds")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tablet_time(rng: random.Random, at_ms: int) -> str:
    moment = _moment(at_ms)
    if rng.random() < 0.85:
        return moment.strftime("%H:%M:%S")
    return moment.isoformat(timespec="seconds")


def timing_reads(rng: random.Random, teams: Sequence[DemoTeam], day: RaceDay) -> list[Read]:
    """The rows readers and tablets send for the true passing times, flaws included."""
    leg_of = {"R1": 1, "CP1": 2, "R2": 2, "R3": 3, "FINISH": 4}
    chips: list[tuple[str, str, int]] = []
    tablets: list[Read] = []
    for team in teams:
        for station, at_ms in day.arrivals.get(team.bib, {}).items():
            if day.missed.get(team.bib) == station:
                continue
            runner = team.runners[leg_of[station] - 1]
            chip = rng.random() < 0.93
            tablet = not chip or (station != CHECKPOINT and rng.random() < 0.45)
            if chip:
                chips.append((runner.chip_id, station, at_ms))
                if rng.random() < 0.03:  # the mat read the chip again a moment later
                    chips.append((runner.chip_id, station, at_ms + rng.randint(600, 2500)))
            if tablet:
                # The official taps a beat after the chip, and the keypad has whole seconds.
                tap_ms = -(-(at_ms + rng.randint(400, 4000)) // 1000) * 1000
                bib = team.bib if rng.random() < 0.7 else runner.runner_bib
                source = "tablet" if rng.random() < 0.8 else ""
                tablets.append(Read(bib, station, tap_ms, source, "", _tablet_time(rng, tap_ms)))

    reads: list[Read] = []
    for station in ("R1", "CP1", "R2", "R3", "FINISH"):
        here = sorted((c for c in chips if c[1] == station), key=lambda c: (c[2], c[0]))
        for seq, (chip_id, _, at_ms) in enumerate(here, 1):
            reads.append(
                Read(chip_id, station, at_ms, "chip", f"{station}-{seq:07d}", _chip_time(rng, at_ms))
            )
    # A reader that lost its connection re-sends part of its buffer: same read ids, same content.
    resent = rng.sample(reads, max(1, len(reads) // 40))
    reads.extend(sorted(tablets, key=lambda r: (r.at_ms, r.bib)))
    reads.extend(resent)
    return reads


def timing_csv(reads: Sequence[Read]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["bib", "station", "time", "source", "read_id"])
    for read in reads:
        writer.writerow([read.bib, read.station, read.time_text, read.source, read.read_id])
    return out.getvalue().encode("utf-8")


# --- the demo -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRace:
    payload: dict
    entries_csv: bytes
    timing_csv: bytes
    statuses: tuple[StatusDecision, ...]
    day: RaceDay


def demo_race(*, teams: int = DEMO_TEAMS, seed: int = DEMO_SEED) -> DemoRace:
    """The whole demo, the same every time for the same seed."""
    rng = random.Random(seed)
    drawn = draw_teams(rng, teams)
    day = simulate_race_day(rng, drawn)
    return DemoRace(
        payload=race_payload(),
        entries_csv=entries_csv(drawn),
        timing_csv=timing_csv(timing_reads(rng, drawn, day)),
        statuses=tuple(day.statuses),
        day=day,
    )
