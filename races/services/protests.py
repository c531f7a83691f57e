"""Protests: lodged with the organisers against a team, decided by them, each audited.

A pending protest keeps the results provisional: the protest window's end does not make them
official, nor does an organiser. Deciding the last one after the window's end makes them
official then. An upheld protest may set the team's status with a public note (through
`team_status_set`, audited there too); the protest's own texts stay with the officials.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import Actor, ProtestDecided, ProtestLodged, audit
from races.models import AuditEntry, Protest, ProtestStatus, Race
from races.models.protests import PROTEST_TEXT_MAX_LENGTH
from races.names import clean_name
from races.problems import InputProblems, Problem
from races.services.common import REASON_MAX_LENGTH
from races.services.race_day import team_for_bib, team_status_set
from races.services.results_states import (
    Change,
    race_official_when_window_ended,
    race_state_locked,
    refuse_if_closed,
)

LODGED_BY_MAX_LENGTH = Protest._meta.get_field("lodged_by").max_length
STATUSES = ("DQ", "DNS", "DNF", "AUTO")


def _text(value: str, field: str, missing: str, limit: int) -> tuple[str, list[Problem]]:
    value = value.strip()
    if not value:
        return value, [Problem(missing, field=field)]
    if len(value) > limit:
        return value, [Problem(_("longer than %d characters; keep it shorter.") % limit, field=field)]
    return value, []


@transaction.atomic
def protest_lodge(
    *, race: Race, bib: str, lodged_by: str, about: str, actor: Actor, now: datetime | None = None
) -> Protest:
    """Record a protest against team `bib`; it is pending until an organiser decides it."""
    lodged_by, problems = _text(
        clean_name(lodged_by),
        "lodged_by",
        _("Say who lodged the protest (a captain, a runner, an official)."),
        LODGED_BY_MAX_LENGTH,
    )
    about, more = _text(about, "about", _("Say what the protest is about."), PROTEST_TEXT_MAX_LENGTH)
    problems += more
    if not bib.strip():
        problems.append(Problem(_("Give the bib of the team protested against."), field="bib"))
    if problems:
        raise InputProblems(problems)
    race_state_locked(race)
    refuse_if_closed(race, change=Change.OTHER)
    team = team_for_bib(race, bib.strip())
    protest = Protest.objects.create(
        race=race, team=team, lodged_by=lodged_by, about=about, lodged_at=now or timezone.now()
    )
    audit(
        race=race,
        action=AuditEntry.Action.PROTEST_LODGED,
        actor=actor,
        details=ProtestLodged(protest=protest.pk, lodged_by=lodged_by, about=about),
        team=team,
    )
    return protest


@transaction.atomic
def protest_decide(
    *,
    race: Race,
    protest_id: int,
    outcome: str,
    decision: str,
    status: str = "",
    public_note: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Protest:
    """Uphold or reject a pending protest, with the decision in words; an upheld one may set the
    team's status (DQ, DNS, DNF, or AUTO back to the splits') with a note the public reads."""
    now = now or timezone.now()
    decision, problems = _text(
        decision, "decision", _("Write the decision: it is kept with the protest."), PROTEST_TEXT_MAX_LENGTH
    )
    if outcome not in (ProtestStatus.UPHELD, ProtestStatus.REJECTED):
        problems.append(Problem(_("Choose whether the protest is upheld or rejected."), field="outcome"))
    status = status.strip().upper()
    if status and status not in STATUSES:
        problems.append(Problem(_("%r is not a status; use DQ, DNS, DNF or AUTO.") % status, field="status"))
    elif status and outcome == ProtestStatus.REJECTED:
        problems.append(
            Problem(_("A rejected protest changes no status; leave the status empty."), field="status")
        )
    if public_note and not status:
        problems.append(Problem(_("A public note goes with a status; choose one."), field="status"))
    if problems:
        raise InputProblems(problems)
    race_state_locked(race)
    refuse_if_closed(race, change=Change.OTHER)
    protest = Protest.objects.select_for_update().filter(race=race, pk=protest_id).first()
    if protest is None:
        raise InputProblems([_("protest %d: no such protest in this race.") % protest_id])
    if not protest.pending:
        raise InputProblems(
            [
                _("protest %(number)d was already %(outcome)s.")
                % {"number": protest.pk, "outcome": protest.get_status_display().lower()}
            ]
        )
    if status:
        reason = _("protest %(number)d upheld: %(decision)s") % {"number": protest.pk, "decision": decision}
        if len(reason) > REASON_MAX_LENGTH:
            reason = reason[: REASON_MAX_LENGTH - 1] + "…"
        team_status_set(
            race=race,
            bib=protest.team.bib,
            status=status,
            reason=reason,
            public_note=public_note,
            actor=actor,
        )
    protest.status, protest.decision = outcome, decision
    protest.decided_at, protest.decided_by = now, actor.user
    protest.save(update_fields=["status", "decision", "decided_at", "decided_by"])
    audit(
        race=race,
        action=AuditEntry.Action.PROTEST_DECIDED,
        actor=actor,
        details=ProtestDecided(protest=protest.pk, outcome=outcome, decision=decision, status=status),
        team=protest.team,
    )
    # The last protest decided after the window's end: the results are official from now.
    race_official_when_window_ended(race=race, now=now)
    return protest
