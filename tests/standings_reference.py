"""A slow, literal reading of docs/commands.md, "Standings rules", for checking the engine.

Written on purpose unlike `results.standings.engine`: every quantity is a small function
that looks things up again from scratch, places are counted (1 + how many did strictly
better), and the listing is sorted with a comparison function. Nothing here is shared
with the engine except its input dataclasses, which are only read.

`course_and_entries` reads a race's files (the race JSON, the entries and timing rows, the
statuses) into the engine's input as literally, without the importers, so that a simulated race
can be checked both through the commands and straight through the engine.

Both `reference_standings` and `as_plain` return the same plain shape:
{"teams": [ {key, bib, category, status, total_ms, rank, category_rank,
             legs: [{leg, time_ms, rank, kuriage}], stations: [{station, cumulative_ms, rank}]}
           ... in listing order ],
 "carry_over_ms": {station code: epoch ms}}
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from results.simulation.race import SimulatedRace
from results.standings.engine import Course, Split, StationSpec, TeamEntry

OUT_OF_COMPETITION = ("DQ", "DNS")


def reference_standings(course, teams) -> dict:
    teams = list(teams)
    gun = course.gun_ms
    codes = [station.code for station in course.stations]
    start_code, finish_code = codes[0], codes[-1]
    handoff_codes = [
        station.code
        for station in course.stations
        if station.handoff or station.code in (start_code, finish_code)
    ]
    legs = [(handoff_codes[n], handoff_codes[n + 1]) for n in range(len(handoff_codes) - 1)]
    cutoff_of = {station.code: station.cutoff_ms for station in course.stations}

    def records(team, code):
        return [split for split in team.splits if split.station == code and not split.voided]

    def effective_time(team, code):
        if code == start_code:
            return None  # a start read times nothing: every team starts at the gun
        times = [split.at_ms for split in records(team, code)]
        return min(times) if times else None

    def status_of(team):
        if team.official_status is not None:
            return team.official_status
        if effective_time(team, finish_code) is not None:
            return "FIN"
        if not any(records(team, code) for code in codes):
            return "DNS"
        return "DNF" if course.closed else "RUN"

    statuses = {team.key: status_of(team) for team in teams}

    carry_over = {}
    for code in handoff_codes[1:-1]:
        if cutoff_of[code] is None:
            continue
        arrivals = [
            effective_time(team, code)
            for team in teams
            if statuses[team.key] not in OUT_OF_COMPETITION and effective_time(team, code) is not None
        ]
        if arrivals:
            carry_over[code] = min(arrivals) + cutoff_of[code]

    def carried_over_at(team, code):
        arrived = effective_time(team, code)
        return code in carry_over and arrived is not None and arrived > carry_over[code]

    def leg_start(team, n):
        if n == 0:
            return gun
        code = legs[n][0]
        if carried_over_at(team, code):
            return carry_over[code]
        return effective_time(team, code)

    def leg_time(team, n):
        start = leg_start(team, n)
        end = effective_time(team, legs[n][1])
        if start is None or end is None:
            return None
        return end - start

    def cumulative(team, code):
        arrived = effective_time(team, code)
        if arrived is None:
            return None
        lost = 0
        for earlier in codes[: codes.index(code)]:
            if earlier in handoff_codes and carried_over_at(team, earlier):
                lost += effective_time(team, earlier) - carry_over[earlier]
        return arrived - gun + lost

    def place(mine, everyone):
        """1 + the number of times strictly better than mine."""
        if mine is None:
            return None
        return 1 + len([other for other in everyone if other < mine])

    ranked = [team for team in teams if statuses[team.key] not in OUT_OF_COMPETITION]
    finishers = [team for team in teams if statuses[team.key] == "FIN"]

    leg_times = {(team.key, n): leg_time(team, n) for team in teams for n in range(len(legs))}
    cumulatives = {(team.key, code): cumulative(team, code) for team in teams for code in codes}
    leg_field = {
        n: [leg_times[team.key, n] for team in ranked if leg_times[team.key, n] is not None]
        for n in range(len(legs))
    }
    station_field = {
        code: [cumulatives[team.key, code] for team in ranked if cumulatives[team.key, code] is not None]
        for code in codes
    }
    finish_field = [cumulatives[team.key, finish_code] for team in finishers]
    category_fields = {
        category: [cumulatives[other.key, finish_code] for other in finishers if other.category == category]
        for category in {team.category for team in teams}
    }

    results = []
    for team in teams:
        counts = statuses[team.key] not in OUT_OF_COMPETITION
        total = cumulatives[team.key, finish_code]
        if statuses[team.key] == "FIN":
            rank = place(total, finish_field)
            category_rank = place(total, category_fields[team.category])
        else:
            rank = category_rank = None
        results.append(
            {
                "key": team.key,
                "bib": team.bib,
                "category": team.category,
                "status": statuses[team.key],
                "total_ms": total,
                "rank": rank,
                "category_rank": category_rank,
                "legs": [
                    {
                        "leg": n + 1,
                        "time_ms": leg_times[team.key, n],
                        "rank": place(leg_times[team.key, n], leg_field[n]) if counts else None,
                        "kuriage": n > 0 and carried_over_at(team, legs[n][0]),
                    }
                    for n in range(len(legs))
                ],
                "stations": [
                    {
                        "station": code,
                        "cumulative_ms": cumulatives[team.key, code],
                        "rank": place(cumulatives[team.key, code], station_field[code]) if counts else None,
                    }
                    for code in codes[1:]
                ],
            }
        )

    results.sort(key=functools.cmp_to_key(_listing_comparison))
    return {"teams": results, "carry_over_ms": carry_over}


def _group(result):
    if result["status"] == "FIN":
        return 1
    if result["status"] in OUT_OF_COMPETITION:
        return 3
    return 2


def _furthest(result):
    """(how many stations after the start it reached, its cumulative time at the furthest)."""
    reached, time_there = 0, None
    for number, station in enumerate(result["stations"], start=1):
        if station["cumulative_ms"] is not None:
            reached, time_there = number, station["cumulative_ms"]
    return reached, time_there


def _compare(a, b):
    return (a > b) - (a < b)


def compare_bibs(a: str, b: str) -> int:
    a_number = a.isascii() and a.isdigit()
    b_number = b.isascii() and b.isdigit()
    if a_number and b_number:
        return _compare(int(a), int(b)) or _compare(a, b)
    if a_number != b_number:
        return -1 if a_number else 1
    return _compare(a, b)


def _listing_comparison(a, b):
    group = _compare(_group(a), _group(b))
    if group:
        return group
    if _group(a) == 1:
        by_rank = _compare(a["rank"], b["rank"])
        if by_rank:
            return by_rank
    elif _group(a) == 2:
        a_reached, a_time = _furthest(a)
        b_reached, b_time = _furthest(b)
        if a_reached != b_reached:
            return -1 if a_reached > b_reached else 1
        if a_reached and a_time != b_time:
            return -1 if a_time < b_time else 1
    return compare_bibs(a["bib"], b["bib"]) or _compare(a["key"], b["key"])


def as_plain(standings) -> dict:
    """The engine's Standings in the reference's plain shape."""
    return {
        "teams": [
            {
                "key": team.key,
                "bib": team.bib,
                "category": team.category,
                "status": team.status,
                "total_ms": team.total_ms,
                "rank": team.rank,
                "category_rank": team.category_rank,
                "legs": [
                    {
                        "leg": leg.leg,
                        "time_ms": leg.time_ms,
                        "rank": leg.rank,
                        "kuriage": leg.kuriage,
                    }
                    for leg in team.legs
                ],
                "stations": [
                    {
                        "station": station.station,
                        "cumulative_ms": station.cumulative_ms,
                        "rank": station.rank,
                    }
                    for station in team.stations
                ],
            }
            for team in standings.teams
        ],
        "carry_over_ms": dict(standings.carry_over_ms),
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def course_and_entries(race: SimulatedRace, *, closed: bool = False) -> tuple[Course, list[TeamEntry]]:
    """The engine's input for a race in contract formats, as the importers would store it.

    Bibs, runner bibs and chip ids resolve to their team; a record is identified by its
    read_id, else by (bib, station, time, source), so re-sent reads count once.
    """
    document = race.payload
    course = read_course(document, closed=closed)
    tz = ZoneInfo(document["timezone"])
    race_date = date.fromisoformat(document["date"])

    team_of: dict[str, str] = {}
    categories: dict[str, str] = {}
    for row in race.entries:
        team_bib = row["team_bib"]
        categories[team_bib] = row["category"]
        for alias in (team_bib, row.get("runner_bib"), row.get("chip_id")):
            if alias:
                team_of[alias] = team_bib

    splits: dict[str, list[Split]] = {bib: [] for bib in categories}
    seen: set = set()
    for row in race.timing:
        identity = row.get("read_id") or (row["bib"], row["station"], row["time"], row.get("source") or "")
        if identity not in seen:
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


def read_course(document: dict, *, closed: bool) -> Course:
    """The course of a race JSON document: the gun, each station's handoff and cutoff."""
    tz = ZoneInfo(document["timezone"])
    race_date = date.fromisoformat(document["date"])
    gun_ms = _epoch_ms(datetime.combine(race_date, time.fromisoformat(document["start_time"]), tzinfo=tz))
    last = len(document["stations"]) - 1
    specs = []
    for position, station in enumerate(document["stations"]):
        handoff = position in (0, last) or station.get("handoff", True)
        cutoff_ms = None
        if handoff and position not in (0, last):
            cutoff_ms = _cutoff_ms(station, document)
        specs.append(StationSpec(station["code"], handoff, cutoff_ms))
    return Course(gun_ms=gun_ms, stations=tuple(specs), closed=closed)


def _cutoff_ms(station: dict, document: dict) -> int | None:
    # The station's own cutoff, else the race's (a null one counts as not given, as import_race
    # stores it).
    minutes = station.get("kuriage_minutes")
    if minutes is None:
        minutes = document.get("kuriage_minutes")
    return None if minutes is None else round(minutes * 60_000)


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
