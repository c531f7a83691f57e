"""Race day for the organisers: a team's status, a spam team deleted, the race closed."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit import Actor, RaceClosed, RaceReopened, RunnerNamed, StatusSet, TeamDeleted, audit
from races.models import (
    AuditEntry,
    OfficialStatus,
    Race,
    Team,
)
from races.names import clean_name
from races.problems import InputProblems, Problem
from races.services.common import check_reason_length
from races.services.results_states import Change, protests_until, race_state_locked, refuse_if_closed


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
    actor: Actor,
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
        raise InputProblems(
            [Problem(_("%r is not a status; use DQ, DNS, DNF or AUTO.") % status, field="status")]
        )
    # A status on provisional results is a correction (with a reason); official ones take none.
    race_state_locked(race)
    refuse_if_closed(race, change=Change.CORRECTION, reason=reason)
    team = team_for_bib(race, bib)
    previous = team.official_status or "AUTO"
    team.official_status = "" if status == "AUTO" else status
    team.status_reason = reason if status != "AUTO" else ""
    team.public_note = public_note
    team.save(update_fields=["official_status", "status_reason", "public_note", "updated_at"])
    audit(
        race=race,
        action=AuditEntry.Action.TEAM_STATUS,
        actor=actor,
        details=StatusSet(before=previous, after=status, public_note=public_note),
        team=team,
        reason=reason,
    )
    race.bump_standings_version()
    return team


def team_delete_problems(team: Team) -> list[Problem]:
    """Why a team cannot be deleted. A team that ran is part of the race's record: its splits
    moved other teams' carry-over starts and ranks, and an appeal may need them."""
    records = team.timing_records.count()
    if not records:
        return []
    message = ngettext(
        "Team %(bib)s (%(name)s) has %(count)d timing record, so it cannot be deleted. Set a "
        "status (DNS or DQ) instead, or void the split if it was wrong.",
        "Team %(bib)s (%(name)s) has %(count)d timing records, so it cannot be deleted. Set a "
        "status (DNS or DQ) instead, or void the splits that were wrong.",
        records,
    ) % {"bib": team.bib, "name": team.name, "count": records}
    return [Problem(message)]


@transaction.atomic
def team_delete(*, team: Team, actor: Actor) -> None:
    """Remove a team that never ran (a spam registration, a duplicate); its runners go with it."""
    # Locked, so no split can be stored for it between the check and the delete.
    locked = Team.objects.select_for_update().select_related("race").filter(pk=team.pk).first()
    if locked is None:
        raise InputProblems([_("team %s: already deleted.") % team.bib])
    if problems := team_delete_problems(locked):
        raise InputProblems(problems)
    race = locked.race
    # The team row goes, so the trail keeps what it was (names only: birth dates are not needed).
    audit(
        race=race,
        action=AuditEntry.Action.TEAM_DELETED,
        actor=actor,
        details=TeamDeleted(
            bib=locked.bib,
            name=locked.name,
            runners=tuple(
                RunnerNamed(leg=leg, name=name)
                for leg, name in locked.runners.order_by("leg").values_list("leg", "name")
            ),
        ),
    )
    locked.delete()
    race.bump_standings_version()


@transaction.atomic
def race_close(
    *,
    race: Race,
    reopen: bool = False,
    actor: Actor,
    dnf: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> bool:
    """Close the race (teams still out become DNF; the results are provisional and the protest
    window starts) or open it again; False if it already was.

    Closing a closed race is no second decision: nothing is audited and the standings stay.
    `dnf`, how many teams still out became DNF, goes into the audit entry; races cannot count
    them (that takes the standings), so the caller that did says it. Reopening needs a reason:
    it takes back provisional or official results.
    """
    now = now or timezone.now()
    reason = reason.strip()
    check_reason_length(reason)
    locked = race_state_locked(race)
    if locked.is_closed != reopen:
        return False
    if reopen:
        if not reason:
            raise InputProblems(
                [
                    Problem(
                        _("say why the race is reopened (--reason): it takes back its %s results.")
                        % locked.results_state(now).label.lower(),
                        field="reason",
                    )
                ]
            )
        was = locked.results_state(now).value
        race.is_closed, race.closed_at, race.official_at = False, None, None
        race.save(update_fields=["is_closed", "closed_at", "official_at"])
        audit(
            race=race,
            action=AuditEntry.Action.RACE_REOPENED,
            actor=actor,
            details=RaceReopened(was=was),
            reason=reason,
        )
    else:
        race.is_closed, race.closed_at, race.official_at = True, now, None
        race.save(update_fields=["is_closed", "closed_at", "official_at"])
        audit(
            race=race,
            action=AuditEntry.Action.RACE_CLOSED,
            actor=actor,
            details=RaceClosed(dnf=dnf, protests_until=protests_until(race)),
            reason=reason,
        )
    race.bump_standings_version()
    return True
