"""Seeded synthetic ekiden races in the command-line contract's formats.

`generate_race` simulates a race and writes it down the way organisers and timing
devices would: the `import_race` JSON, the `import_entries` rows, the `import_timing`
rows (chip and tablet reads, in every accepted time format, with re-sent and repeated
reads, missed splits and teams that never show up) and the officials' statuses. The
same race can then be written to files for the management commands, or turned into
engine input with `course_and_entries`, so both paths can be checked against each other.

The simulation sends a late team's next runner off at the carry-over time exactly as
the standings rules compute it from the recorded times, so the recorded race is one
that could have happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from results.standings.engine import (
    Course,
    Split,
    StationSpec,
    Status,
    TeamEntry,
)

RACE_DATE = date(2025, 11, 23)
TIMEZONE = "Asia/Kuala_Lumpur"
START_TIME = time(6, 30)
RACE_KURIAGE_MINUTES = 20
# Like Hakone: a tighter cutoff at the first relay point than elsewhere.
FIRST_RELAY_KURIAGE_MINUTES = 10
LEG_KM = 5.0
#: 5:00 per km for an average runner.
BASE_PACE_MS_PER_KM = 300_000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_MS = timedelta(milliseconds=1)

_NAMES = {
    "F": [
        "Siti Aminah binti Hamid",
        "Nur Aisyah binti Yusof",
        "Aishah binti Ismail",
        "Lakshmi Menon",
        "Deepa Rao",
        "Priya a/p Subramaniam",
        "Chong, Jia Hui",
        "Tan Mei Ling",
        "张嘉慧",
        "李秀兰",
        "佐々木 美咲",
        "渡辺 陽子",
        "Ngô Bảo Châu",
        'Lee "Mimi" Wong',
    ],
    "M": [
        "Hakim bin Hassan",
        "Syafiq bin Osman",
        "Muhammad Firdaus",
        "Rajesh s/o Krishnan",
        "Arjun Pillai",
        "Lim Wei Jie",
        "Ong, Chee Keong",
        "王伟",
        "佐藤 健",
        "鈴木 一郎",
        "Søren Kierkegård",
    ],
    "X": ["Alex Tan", "Sam Rahman", "Kai Nakamura"],
}
_CLUBS = [
    "Petaling Jaya Harriers",
    "Putrajaya Striders",
    "Japanese Club of KL",
    "Kobayashi & Friends",
    "Shah Alam Runners, Section 7",
    "JICA Malaysia",
]
_NATIONALITIES = ["MY", "MY", "MY", "SG", "IN", "JP", "CN"]


@dataclass
class SyntheticRace:
    #: The `import_race` JSON document.
    race: dict
    #: `import_entries` rows: team_bib, team_name, category, leg, runner_name, gender,
    #: birth_date, club, runner_bib, chip_id, nationality.
    entries: list[dict]
    #: `import_timing` rows: bib, station, time, source, read_id.
    timing: list[dict]
    #: (bib, "DQ" | "DNS" | "DNF", reason), one `set_team_status` each.
    statuses: list[tuple[str, str, str]]


@dataclass
class _Team:
    bib: str
    category: str
    kind: str
    ability: float
    runner_bibs: list[str]
    chips: list[str]
    #: Recorded reads: (station index, leg index of the arriving runner, epoch ms).
    reads: list[tuple[int, int, int]]


# Kinds of team the simulation mixes in; each one exercises a standings rule.
_NORMAL = "normal"
_SLOW = "slow"  # so far behind that it is carried over at every relay point
_DQ = "dq"
_DQ_FAST = "dq-fast"  # disqualified, yet first at the first relay point
_DNS_OFFICIAL = "dns"  # an official says it did not start; no record
_SILENT = "silent"  # no record and no status: derived DNS
_DNF_OFFICIAL = "dnf"  # an official says it gave up; records stop midway
_STILL_OUT = "out"  # records stop before the finish, no status: RUN while open
_TWIN = "twin"  # the very same times as another team: an exact tie

_REASONS = {
    Status.DQ: "tasuki not handed over inside the zone",
    Status.DNS: "did not start",
    Status.DNF: "runner withdrew",
}


def generate_race(
    seed: int, teams: int, legs: int, checkpoints: int = 0, slug: str = "synthetic"
) -> SyntheticRace:
    if legs < 1 or teams < 0 or checkpoints < 0:
        raise ValueError("A synthetic race needs at least one leg and no negative counts.")
    rng = random.Random(seed)
    stations = _stations(legs, checkpoints)
    categories = _categories(legs)
    race = {
        "slug": slug,
        "name": f"Synthetic Ekiden {seed}",
        "date": RACE_DATE.isoformat(),
        "timezone": TIMEZONE,
        "start_time": START_TIME.isoformat(),
        "kuriage_minutes": RACE_KURIAGE_MINUTES,
        "stations": stations,
        "categories": categories,
    }
    tz = ZoneInfo(TIMEZONE)
    gun_ms = _epoch_ms(datetime.combine(RACE_DATE, START_TIME, tzinfo=tz))

    roster = _roster(rng, teams, legs, categories)
    entries = _entries(rng, roster, legs, categories)
    _simulate(rng, roster, stations, gun_ms)
    timing = _timing_rows(rng, roster, stations, tz)
    statuses = [
        (team.bib, status, _REASONS[status])
        for team in roster
        if (status := _official_status(team.kind)) is not None
    ]
    return SyntheticRace(race=race, entries=entries, timing=timing, statuses=statuses)


def _stations(legs: int, checkpoints: int) -> list[dict]:
    # Checkpoints go into the legs from the second one on, wrapping round.
    per_leg = [0] * legs
    for k in range(checkpoints):
        per_leg[(1 + k) % legs] += 1
    stations: list[dict] = [{"code": "START", "name": "Start", "km": 0.0}]
    checkpoint_number = 0
    for leg in range(legs):
        leg_start_km = leg * LEG_KM
        for j in range(per_leg[leg]):
            checkpoint_number += 1
            km = round(leg_start_km + LEG_KM * (j + 1) / (per_leg[leg] + 1), 3)
            stations.append(
                {
                    "code": f"CP{checkpoint_number}",
                    "name": f"Checkpoint {km:g} km",
                    "km": km,
                    "handoff": False,
                }
            )
        if leg == legs - 1:
            stations.append({"code": "FINISH", "name": "Finish", "km": round(legs * LEG_KM + 1.0975, 4)})
        else:
            relay: dict = {"code": f"R{leg + 1}", "name": f"Relay {leg + 1}", "km": (leg + 1) * LEG_KM}
            if leg == 0:
                relay["kuriage_minutes"] = FIRST_RELAY_KURIAGE_MINUTES
            stations.append(relay)
    return stations


def _categories(legs: int) -> list[dict]:
    # Two women and a man, as far as the team has runners for it.
    mixed = {"min_women": 2, "min_men": 1} if legs >= 3 else {"min_women": 1}
    if legs == 2:
        mixed["min_men"] = 1
    return [
        {"code": "MO", "name": "Men Open", "min_men": legs},
        {"code": "WO", "name": "Women Open", "min_women": legs},
        {"code": "MX", "name": "Mixed Open", **mixed},
        {"code": "MXS", "name": "Mixed Senior", **mixed, "min_age": 40},
        {"code": "VET", "name": "Veterans", "min_age_sum": 50 * legs},
        {"code": "U23", "name": "Under 23", "max_age": 22},
    ]


def _roster(rng: random.Random, teams: int, legs: int, categories: list[dict]) -> list[_Team]:
    kinds = [_NORMAL] * teams
    # Every special kind at least once (twice for the slow teams, so that two are
    # carried over at the same station) when the race is big enough, then a sprinkle.
    wanted = [_SLOW, _SLOW, _SLOW, _DQ_FAST, _DQ, _DNS_OFFICIAL, _SILENT, _DNF_OFFICIAL]
    wanted += [_STILL_OUT, _TWIN, _TWIN]
    shares = {_SLOW: 0.03, _DQ: 0.01, _DNS_OFFICIAL: 0.005, _SILENT: 0.005}
    shares |= {_DNF_OFFICIAL: 0.005, _STILL_OUT: 0.02, _TWIN: 0.01}
    for kind, share in shares.items():
        wanted += [kind] * int(teams * share)
    slots = rng.sample(range(teams), min(teams, len(wanted)))
    for slot, kind in zip(slots, wanted, strict=False):
        kinds[slot] = kind
    weights = [0.35, 0.15, 0.25, 0.1, 0.1, 0.05]
    codes = [category["code"] for category in categories]
    chips_seen: set[str] = set()
    roster = []
    for number in range(teams):
        bib = str(101 + number)
        chips = []
        for _ in range(legs):
            chip = f"{rng.getrandbits(40):010X}"
            while chip in chips_seen:
                chip = f"{rng.getrandbits(40):010X}"
            chips_seen.add(chip)
            chips.append(chip)
        kind = kinds[number]
        ability = min(max(rng.gauss(1.0, 0.05), 0.86), 1.3)
        if kind == _SLOW:
            ability = rng.uniform(1.7, 2.0)
        roster.append(
            _Team(
                bib=bib,
                category=rng.choices(codes, weights)[0],
                kind=kind,
                ability=ability,
                runner_bibs=[f"{bib}-{leg + 1}" for leg in range(legs)],
                chips=chips,
                reads=[],
            )
        )
    rng.shuffle(roster)
    return roster


def _entries(rng: random.Random, roster: list[_Team], legs: int, categories: list[dict]) -> list[dict]:
    rules = {category["code"]: category for category in categories}
    rows = []
    for team in roster:
        rule = rules[team.category]
        genders = ["F"] * rule.get("min_women", 0) + ["M"] * rule.get("min_men", 0)
        genders += [rng.choice("FMMX") for _ in range(legs - len(genders))]
        rng.shuffle(genders)
        if "min_age_sum" in rule:
            ages = [rng.randint(50, 72) for _ in range(legs)]
        elif "max_age" in rule:
            ages = [rng.randint(16, rule["max_age"]) for _ in range(legs)]
        elif "min_age" in rule:
            ages = [rng.randint(rule["min_age"], 68) for _ in range(legs)]
        else:
            ages = [rng.randint(18, 60) for _ in range(legs)]
        club = rng.choice(_CLUBS)
        team_name = f"{club} {team.bib}"
        for leg in range(legs):
            gender = genders[leg]
            rows.append(
                {
                    "team_bib": team.bib,
                    "team_name": team_name,
                    "category": team.category,
                    "leg": str(leg + 1),
                    "runner_name": rng.choice(_NAMES[gender]),
                    "gender": gender,
                    "birth_date": _birth_date(rng, ages[leg]).isoformat(),
                    "club": club if rng.random() < 0.7 else "",
                    "runner_bib": team.runner_bibs[leg],
                    "chip_id": team.chips[leg],
                    "nationality": rng.choice(_NATIONALITIES),
                }
            )
    return rows


def _birth_date(rng: random.Random, age: int) -> date:
    # Born up to 364 days before the birthday that made them `age`: that age on race day.
    birthday = RACE_DATE.replace(year=RACE_DATE.year - age)
    return birthday - timedelta(days=rng.randrange(365))


def _official_status(kind: str) -> str | None:
    if kind in (_DQ, _DQ_FAST):
        return Status.DQ
    if kind == _DNS_OFFICIAL:
        return Status.DNS
    if kind == _DNF_OFFICIAL:
        return Status.DNF
    return None


def _simulate(rng: random.Random, roster: list[_Team], stations: list[dict], gun_ms: int) -> None:
    """Run the race station by station and keep what the timing devices recorded."""
    finish = len(stations) - 1
    legs = sum(1 for station in stations[1:] if station.get("handoff", True))
    # Where each team stops being recorded (exclusive), and each of its runners' pace.
    stops = []
    paces = []
    for team in roster:
        stop = finish + 1
        if team.kind in (_DNS_OFFICIAL, _SILENT, _TWIN):
            stop = 0
        elif team.kind in (_DNF_OFFICIAL, _STILL_OUT):
            stop = rng.randint(min(2, finish), finish)
        stops.append(stop)
        factors = [team.ability * rng.uniform(0.95, 1.05) for _ in range(legs)]
        if team.kind == _DQ_FAST:
            factors[0] = 0.7
        paces.append([BASE_PACE_MS_PER_KM * factor for factor in factors])
    in_competition = [team.kind not in (_DQ, _DQ_FAST, _DNS_OFFICIAL) for team in roster]

    # Where and when each team's current runner set off.
    leg_start = [gun_ms] * len(roster)
    leg_start_km = [0.0] * len(roster)
    leg = 0
    for index in range(1, len(stations)):
        station = stations[index]
        km = station["km"]
        missed = 0.005 if index == finish else 0.03  # a missed split now and then
        arrivals = []  # (team position, true time, effective recorded time or None)
        for t, team in enumerate(roster):
            if index >= stops[t]:
                continue
            at = leg_start[t] + round((km - leg_start_km[t]) * paces[t][leg])
            effective = None if rng.random() < missed else _record_reads(rng, team, index, leg, at)
            arrivals.append((t, at, effective))
        if not station.get("handoff", True):
            continue
        carry_over = None
        cutoff = station.get("kuriage_minutes", RACE_KURIAGE_MINUTES)
        if index != finish and cutoff is not None:
            recorded = [
                effective for t, _, effective in arrivals if in_competition[t] and effective is not None
            ]
            if recorded:
                carry_over = min(recorded) + cutoff * 60_000
        for t, at, effective in arrivals:
            # The tasuki changes hands at the recorded time; a late team's next runner
            # has already left at the carry-over time.
            handed = at if effective is None else effective
            if carry_over is not None and effective is not None and effective > carry_over:
                handed = carry_over
            leg_start[t] = handed
            leg_start_km[t] = km
        leg += 1

    # Twins copy a finisher's reads read for read: the same effective times, an exact tie.
    finishers = [
        team
        for team in roster
        if team.kind == _NORMAL and any(station == finish for station, _, _ in team.reads)
    ]
    for team in roster:
        if team.kind == _TWIN and finishers:
            team.reads = list(rng.choice(finishers).reads)


def _record_reads(rng: random.Random, team: _Team, station: int, leg: int, at: int) -> int:
    """Reads of one arrival; returns the effective time they give."""
    # Chip mats keep milliseconds; a tablet keypad records the whole second.
    reads = [at if rng.random() < 0.6 else at - at % 1000]
    if rng.random() < 0.1:
        reads.append(at - at % 1000 + rng.choice((0, 1000)))
    if rng.random() < 0.05:
        reads.append(at + rng.randint(1_000, 60_000))  # a later re-read
    for read in reads:
        team.reads.append((station, leg, read))
    return min(reads)


def _timing_rows(rng: random.Random, roster: list[_Team], stations: list[dict], tz: ZoneInfo) -> list[dict]:
    offset_ms = datetime.combine(RACE_DATE, START_TIME, tzinfo=tz).utcoffset() // _MS
    offset = _format_offset(offset_ms)
    race_day = RACE_DATE.toordinal()
    codes = [station["code"] for station in stations]
    read_numbers = [0] * len(stations)
    rows = []
    for team in roster:
        for station, leg, at in team.reads:
            code = codes[station]
            if at % 1000 or rng.random() < 0.4:
                read_numbers[station] += 1
                bib = team.chips[leg]
                source = "chip"
                read_id = f"{code}-{read_numbers[station]:07d}"
            else:
                bib = rng.choice((team.bib, team.bib, team.runner_bibs[leg]))
                source = rng.choice(("tablet", "tablet", "tablet", ""))
                read_id = ""
            row = {
                "bib": bib,
                "station": code,
                "time": _format_time(rng, at, offset_ms, offset, race_day),
                "source": source,
                "read_id": read_id,
            }
            rows.append(row)
            if read_id and rng.random() < 0.03:
                rows.append(dict(row))  # a chip reader re-sending the same read
    rng.shuffle(rows)
    return rows


def _format_offset(offset_ms: int) -> str:
    sign = "+" if offset_ms >= 0 else "-"
    minutes = abs(offset_ms) // 60_000
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _format_time(rng: random.Random, at: int, offset_ms: int, offset: str, race_day: int) -> str:
    """One of the accepted time formats, always keeping every millisecond of `at`."""
    style = rng.random()
    local = at + offset_ms
    day, ms_of_day = divmod(local, 86_400_000)
    if style < 0.4 and day == race_day - _EPOCH_ORDINAL:
        # A whole second is written now as "07:01:02", now as "07:01:02.000".
        return _clock(ms_of_day, always_ms=style < 0.1)
    if style < 0.7:
        return f"{date.fromordinal(day + _EPOCH_ORDINAL).isoformat()}T{_clock(ms_of_day, True)}{offset}"
    day, ms_of_day = divmod(at, 86_400_000)
    zone = "Z" if style < 0.9 else "+00:00"
    return f"{date.fromordinal(day + _EPOCH_ORDINAL).isoformat()}T{_clock(ms_of_day, True)}{zone}"


def _clock(ms_of_day: int, always_ms: bool) -> str:
    seconds, ms = divmod(ms_of_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    if ms or always_ms:
        return f"{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}"
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def course_and_entries(race: SyntheticRace, *, closed: bool = False) -> tuple[Course, list[TeamEntry]]:
    """The engine's input for a race in contract formats, as the importers would store it.

    Bibs, runner bibs and chip ids resolve to their team; a record is identified by its
    read_id, else by (bib, station, time, source), so re-sent reads count once.
    """
    document = race.race
    tz = ZoneInfo(document["timezone"])
    race_date = date.fromisoformat(document["date"])
    gun_ms = _epoch_ms(datetime.combine(race_date, time.fromisoformat(document["start_time"]), tzinfo=tz))
    specs = []
    last = len(document["stations"]) - 1
    for position, station in enumerate(document["stations"]):
        handoff = position in (0, last) or station.get("handoff", True)
        cutoff_ms = None
        if handoff and position not in (0, last):
            # The station's own cutoff, else the race's (a null one counts as not given,
            # as import_race stores it).
            minutes = station.get("kuriage_minutes")
            if minutes is None:
                minutes = document.get("kuriage_minutes")
            if minutes is not None:
                cutoff_ms = round(minutes * 60_000)
        specs.append(StationSpec(station["code"], handoff, cutoff_ms))
    course = Course(gun_ms=gun_ms, stations=tuple(specs), closed=closed)

    team_of: dict[str, str] = {}
    categories: dict[str, str] = {}
    for row in race.entries:
        team_bib = row["team_bib"]
        categories[team_bib] = row["category"]
        team_of[team_bib] = team_bib
        for alias in (row.get("runner_bib"), row.get("chip_id")):
            if alias:
                team_of[alias] = team_bib

    splits: dict[str, list[Split]] = {bib: [] for bib in categories}
    seen: set = set()
    for row in race.timing:
        read_id = row.get("read_id") or None
        identity = read_id or (row["bib"], row["station"], row["time"], row.get("source") or "")
        if identity in seen:
            continue
        seen.add(identity)
        at_ms = parse_time_ms(row["time"], race_date, tz)
        splits[team_of[row["bib"]]].append(Split(row["station"], at_ms))

    official = {bib: status for bib, status, _reason in race.statuses}
    entries = [
        TeamEntry(
            key=int(bib),
            bib=bib,
            category=category,
            official_status=official.get(bib),
            splits=tuple(splits[bib]),
        )
        for bib, category in categories.items()
    ]
    return course, entries


def parse_time_ms(text: str, race_date: date, tz: ZoneInfo) -> int:
    """Epoch ms of an `import_timing` time: local time of day on the race date, or ISO 8601."""
    text = text.strip()
    if "T" in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
    else:
        moment = datetime.combine(race_date, time.fromisoformat(text), tzinfo=tz)
    return _epoch_ms(moment)
