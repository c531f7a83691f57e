"""Write operations on the race set-up. Each is one transaction with its validation inside."""

import getpass
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.csv_rows import Row, decode_upload, read_rows
from races.eligibility import (
    CategoryRules,
    RunnerFacts,
    birth_date_problem,
    eligibility_problems,
    registration_birth_date_problem,
)
from races.models import (
    AuditEntry,
    Category,
    Gender,
    OfficialStatus,
    Race,
    Runner,
    Station,
    Team,
    legs_of,
)
from races.names import clean_name, name_key
from races.problems import InputProblems, at_line
from races.race_file import CATEGORY_RULES, parse_race_payload

COMMAND_LINE = "command line"


def command_line_actor() -> str:
    try:
        return f"{COMMAND_LINE} ({getpass.getuser()})"
    except (KeyError, OSError):
        return COMMAND_LINE


# --- race set-up --------------------------------------------------------------------------


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
    elif _race_as_stored(race) == (fields_, stations, sorted(categories, key=lambda c: c["code"])):
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


def _race_as_stored(race: Race) -> tuple[dict, list[dict], list[dict]]:
    """The race in the parsed payload's shape, to tell a re-import from a change."""
    fields_ = {
        k: getattr(race, k) for k in ("slug", "name", "date", "timezone", "start_time", "kuriage_minutes")
    }
    stations = list(
        race.stations.order_by("position").values("code", "name", "km", "handoff", "kuriage_minutes")
    )
    categories = list(race.categories.order_by("code").values("code", "name", *CATEGORY_RULES))
    return fields_, stations, categories


def _check_race_update(race: Race, fields_: dict, stations: list[dict], categories: list[dict]) -> None:
    problems: list[str] = []
    old_course = list(race.stations.order_by("position"))
    old_legs = [(leg.start.code, leg.end.code) for leg in legs_of(old_course)]
    new_points = [s["code"] for s in stations if s["handoff"]]
    new_legs = list(itertools.pairwise(new_points))
    records = race.timing_records.all()
    if records.exists():
        timed_codes = set(records.values_list("station__code", flat=True).distinct())
        for code in sorted(timed_codes - {s["code"] for s in stations}):
            problems.append(_("stations: %s has timing records and cannot be removed.") % code)
        if old_legs != new_legs:
            problems.append(
                _(
                    "stations: the relay stations cannot change once timing has been recorded; the legs would no longer match the splits."
                )
            )
        gun = datetime.combine(fields_["date"], fields_["start_time"], tzinfo=ZoneInfo(fields_["timezone"]))
        early = records.filter(at__lt=gun).count()
        if early:
            problems.append(
                _("date/start_time: %d timing records would fall before the new gun time.") % early
            )
    teams = race.teams.select_related("category").prefetch_related("runners")
    if teams.exists() and len(new_legs) != len(old_legs):
        problems.append(
            _("stations: teams are registered with %(old)d runners; the new course has %(new)d legs.")
            % {"old": len(old_legs), "new": len(new_legs)}
        )
    new_rules = {c["code"]: CategoryRules(**c) for c in categories}
    for team in teams:
        rules = new_rules.get(team.category.code)
        if rules is None:
            problems.append(
                _("categories: %(code)s cannot be removed; team %(bib)s is registered in it.")
                % {"code": team.category.code, "bib": team.bib}
            )
            continue
        runners = [RunnerFacts(r.leg, r.name, r.gender, r.birth_date) for r in team.runners.all()]
        for problem in eligibility_problems(rules, runners, fields_["date"]):
            problems.append(_("team %(bib)s: %(problem)s") % {"bib": team.bib, "problem": problem})
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


# --- entries ------------------------------------------------------------------------------

ENTRY_COLUMNS = (
    "team_bib",
    "team_name",
    "category",
    "leg",
    "runner_name",
    "gender",
    "birth_date",
)
ENTRY_OPTIONAL = ("club", "runner_bib", "chip_id", "nationality")
TEAM_FIELDS = ("name", "category_id", "club")
RUNNER_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "club",
    "runner_bib",
    "chip_id",
    "nationality",
)


