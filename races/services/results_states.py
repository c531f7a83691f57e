"""Results states: live, then provisional once the finish closes, then official.

Closing (races.services.race_day.race_close) makes the results provisional and starts the
protest window. They become official by an organiser (`race_make_official`: the results page's
button, `close_race --official`) or by themselves when the window has ended with no protest
pending (`race_official_when_window_ended`): a task scheduled for the window's end in production
mode, and a check where the state is read (`results_state_now`), which is what makes it happen in
embedded mode and whenever a worker was down (docs/decisions/results-states.md).

Each change a race can take is checked here against its state (`refuse_if_closed`), under the
race row lock the caller's service holds:
- reads from devices, keypads and timing files: refused once provisional (409);
- the results desk's corrections: allowed while provisional, each with a reason;
- everything: refused once official, until an organiser reopens the race.
"""

from datetime import datetime, timedelta
from enum import Enum

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit import Actor, RaceMadeOfficial, audit
from races.models import AuditEntry, ProtestStatus, Race, ResultsState
from races.problems import InputProblems, Problem
from races.signals import closed_results_changed

#: The actor of the audit entry when the window's end made the results official.
PROTEST_WINDOW = "protest window"

#: The fields a state is made of, read again under the lock.
STATE_FIELDS = ("is_closed", "closed_at", "official_at", "protest_window_minutes")


class RaceStateRefused(InputProblems):
    """A change the race's results state does not take (HTTP 409): nothing was stored."""

    status_code = 409


class Change(Enum):
    #: A read from a timing device, a keypad or a timing file.
    READ = "read"
    #: The results desk's correction: a split voided, restored or added by hand, a status, an
    #: uploaded file confirmed by the desk.
    CORRECTION = "correction"
    #: Any other change of the race's results (a runner change): stopped only once official.
    OTHER = "other"


def protests_until(race: Race) -> datetime | None:
    """The end of the protest window; None while the race is open."""
    if race.closed_at is None:
        return None
    return race.closed_at + timedelta(minutes=race.protest_window_minutes)


def official_is_due(race: Race, now: datetime) -> bool:
    """Provisional, and its protest window over: official unless a protest is pending. Fields
    only: no query, so a page may ask it on every read."""
    ends = protests_until(race)
    return race.is_closed and race.official_at is None and ends is not None and now >= ends


def results_state_now(race: Race, now: datetime | None = None) -> ResultsState:
    """The race's state as a page, the API or an export shows it, first making a provisional race
    official if its window has ended with no protest pending (then `race` is updated too)."""
    now = now or timezone.now()
    if official_is_due(race, now):
        race_official_when_window_ended(race=race, now=now)
    return race.results_state(now)


def race_state_locked(race: Race) -> Race:
    """The race row locked until the end of the caller's transaction, its state fields read
    afresh (and copied onto `race`, so the caller reads what was decided on)."""
    locked = Race.objects.select_for_update().only("pk", *STATE_FIELDS).get(pk=race.pk)
    for name in STATE_FIELDS:
        setattr(race, name, getattr(locked, name))
    return locked


def refuse_if_closed(
    race: Race, *, change: Change, reason: str = "", now: datetime | None = None, tell: bool = True
) -> None:
    """Refuse a change the race's state does not take; `race` holds fields read under the lock.

    A correction to provisional results needs a reason, and once it commits (with `tell`)
    publishing makes the results book again if one was made.
    """
    if not race.is_closed:
        return
    now = now or timezone.now()
    if race.official_at is not None or (official_is_due(race, now) and not pending_protests(race)):
        raise RaceStateRefused([official_refusal()])
    if change is Change.READ:
        raise RaceStateRefused([closed_refusal()])
    if change is Change.CORRECTION and not reason.strip():
        raise InputProblems(
            [
                Problem(
                    _(
                        "the results are provisional: say why this correction is made; the reason "
                        "goes into the audit trail."
                    ),
                    field="reason",
                )
            ]
        )
    if tell:
        race_id = race.pk
        transaction.on_commit(lambda: closed_results_changed.send(sender=Race, race_id=race_id), robust=True)


def closed_refusal() -> Problem:
    return Problem(_("the race is closed: ask the results desk."))


def official_refusal() -> Problem:
    return Problem(
        _(
            "the results are official: nothing changes until an organiser reopens the race, with a "
            "reason (Reopen on the officials' results page, or close_race --reopen --reason)."
        )
    )


def pending_protests(race: Race) -> int:
    return race.protests.filter(status=ProtestStatus.PENDING).count()


def pending_protests_problem(count: int) -> Problem:
    return Problem(
        ngettext(
            "%d protest is pending: decide it on the protests page first.",
            "%d protests are pending: decide them on the protests page first.",
            count,
        )
        % count
    )


@transaction.atomic
def race_make_official(*, race: Race, actor: Actor, now: datetime | None = None) -> bool:
    """An organiser makes provisional results official at once; False if they already were.

    Refused while the race is open (close it first) or while a protest is pending.
    """
    now = now or timezone.now()
    locked = race_state_locked(race)
    if not locked.is_closed:
        raise InputProblems(
            [_("the race is still open: close it first (close_race), then make it official.")]
        )
    if locked.official_at is not None:
        return False
    if count := pending_protests(locked):
        raise InputProblems([pending_protests_problem(count)])
    _official(race, official_at=now, actor=actor, window_ended=False)
    return True


@transaction.atomic
def race_official_when_window_ended(*, race: Race, now: datetime | None = None) -> bool:
    """Provisional results become official once the protest window has ended with no protest
    pending; False if they did not (open, official already, the window still on, a protest
    pending). Safe to run any number of times, from any process: the race row is locked.

    They are official from the window's end, or from the decision of the last protest decided
    after it (that decision is what let them become official).
    """
    now = now or timezone.now()
    locked = race_state_locked(race)
    if not official_is_due(locked, now) or pending_protests(locked):
        return False
    ends = protests_until(locked)
    last_decided = locked.protests.filter(decided_at__gt=ends).aggregate(last=Max("decided_at"))["last"]
    _official(race, official_at=last_decided or ends, actor=Actor(PROTEST_WINDOW), window_ended=True)
    return True


def _official(race: Race, *, official_at: datetime, actor: Actor, window_ended: bool) -> None:
    race.official_at = official_at
    race.save(update_fields=["official_at"])
    audit(
        race=race,
        action=AuditEntry.Action.RACE_OFFICIAL,
        actor=actor,
        details=RaceMadeOfficial(official_at=official_at, window_ended=window_ended),
    )
    race.bump_standings_version()  # the pages and the export say "official" now
    race_id = race.pk
    transaction.on_commit(lambda: closed_results_changed.send(sender=Race, race_id=race_id), robust=True)
