"""Runner changes on race day (当日変更): a substitute runs a leg, or two legs swap their runners.

The team's category rules are checked again on the team as it would be, through the same
eligibility check as the entries file, so a change cannot make a team ineligible. After the
race's changes deadline (empty: the gun) a change needs a reason, which the audit trail keeps.

A runner bib and chip id belong to the leg (the substitute wears the leg's bib and chip), so a
substitute keeps them and a swap leaves them where they are; the person's own facts (name,
gender, birth date, club, nationality) move.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import Actor, LegRunner, RunnerChanged, audit
from races.eligibility import birth_date_problem, implausible_age_problem
from races.models import AuditEntry, Gender, Race, Runner, Team
from races.names import clean_name
from races.problems import InputProblems, Problem
from races.services.common import check_reason_length
from races.services.entries import RUNNER_FIELDS, TeamEntry, team_entry_problems
from races.services.race_day import team_for_bib
from races.services.results_states import Change, race_state_locked, refuse_if_closed

NAME_MAX_LENGTH = 200  # Runner.name holds this much
#: What goes with the person when a leg changes hands; the rest (runner bib, chip) stays with the leg.
PERSON_FIELDS = ("name", "gender", "birth_date", "club", "nationality")


def changes_deadline(race: Race) -> datetime:
    """Until when a change needs no reason: the organisers' deadline, else the gun."""
    return race.changes_deadline if race.changes_deadline is not None else race.gun


@dataclass(frozen=True)
class RunnerChangeDone:
    """What a change did: the team, and each changed leg's runner before and after."""

    team: Team
    before: tuple[LegRunner, ...]
    after: tuple[LegRunner, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _leg_number(race: Race, leg: int | str, field: str = "leg") -> int:
    legs = len(race.legs)
    try:
        number = int(leg)
        if not 1 <= number <= legs:
            raise ValueError
    except (TypeError, ValueError):
        raise InputProblems(
            [
                Problem(
                    _("%(value)r is not a leg; this race has legs 1 to %(legs)d.")
                    % {"value": str(leg), "legs": legs},
                    field=field,
                )
            ]
        ) from None
    return number


def _check_reason(race: Race, reason: str, now: datetime | None) -> str:
    reason = reason.strip()
    check_reason_length(reason)
    deadline = changes_deadline(race)
    if not reason and (now or timezone.now()) >= deadline:
        raise InputProblems(
            [
                Problem(
                    _(
                        "the changes deadline (%s) has passed: say why this change is made, "
                        "for the audit trail."
                    )
                    % race.local_time_label(deadline),
                    field="reason",
                )
            ]
        )
    return reason


def _locked_team(race: Race, bib: str) -> tuple[Team, dict[int, Runner]]:
    # The race first (as every writer takes it): official results take no runner change.
    race_state_locked(race)
    refuse_if_closed(race, change=Change.OTHER)
    team = team_for_bib(race, bib)
    # Locked, so two officials changing the same team at once cannot both pass the rules check.
    team = Team.objects.select_for_update().select_related("category").get(pk=team.pk)
    return team, {runner.leg: runner for runner in team.runners.order_by("leg")}


def _check_rules(race: Race, team: Team, runners: dict[int, Runner]) -> None:
    entry = TeamEntry(team.bib, team.name, team.category)
    entry.runners = {leg: {f: getattr(runner, f) for f in RUNNER_FIELDS} for leg, runner in runners.items()}
    if problems := team_entry_problems(entry, race, len(race.legs)):
        raise InputProblems(problems)


def _shown(runner: Runner) -> LegRunner:
    return LegRunner(leg=runner.leg, name=runner.name, gender=runner.gender)


def _record(race: Race, team: Team, changed: list[Runner], before: tuple, reason: str, actor: Actor):
    after = tuple(_shown(runner) for runner in changed)
    for runner in changed:
        runner.save(update_fields=PERSON_FIELDS)
    audit(
        race=race,
        action=AuditEntry.Action.RUNNER_CHANGED,
        actor=actor,
        details=RunnerChanged(before=before, after=after),
        team=team,
        reason=reason,
    )
    # The pages, exports, book and certificates name who actually ran.
    race.bump_standings_version()
    return RunnerChangeDone(team=team, before=before, after=after)


def _runner_problems(race: Race, name: str, gender: str, birth_date: date | str) -> tuple[str, str, date]:
    problems = []
    name = clean_name(name)
    if not name:
        problems.append(Problem(_("required: the new runner's name."), field="name"))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(Problem(_("longer than %d characters.") % NAME_MAX_LENGTH, field="name"))
    gender = (gender or "").strip().upper()
    if gender not in Gender.values:
        problems.append(Problem(_("%r is not a gender; use F, M or X.") % gender, field="gender"))
    if isinstance(birth_date, str):
        try:
            birth_date = date.fromisoformat(birth_date.strip())
        except ValueError:
            problems.append(
                Problem(
                    _("%r is not a date; write it as YYYY-MM-DD (e.g. 1984-02-29).") % birth_date,
                    field="birth_date",
                )
            )
    if isinstance(birth_date, date) and (
        problem := birth_date_problem(birth_date, race.date) or implausible_age_problem(birth_date, race.date)
    ):
        problems.append(Problem(problem, field="birth_date"))
    if problems:
        raise InputProblems(problems)
    return name, gender, birth_date


@transaction.atomic
def runner_change(
    *,
    race: Race,
    bib: str,
    leg: int | str,
    name: str,
    gender: str,
    birth_date: date | str,
    reason: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> RunnerChangeDone:
    """A substitute runs `leg` for team `bib`. The same runner again changes nothing."""
    number = _leg_number(race, leg)
    name, gender, birth_date = _runner_problems(race, name, gender, birth_date)
    team, runners = _locked_team(race, bib)
    runner = runners.get(number)
    if runner is None:
        raise InputProblems([_("team %(bib)s has no runner for leg %(leg)d.") % {"bib": bib, "leg": number}])
    before = (_shown(runner),)
    if (runner.name, runner.gender, runner.birth_date) == (name, gender, birth_date):
        return RunnerChangeDone(team=team, before=before, after=before)
    reason = _check_reason(race, reason, now)
    runner.name, runner.gender, runner.birth_date = name, gender, birth_date
    runner.nationality = ""  # the leaving runner's, not the substitute's
    _check_rules(race, team, runners)
    return _record(race, team, [runner], before, reason, actor)


@transaction.atomic
def runner_legs_swap(
    *,
    race: Race,
    bib: str,
    leg: int | str,
    other_leg: int | str,
    reason: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> RunnerChangeDone:
    """The runners of two legs of team `bib` run each other's leg."""
    first, second = _leg_number(race, leg), _leg_number(race, other_leg, "other_leg")
    if first == second:
        raise InputProblems([Problem(_("choose two different legs to swap."), field="other_leg")])
    team, runners = _locked_team(race, bib)
    if first not in runners or second not in runners:
        missing = first if first not in runners else second
        raise InputProblems([_("team %(bib)s has no runner for leg %(leg)d.") % {"bib": bib, "leg": missing}])
    one, two = runners[first], runners[second]
    before = (_shown(one), _shown(two))
    reason = _check_reason(race, reason, now)
    for field in PERSON_FIELDS:
        one_value, two_value = getattr(one, field), getattr(two, field)
        setattr(one, field, two_value)
        setattr(two, field, one_value)
    _check_rules(race, team, runners)
    return _record(race, team, [one, two], before, reason, actor)