@dataclass
class EntriesSummary:
    teams_created: int = 0
    teams_updated: int = 0
    runners_created: int = 0
    runners_updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _(
            "%(tc)d teams created, %(tu)d updated; %(rc)d runners created, %(ru)d updated; "
            "%(same)d rows unchanged."
        ) % {
            "tc": self.teams_created,
            "tu": self.teams_updated,
            "rc": self.runners_created,
            "ru": self.runners_updated,
            "same": self.unchanged,
        }


@dataclass
class TeamEntry:
    """One team as a file or a form gives it, before anything is stored."""

    bib: str
    name: str
    category: Category
    runners: dict[int, dict] = field(default_factory=dict)  # leg -> runner fields
    lines: dict[int, int] = field(default_factory=dict)  # leg -> line number, for messages

    @property
    def club(self) -> str:
        clubs = Counter(r["club"] for r in self.runners.values() if r["club"])
        return clubs.most_common(1)[0][0] if clubs else ""


def _parse_entry_row(
    row: Row,
    race: Race,
    categories: dict[str, Category],
    legs: int,
    problems: list[str],
) -> dict | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(at_line(row.line, column, message))

    values: dict = {"line": row.line}
    for column, limit in (("team_bib", 20), ("team_name", 200), ("runner_name", 200)):
        if not row[column]:
            bad(column, _("required; it is empty."))
        elif len(row[column]) > limit:
            bad(column, _("longer than %d characters.") % limit)
    values["bib"], values["team_name"], values["name"] = (
        row["team_bib"],
        row["team_name"],
        row["runner_name"],
    )

    category = categories.get(row["category"])
    if category is None:
        bad(
            "category",
            _("%(value)r is not a category of this race; use one of %(codes)s.")
            % {"value": row["category"], "codes": ", ".join(sorted(categories))},
        )
    values["category"] = category

    try:
        values["leg"] = int(row["leg"])
        if not 1 <= values["leg"] <= legs:
            raise ValueError
    except ValueError:
        bad(
            "leg",
            _("%(value)r is not a leg; this race has legs 1 to %(legs)d.")
            % {"value": row["leg"], "legs": legs},
        )

    values["gender"] = row["gender"].upper()
    if values["gender"] not in Gender.values:
        bad("gender", _("%r is not a gender; use F, M or X.") % row["gender"])

    try:
        values["birth_date"] = date.fromisoformat(row["birth_date"])
        if problem := birth_date_problem(values["birth_date"], race.date):
            bad("birth_date", problem)
    except ValueError:
        bad(
            "birth_date",
            _("%r is not a date; write it as YYYY-MM-DD (e.g. 1984-02-29).") % row["birth_date"],
        )

    for column, limit in (
        ("club", 200),
        ("runner_bib", 20),
        ("chip_id", 64),
        ("nationality", 3),
    ):
        if len(row[column]) > limit:
            bad(column, _("longer than %d characters.") % limit)
        values[column] = row[column]
    values["nationality"] = values["nationality"].upper()
    return values if len(problems) == before else None


def _collect_teams(rows: list[dict], race: Race, legs: int, problems: list[str]) -> dict[str, TeamEntry]:
    teams: dict[str, TeamEntry] = {}
    for values in rows:
        entry = teams.get(values["bib"])
        if entry is None:
            entry = teams[values["bib"]] = TeamEntry(values["bib"], values["team_name"], values["category"])
        else:
            if values["team_name"] != entry.name:
                problems.append(
                    at_line(
                        values["line"],
                        "team_name",
                        _("%(new)r differs from %(old)r on line %(first)d for team %(bib)s.")
                        % {
                            "new": values["team_name"],
                            "old": entry.name,
                            "first": min(entry.lines.values()),
                            "bib": entry.bib,
                        },
                    )
                )
            if values["category"] != entry.category:
                problems.append(
                    at_line(
                        values["line"],
                        "category",
                        _("%(new)s differs from %(old)s on line %(first)d for team %(bib)s.")
                        % {
                            "new": values["category"].code,
                            "old": entry.category.code,
                            "first": min(entry.lines.values()),
                            "bib": entry.bib,
                        },
                    )
                )
        leg = values["leg"]
        if leg in entry.runners:
            problems.append(
                at_line(
                    values["line"],
                    "leg",
                    _("team %(bib)s already has a runner for leg %(leg)d on line %(first)d.")
                    % {"bib": entry.bib, "leg": leg, "first": entry.lines[leg]},
                )
            )
            continue
        entry.lines[leg] = values["line"]
        entry.runners[leg] = {k: values[k] for k in RUNNER_FIELDS}
    return teams


