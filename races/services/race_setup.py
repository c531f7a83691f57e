"""Setting up a race: its stations, legs and categories, from the race file."""

import itertools
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from races.csv_rows import decode_upload
from races.eligibility import (
    CategoryRules,
    RunnerFacts,
    eligibility_problems,
)
from races.models import (
    Category,
    Race,
    Station,
    legs_of,
)
from races.problems import InputProblems, Problem
from races.race_file import CATEGORY_RULES, parse_race_payload


def race_import_json(*, raw: bytes, filename: str = "the race file") -> tuple[Race, bool]:
    text = decode_upload(raw, filename)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputProblems(
            [
                _("line %(line)d, column %(col)d: %(file)s is not valid JSON (%(msg)s).")
                % {
                    "line": exc.lineno,
                    "col": exc.colno,
                    "file": filename,
                    "msg": exc.msg,
                }
            ]
        ) from None
    return race_import(payload=payload)


@transaction.atomic
def race_import(*, payload: object) -> tuple[Race, bool]:
    """Create the race, or update it if no recorded timing or registered team forbids the change.

    Returns (race, created).
    """
    fields_, stations, categories = parse_race_payload(payload)
    race = Race.objects.select_for_update().filter(slug=fields_["slug"]).first()
    created = race is None
    if race is None:
        race = Race.objects.create(**fields_)
    elif _race_as_stored(race, fields_.keys()) == (
        fields_,
        stations,
        sorted(categories, key=lambda c: c["code"]),
    ):
        return race, False  # the same file again: nothing to store, the standings stay cached
    else:
        _check_race_update(race, fields_, stations, categories)
        for key, value in fields_.items():
            setattr(race, key, value)
        race.save()
        race.bump_standings_version()
    _store_stations(race, stations)
    _store_categories(race, categories)
    return race, created


def _race_as_stored(race: Race, parsed_keys) -> tuple[dict, list[dict], list[dict]]:
    """The race in the parsed payload's shape, to tell a re-import from a change (`parsed_keys`:
    the race fields the file gave; a file without the optional place or records leaves them as they are)."""
    keys = ("slug", "name", "date", "timezone", "start_time", "kuriage_minutes", "place", "records")
    fields_ = {k: getattr(race, k) for k in keys if k in parsed_keys}
    stations = list(
        race.stations.order_by("position").values("code", "name", "km", "handoff", "kuriage_minutes")
    )
    categories = list(race.categories.order_by("code").values("code", "name", *CATEGORY_RULES))
    return fields_, stations, categories


def _check_race_update(race: Race, fields_: dict, stations: list[dict], categories: list[dict]) -> None:
    problems: list[Problem] = []
    old_course = list(race.stations.order_by("position"))
    old_legs = [(leg.start.code, leg.end.code) for leg in legs_of(old_course)]
    new_points = [s["code"] for s in stations if s["handoff"]]
    new_legs = list(itertools.pairwise(new_points))
    records = race.timing_records.all()
    if records.exists():
        timed_codes = set(records.values_list("station__code", flat=True).distinct())
        for code in sorted(timed_codes - {s["code"] for s in stations}):
            problems.append(
                Problem(_("%s has timing records and cannot be removed.") % code, field="stations")
            )
        if old_legs != new_legs:
            problems.append(
                Problem(
                    _(
                        "the relay stations cannot change once timing has been recorded; the legs would "
                        "no longer match the splits."
                    ),
                    field="stations",
                )
            )
        gun = datetime.combine(fields_["date"], fields_["start_time"], tzinfo=ZoneInfo(fields_["timezone"]))
        early = records.filter(at__lt=gun).count()
        if early:
            problems.append(
                Problem(_("date/start_time: %d timing records would fall before the new gun time.") % early)
            )
    teams = race.teams.select_related("category").prefetch_related("runners")
    if teams.exists() and len(new_legs) != len(old_legs):
        problems.append(
            Problem(
                _("teams are registered with %(old)d runners; the new course has %(new)d legs.")
                % {"old": len(old_legs), "new": len(new_legs)},
                field="stations",
            )
        )
    new_rules = {c["code"]: CategoryRules(**c) for c in categories}
    for team in teams:
        rules = new_rules.get(team.category.code)
        if rules is None:
            problems.append(
                Problem(
                    _("%(code)s cannot be removed; team %(bib)s is registered in it.")
                    % {"code": team.category.code, "bib": team.bib},
                    field="categories",
                )
            )
            continue
        runners = [RunnerFacts(r.leg, r.name, r.gender, r.birth_date) for r in team.runners.all()]
        for problem in eligibility_problems(rules, runners, fields_["date"]):
            problems.append(Problem(_("team %(bib)s: %(problem)s") % {"bib": team.bib, "problem": problem}))
    if problems:
        raise InputProblems(problems)


def _store_stations(race: Race, stations: list[dict]) -> None:
    existing = {s.code: s for s in race.stations.all()}
    race.stations.exclude(code__in=[s["code"] for s in stations]).delete()
    # Park positions out of the way first so a reordering never collides with itself.
    for station in existing.values():
        Station.objects.filter(pk=station.pk).update(position=10_000 + station.position)
    for position, values in enumerate(stations):
        station = existing.get(values["code"]) or Station(race=race)
        for key, value in values.items():
            setattr(station, key, value)
        station.position = position
        station.save()
    race.__dict__.pop("course", None)
    race.__dict__.pop("legs", None)


def _store_categories(race: Race, categories: list[dict]) -> None:
    race.categories.exclude(code__in=[c["code"] for c in categories]).delete()
    for values in categories:
        Category.objects.update_or_create(race=race, code=values["code"], defaults=values)
