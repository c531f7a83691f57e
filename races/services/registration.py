"""The public registration form: a captain registers a team, which gets the next free bib."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import Actor, TeamRegistered, audit
from races.eligibility import (
    registration_birth_date_problem,
)
from races.models import (
    AuditEntry,
    Category,
    Race,
    Team,
)
from races.names import clean_name, name_key
from races.problems import InputProblems, Problem
from races.services.entries import RUNNER_FIELDS, TeamEntry, _store_entries, team_entry_problems


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


def team_name_problems(race: Race, name: str) -> list[Problem]:
    """A registered name must show as something, and must not pass for a team already in the race.

    `name` is already cleaned (races.names.clean_name). Two names are the same whatever their
    case, spacing or Unicode form, so "HARIMAU  striders" cannot sit beside "Harimau Striders"
    in the standings and confuse the officials calling bibs at a relay station.
    """
    if not name:
        return [
            Problem(
                _(
                    "team name: empty once invisible characters and spaces are removed; type the team's "
                    "name as it should appear in the results."
                )
            )
        ]
    key = name_key(name)
    for bib, other in race.teams.order_by("bib").values_list("bib", "name"):
        if name_key(other) == key:
            return [
                Problem(
                    _(
                        "team name: “%(name)s” is already registered in this race as team %(bib)s "
                        "(“%(other)s”). If that is your team, it is registered already; otherwise add "
                        "your club, town or a number to the name."
                    )
                    % {"name": name, "bib": bib, "other": other}
                )
            ]
    return []


@transaction.atomic
def team_register(
    *,
    race: Race,
    name: str,
    category: Category,
    runners: list[dict],
    actor: Actor,
    now: datetime | None = None,
    captain_phone: str = "",
) -> Team:
    """A team captain's registration on the public form: checked as an entries row is.

    `captain_phone` is for race control only (the overdue list); no public page shows it.

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
                Problem(
                    _("leg %d, name: empty once invisible characters are removed; type the runner's name.")
                    % leg
                )
            )
        born = runner["birth_date"]
        if born and (problem := registration_birth_date_problem(born, race.date)):
            problems.append(
                Problem(_("leg %(leg)d, birth date: %(problem)s") % {"leg": leg, "problem": problem})
            )
    if problems:
        raise InputProblems(problems)
    _store_entries(race, [entry])
    race.bump_standings_version()
    team = race.teams.get(bib=entry.bib)
    if captain_phone:
        team.captain_phone = captain_phone
        team.save(update_fields=["captain_phone"])
    audit(
        race=race,
        action=AuditEntry.Action.ENTRIES_IMPORTED,
        actor=actor,
        details=TeamRegistered(bib=team.bib),
        team=team,
    )
    return team