def team_entry_problems(entry: TeamEntry, race: Race, legs: int, *, named: bool = True) -> list[str]:
    """What stops this team from starting: a missing leg or a category rule it breaks.

    `named=False` leaves out the "team <bib>: " prefix, for a captain who has no bib yet.
    """
    problems = []
    missing = [leg for leg in range(1, legs + 1) if leg not in entry.runners]
    if missing:
        problems.append(
            _("no runner for leg %(legs)s; every team needs one runner for each of legs 1 to %(n)d.")
            % {"legs": ", ".join(map(str, missing)), "n": legs}
        )
    facts = [RunnerFacts(leg, r["name"], r["gender"], r["birth_date"]) for leg, r in entry.runners.items()]
    problems.extend(eligibility_problems(CategoryRules.of(entry.category), facts, race.date))
    if named:
        problems = [_("team %(bib)s: %(problem)s") % {"bib": entry.bib, "problem": p} for p in problems]
    return problems


def identifier_problems(
    race: Race, entries: dict[str, TeamEntry], *, replacing: Team | None = None, by_leg: bool = False
) -> list[str]:
    """Every team bib, runner bib and chip id must name one thing in the race.

    A timing read resolves through any of them, so a runner bib that is also another team's
    bib or chip id would send a split to the wrong team. A runner's chip id may equal their
    own runner bib, and a runner bib may equal their own team's bib. `replacing` is a stored
    team the entry replaces (its bib may change); `by_leg` names runners by leg, not file line.
    """
    problems: list[str] = []
    owners: dict[str, tuple[str, int | None]] = {}  # value -> (team bib, leg or None for the team)
    kept = race.teams.exclude(bib__in=list(entries))
    if replacing is not None and replacing.pk:
        kept = kept.exclude(pk=replacing.pk)
    for bib in kept.values_list("bib", flat=True):
        owners[bib] = (bib, None)
    for team_bib, leg, chip, runner_bib in race.runners.filter(team__in=kept).values_list(
        "team__bib", "leg", "chip_id", "runner_bib"
    ):
        for value in (chip, runner_bib):
            if value:
                owners.setdefault(value, (team_bib, leg))

    def owner_text(owner: tuple[str, int | None]) -> str:
        if owner[1] is None:
            return _("team %s's bib") % owner[0]
        return _("team %(bib)s leg %(leg)d") % {"bib": owner[0], "leg": owner[1]}

    for entry in entries.values():
        owner = owners.setdefault(entry.bib, (entry.bib, None))
        if owner != (entry.bib, None):
            problems.append(
                _(
                    "team %(bib)s: the bib %(bib)s is already used by %(owner)s; timing reads would be ambiguous."
                )
                % {"bib": entry.bib, "owner": owner_text(owner)}
            )
    for entry in entries.values():
        for leg, runner in sorted(entry.runners.items()):
            for column in ("runner_bib", "chip_id"):
                value = runner[column]
                if not value:
                    continue
                owner = owners.setdefault(value, (entry.bib, leg))
                if owner not in ((entry.bib, leg), (entry.bib, None)):
                    message = _(
                        "%(value)s is already used by %(owner)s; timing reads would be ambiguous."
                    ) % {
                        "value": value,
                        "owner": owner_text(owner),
                    }
                    if by_leg:
                        problems.append(
                            _("leg %(leg)d, %(column)s: %(message)s")
                            % {"leg": leg, "column": column, "message": message}
                        )
                    else:
                        problems.append(at_line(entry.lines[leg], column, message))
    return problems


