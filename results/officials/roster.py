"""What a station's keypad knows about every bib, so it can work without a network.

A relay official types what they see: a team bib, or a runner's own bib. The keypad shows the
team, the runner who arrives with the tasuki and the one who takes it next, and warns when a
team was already recorded at a station further on (a typo, or a runner who skipped this one).
"""

import hashlib
import json

from django.conf import settings
from django.db.models import Max, Min

from ekiden.versioned_cache import VersionedCache
from races.models import Leg, Race, Runner, Station, Team
from results.timing.models import TimingRecord
from results.timing.race_time import epoch_ms


def legs_at(race: Race, station: Station) -> tuple[Leg | None, Leg | None]:
    """(the leg that arrives at or passes this station, the leg that leaves from it).

    At a relay station one leg ends and the next starts; at the start only leg 1 leaves, at the
    finish only the last leg arrives; a timing-only checkpoint lies inside one leg.
    """
    arriving = leaving = None
    for leg in race.legs:
        if leg.start.pk == station.pk:
            leaving = leg
        if leg.start.position < station.position <= leg.end.position:
            arriving = leg
    return arriving, leaving


def station_roster(race: Race, station: Station) -> dict:
    arriving, leaving = legs_at(race, station)
    codes_by_position = {s.position: s.code for s in race.course}
    furthest = dict(
        TimingRecord.objects.filter(race=race, voided=False)
        .order_by()
        .values("team_id")
        .annotate(furthest=Max("station__position"))
        .values_list("team_id", "furthest")
    )
    first_here = dict(
        TimingRecord.objects.filter(race=race, station=station, voided=False)
        .order_by()
        .values("team_id")
        .annotate(first=Min("at"))
        .values_list("team_id", "first")
    )
    runners: dict[int, dict[str, str]] = {}
    aliases: dict[str, str] = {}
    team_bibs = dict(Team.objects.filter(race=race).values_list("pk", "bib"))
    for team_id, leg, name, runner_bib, chip_id in Runner.objects.filter(race=race).values_list(
        "team_id", "leg", "name", "runner_bib", "chip_id"
    ):
        runners.setdefault(team_id, {})[str(leg)] = name
        for alias in (runner_bib, chip_id):
            if alias:
                aliases[alias] = team_bibs[team_id]
    teams = {}
    for team_id, bib, name, category, status in Team.objects.filter(race=race).values_list(
        "pk", "bib", "name", "category__code", "official_status"
    ):
        reached = furthest.get(team_id)
        here = first_here.get(team_id)
        teams[bib] = {
            "name": name,
            "category": category,
            "status": status,
            "runners": runners.get(team_id, {}),
            "reached": codes_by_position.get(reached) if reached is not None else None,
            "reached_position": reached,
            "here_ms": epoch_ms(here) if here is not None else None,
        }
    return {
        "race": race.slug,
        "station": station.code,
        "position": station.position,
        "relay": station.code in race.handoff_codes,
        "arriving_leg": arriving.number if arriving else None,
        "leaving_leg": leaving.number if leaving else None,
        "teams": teams,
        "aliases": aliases,
    }


#: A safety net only: a roster is checked against the race's version whenever it is asked for.
ROSTER_KEPT_SECONDS = 6 * 3600
#: Longer than any build of a roster: a process that died building one frees it after this.
ROSTER_BUILD_SECONDS = 30

ROSTERS: VersionedCache[tuple[bytes, str]] = VersionedCache(
    "roster",
    kept_seconds=ROSTER_KEPT_SECONDS,
    lock_seconds=ROSTER_BUILD_SECONDS,
    wait_seconds=ROSTER_BUILD_SECONDS,
)


def station_roster_json(race: Race, station: Station) -> tuple[bytes, str]:
    """The station's roster as the keypad receives it, and its ETag.

    Every keypad asks every minute, and a 25,000-team roster takes a good part of a second to
    build: it is built again only after a change of the race (a new standings version), and
    then at most once a TASUKI_ROSTER_REFRESH_SECONDS per station, by one process at a time;
    meanwhile keypads get the roster built last. Its warnings may be that much late; the
    keypad's own entries are not.
    """
    kept = ROSTERS.fetch(
        (race.pk, station.pk),
        wanted=race.standings_version,
        compute=lambda: _roster_json(race, station),
        recent_seconds=settings.TASUKI_ROSTER_REFRESH_SECONDS,
        stale_while_computing=True,
    )
    return kept.value


def _roster_json(race: Race, station: Station) -> tuple[bytes, str]:
    body = json.dumps(station_roster(race, station), ensure_ascii=False, separators=(",", ":")).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'
