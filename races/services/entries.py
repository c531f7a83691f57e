"""Teams and runners: the entries file, the public registration form, the identifiers they use."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from races.audit import SOMEONE_AT_THE_COMMAND_LINE, Actor, EntriesImported, audit, entries_counts_text
from races.csv_rows import Row, read_rows
from races.eligibility import (
    CategoryRules,
    RunnerFacts,
    birth_date_problem,
    eligibility_problems,
)
from races.models import (
    AuditEntry,
    Category,
    Gender,
    Race,
    Runner,
    Team,
)
from races.problems import InputProblems, Problem

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
        return entries_counts_text(**asdict(self))


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
    problems: list[Problem],
) -> dict | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(Problem(message, field=column, line=row.line))

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


def _collect_teams(rows: list[dict], race: Race, legs: int, problems: list[Problem]) -> dict[str, TeamEntry]:
    teams: dict[str, TeamEntry] = {}
    for values in rows:
        entry = teams.get(values["bib"])
        if entry is None:
            entry = teams[values["bib"]] = TeamEntry(values["bib"], values["team_name"], values["category"])
        else:
            if values["team_name"] != entry.name:
                problems.append(
                    Problem(
                        _("%(new)r differs from %(old)r on line %(first)d for team %(bib)s.")
                        % {
                            "new": values["team_name"],
                            "old": entry.name,
                            "first": min(entry.lines.values()),
                            "bib": entry.bib,
                        },
                        field="team_name",
                        line=values["line"],
                    )
                )
            if values["category"] != entry.category:
                problems.append(
                    Problem(
                        _("%(new)s differs from %(old)s on line %(first)d for team %(bib)s.")
                        % {
                            "new": values["category"].code,
                            "old": entry.category.code,
                            "first": min(entry.lines.values()),
                            "bib": entry.bib,
                        },
                        field="category",
                        line=values["line"],
                    )
                )
        leg = values["leg"]
        if leg in entry.runners:
            problems.append(
                Problem(
                    _("team %(bib)s already has a runner for leg %(leg)d on line %(first)d.")
                    % {"bib": entry.bib, "leg": leg, "first": entry.lines[leg]},
                    field="leg",
                    line=values["line"],
                )
            )
            continue
        entry.lines[leg] = values["line"]
        entry.runners[leg] = {k: values[k] for k in RUNNER_FIELDS}
    return teams


def team_entry_problems(entry: TeamEntry, race: Race, legs: int, *, named: bool = True) -> list[Problem]:
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
    return [Problem(problem) for problem in problems]


def identifier_problems(
    race: Race, entries: dict[str, TeamEntry], *, replacing: Team | None = None, by_leg: bool = False
) -> list[Problem]:
    """Every team bib, runner bib and chip id must name one thing in the race.

    A timing read resolves through any of them, so a runner bib that is also another team's
    bib or chip id would send a split to the wrong team. A runner's chip id may equal their
    own runner bib, and a runner bib may equal their own team's bib. `replacing` is a stored
    team the entry replaces (its bib may change); `by_leg` names runners by leg, not file line.
    """
    problems: list[Problem] = []
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
                Problem(
                    _(
                        "team %(bib)s: the bib %(bib)s is already used by %(owner)s; timing reads would be "
                        "ambiguous."
                    )
                    % {"bib": entry.bib, "owner": owner_text(owner)}
                )
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
                        # A team's own page, which has no lines: its runners are told by leg.
                        message = _("leg %(leg)d, %(column)s: %(message)s") % {
                            "leg": leg,
                            "column": column,
                            "message": message,
                        }
                        problems.append(Problem(message))
                    else:
                        problems.append(Problem(message, field=column, line=entry.lines[leg]))
    return problems


@transaction.atomic
def entries_import(
    *,
    race: Race,
    raw: bytes | BinaryIO,
    filename: str = "the entries file",
    actor: Actor = SOMEONE_AT_THE_COMMAND_LINE,
) -> EntriesSummary:
    """Register or update the teams in an entries CSV; all or nothing.

    Teams not in the file are left alone, so a file of late entries can be imported on its own.
    """
    Race.objects.select_for_update().filter(pk=race.pk).first()  # one writer of a race's entries at a time
    problems: list[Problem] = []
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
        audit(
            race=race,
            action=AuditEntry.Action.ENTRIES_IMPORTED,
            actor=actor,
            details=EntriesImported(file=filename, summary=str(summary), counts=asdict(summary)),
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