@transaction.atomic
def entries_import(
    *,
    race: Race,
    raw: bytes,
    filename: str = "the entries file",
    actor: str = COMMAND_LINE,
    user=None,
) -> EntriesSummary:
    """Register or update the teams in an entries CSV; all or nothing.

    Teams not in the file are left alone, so a file of late entries can be imported on its own.
    """
    Race.objects.select_for_update().filter(pk=race.pk).first()  # one writer of a race's entries at a time
    problems: list[str] = []
    rows = read_rows(
        raw, required=ENTRY_COLUMNS, optional=ENTRY_OPTIONAL, filename=filename, problems=problems
    )
    categories = {c.code: c for c in race.categories.all()}
    legs = len(race.legs)
    parsed = [v for row in rows if (v := _parse_entry_row(row, race, categories, legs, problems))]
    entries = _collect_teams(parsed, race, legs, problems)
    if not problems:
        for entry in entries.values():
            problems.extend(team_entry_problems(entry, race, legs))
        problems.extend(identifier_problems(race, entries))
    if problems:
        raise InputProblems(problems)
    summary = _store_entries(race, list(entries.values()))
    if summary.teams_created or summary.teams_updated or summary.runners_created or summary.runners_updated:
        AuditEntry.objects.create(
            race=race,
            user=user,
            actor=actor,
            action=AuditEntry.Action.ENTRIES_IMPORTED,
            details={"file": filename, "summary": str(summary)},
        )
        race.bump_standings_version()
    return summary


def _store_entries(race: Race, entries: list[TeamEntry]) -> EntriesSummary:
    summary = EntriesSummary()
    teams = {t.bib: t for t in race.teams.filter(bib__in=[e.bib for e in entries])}
    new_teams = []
    for entry in entries:
        team = teams.get(entry.bib)
        values = {
            "name": entry.name,
            "category_id": entry.category.pk,
            "club": entry.club,
        }
        if team is None:
            team = Team(race=race, bib=entry.bib, **values)
            new_teams.append(team)
            teams[entry.bib] = team
            summary.teams_created += 1
        elif any(getattr(team, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(team, k, v)
            team.save(update_fields=[*TEAM_FIELDS, "updated_at"])
            summary.teams_updated += 1
    # SQLite and PostgreSQL both hand back the new primary keys from a bulk insert.
    Team.objects.bulk_create(new_teams, batch_size=2000)

    existing = {(r.team_id, r.leg): r for r in race.runners.filter(team__in=list(teams.values()))}
    new_runners, changed = [], []
    for entry in entries:
        team = teams[entry.bib]
        for leg, values in sorted(entry.runners.items()):
            runner = existing.get((team.pk, leg))
            if runner is None:
                new_runners.append(Runner(race=race, team=team, leg=leg, **values))
            elif any(getattr(runner, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(runner, k, v)
                changed.append(runner)
            else:
                summary.unchanged += 1
    # Chip ids may move between runners in one file: clear them first so no update collides.
    Runner.objects.filter(pk__in=[r.pk for r in changed]).update(chip_id="", runner_bib="")
    Runner.objects.bulk_update(changed, RUNNER_FIELDS, batch_size=2000)
    Runner.objects.bulk_create(new_runners, batch_size=2000)
    summary.runners_created = len(new_runners)
    summary.runners_updated = len(changed)
    return summary


def next_free_bib(race: Race) -> str:
    """The bib after the highest numeric team bib that no runner bib or chip id already uses."""
    numbers = [int(b) for b in race.teams.values_list("bib", flat=True) if b.isdecimal() and b.isascii()]
    taken = set(race.runners.values_list("runner_bib", flat=True)) | set(
        race.runners.values_list("chip_id", flat=True)
    )
    bib = max(numbers, default=100) + 1
    while str(bib) in taken:
        bib += 1
    return str(bib)


def team_name_problems(race: Race, name: str) -> list[str]:
    """A registered name must show as something, and must not pass for a team already in the race.

    `name` is already cleaned (races.names.clean_name). Two names are the same whatever their
    case, spacing or Unicode form, so "HARIMAU  striders" cannot sit beside "Harimau Striders"
    in the standings and confuse the officials calling bibs at a relay station.
    """
    if not name:
        return [
            _(
                "team name: empty once invisible characters and spaces are removed; type the team's "
                "name as it should appear in the results."
            )
        ]
    key = name_key(name)
    for bib, other in race.teams.order_by("bib").values_list("bib", "name"):
        if name_key(other) == key:
            return [
                _(
                    "team name: “%(name)s” is already registered in this race as team %(bib)s "
                    "(“%(other)s”). If that is your team, it is registered already; otherwise add your "
                    "club, town or a number to the name."
                )
                % {"name": name, "bib": bib, "other": other}
            ]
    return []


@transaction.atomic
def team_register(
    *,
    race: Race,
    name: str,
    category: Category,
    runners: list[dict],
    actor: str,
    user=None,
    now: datetime | None = None,
) -> Team:
    """A team captain's registration on the public form: checked as an entries row is.

    `now` is the moment the captain sent the form (default: the clock), for the registration
    window: the race may have been closed, or the deadline passed, while the form was open.
    """
    locked = Race.objects.select_for_update().get(pk=race.pk)  # one bib per concurrent captain
    if (closed := locked.registration_closed_because(now or timezone.now())) is not None:
        raise InputProblems(
            [_("Registration is closed. %s") % locked.registration_closed_explanation(closed)]
        )
    legs = len(race.legs)
    entry = TeamEntry(bib=next_free_bib(race), name=clean_name(name), category=category)
    for leg, runner in enumerate(runners, 1):
        entry.runners[leg] = {k: runner.get(k, "") for k in RUNNER_FIELDS}
        entry.runners[leg]["name"] = clean_name(entry.runners[leg]["name"])
        entry.lines[leg] = leg
    problems = team_name_problems(race, entry.name)
    problems += team_entry_problems(entry, race, legs, named=False)
    for leg, runner in entry.runners.items():
        if not runner["name"]:
            problems.append(
                _("leg %d, name: empty once invisible characters are removed; type the runner's name.") % leg
            )
        born = runner["birth_date"]
        if born and (problem := registration_birth_date_problem(born, race.date)):
            problems.append(_("leg %(leg)d, birth date: %(problem)s") % {"leg": leg, "problem": problem})
    if problems:
        raise InputProblems(problems)
    _store_entries(race, [entry])
    race.bump_standings_version()
    team = race.teams.get(bib=entry.bib)
    AuditEntry.objects.create(
        race=race,
        user=user,
        actor=actor,
        action=AuditEntry.Action.ENTRIES_IMPORTED,
        team=team,
        details={"registered": team.bib},
    )
    return team


# --- race day -----------------------------------------------------------------------------


REASON_MAX_LENGTH = 300  # AuditEntry.reason and the status and void reasons hold this much


def check_reason_length(reason: str) -> None:
    """An official's reason goes into the audit trail: one sentence, not a report."""
    if len(reason.strip()) > REASON_MAX_LENGTH:
        raise InputProblems(
            [_("reason: longer than %d characters; keep it to one sentence.") % REASON_MAX_LENGTH]
        )


def team_for_bib(race: Race, bib: str) -> Team:
    team = race.teams.filter(bib=bib).first()
    if team is None:
        raise InputProblems([_("team %(bib)s: no such team in %(race)s.") % {"bib": bib, "race": race.slug}])
    return team


PUBLIC_NOTE_MAX_LENGTH = 300  # Team.public_note holds this much


@transaction.atomic
def team_status_set(
    *,
    race: Race,
    bib: str,
    status: str,
    reason: str = "",
    public_note: str = "",
    actor: str,
    user=None,
) -> Team:
    """DQ, DNS, DNF by an official, or AUTO to go back to the status the splits give.

    `reason` is for the officials and the audit trail only; `public_note` is what spectators
    read beside the status ("withdrew before leg 3"). Each decision replaces both, so a note
    written for an earlier decision never stays under a new status.
    """
    status = status.upper()
    check_reason_length(reason)
    public_note = clean_name(public_note)  # shown on public pages: no invisible characters
    if len(public_note) > PUBLIC_NOTE_MAX_LENGTH:
        raise InputProblems(
            [
                _("public note: longer than %d characters; keep it to one short sentence.")
                % PUBLIC_NOTE_MAX_LENGTH
            ]
        )
    allowed = [OfficialStatus.DQ, OfficialStatus.DNS, OfficialStatus.DNF]
    if status != "AUTO" and status not in allowed:
        raise InputProblems([_("status: %r is not a status; use DQ, DNS, DNF or AUTO.") % status])
    team = team_for_bib(race, bib)
    previous = team.official_status or "AUTO"
    team.official_status = "" if status == "AUTO" else status
    team.status_reason = reason if status != "AUTO" else ""
    team.public_note = public_note
    team.save(update_fields=["official_status", "status_reason", "public_note", "updated_at"])
    AuditEntry.objects.create(
        race=race,
        user=user,
        actor=actor,
        action=AuditEntry.Action.TEAM_STATUS,
        team=team,
        reason=reason,
        details={"from": previous, "to": status, "public_note": public_note},
    )
    race.bump_standings_version()
    return team


def team_delete_problems(team: Team) -> list[str]:
    """Why a team cannot be deleted. A team that ran is part of the race's record: its splits
    moved other teams' carry-over starts and ranks, and an appeal may need them."""
    records = team.timing_records.count()
    if not records:
        return []
    return [
        ngettext(
            "Team %(bib)s (%(name)s) has %(count)d timing record, so it cannot be deleted. Set a "
            "status (DNS or DQ) instead, or void the split if it was wrong.",
            "Team %(bib)s (%(name)s) has %(count)d timing records, so it cannot be deleted. Set a "
            "status (DNS or DQ) instead, or void the splits that were wrong.",
            records,
        )
        % {"bib": team.bib, "name": team.name, "count": records}
    ]


@transaction.atomic
def team_delete(*, team: Team, actor: str, user=None) -> None:
    """Remove a team that never ran (a spam registration, a duplicate); its runners go with it."""
    # Locked, so no split can be stored for it between the check and the delete.
    locked = Team.objects.select_for_update().select_related("race").filter(pk=team.pk).first()
    if locked is None:
        raise InputProblems([_("team %s: already deleted.") % team.bib])
    if problems := team_delete_problems(locked):
        raise InputProblems(problems)
    race = locked.race
    # The team row goes, so the trail keeps what it was (names only: birth dates are not needed).
    AuditEntry.objects.create(
        race=race,
        user=user,
        actor=actor,
        action=AuditEntry.Action.TEAM_DELETED,
        details={
            "bib": locked.bib,
            "name": locked.name,
            "runners": [
                {"leg": leg, "name": name}
                for leg, name in locked.runners.order_by("leg").values_list("leg", "name")
            ],
        },
    )
    locked.delete()
    race.bump_standings_version()


@transaction.atomic
def race_close(
    *, race: Race, reopen: bool = False, actor: str, user=None, details: dict | None = None
) -> bool:
    """Close the race (teams still out become DNF) or open it again; False if it already was.

    Closing a closed race is no second decision: nothing is audited and the standings stay.
    `details` go into the audit entry (how many teams became DNF, which races knows nothing of).
    """
    wanted = not reopen
    race.is_closed = Race.objects.select_for_update().values_list("is_closed", flat=True).get(pk=race.pk)
    if race.is_closed == wanted:
        return False
    race.is_closed = wanted
    race.save(update_fields=["is_closed"])
    AuditEntry.objects.create(
        race=race,
        user=user,
        actor=actor,
        action=AuditEntry.Action.RACE_REOPENED if reopen else AuditEntry.Action.RACE_CLOSED,
        details=details or {},
    )
    race.bump_standings_version()
    return True
