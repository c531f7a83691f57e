"""The race clock: the gun set as it fires ("Start the race now"), or corrected afterwards.

The gun is the race's date and start time in its zone (`Race.gun`). Leg 1 and every cumulative
time count from it, so moving it moves every team's time: the standings version is bumped and
every page, cache, export and print recomputes. Each move is audited with the gun before and
after. The race date moves with the gun (a start postponed past midnight is still the race).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import Actor, GunSet, audit
from races.models import AuditEntry, Race
from races.problems import InputProblems, Problem
from races.services.common import check_reason_length

# A start postponed past midnight is still the race; a gun a year away is a mistyped date.
MOST_A_CORRECTION_MOVES = timedelta(days=1)


@dataclass(frozen=True)
class GunMoved:
    """What setting the gun did: the gun before and after, in the race's zone."""

    before: datetime
    after: datetime

    @property
    def changed(self) -> bool:
        return self.before != self.after


def to_the_millisecond(moment: datetime) -> datetime:
    """Splits are kept to the millisecond (results/timing/race_time.py), so the gun is too: the
    standings then subtract whole milliseconds, and a server clock's microseconds, which no
    starter's gun has, cannot round a runner's time up by a second."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _counted_records(race: Race):
    # Voided reads are left out: they count nowhere, and a wrong tap voided long ago must not
    # block the correction of a gun for good (reads are never deleted).
    return race.timing_records.filter(voided=False)


def first_split(race: Race):
    """The race's earliest split that counts (not voided), with its team and station; None."""
    return _counted_records(race).select_related("team", "station").order_by("at", "pk").first()


def _first_split_problem(race: Race, gun: datetime) -> Problem | None:
    first = first_split(race)
    if first is None or first.at >= gun:
        return None
    local = first.at.astimezone(race.zone)
    return Problem(
        _(
            "team %(bib)s has a split at %(station)s at %(time)s, before this gun: that split "
            "would come before the start. Choose a gun no later than the first split, or void "
            "that split on the team's page first."
        )
        % {
            "bib": first.team.bib,
            "station": first.station.code,
            "time": local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}",
        },
        field="time",
    )


@transaction.atomic
def gun_set(
    *,
    race: Race,
    at: datetime,
    reason: str = "",
    actor: Actor,
    gun_seen: datetime | None = None,
    started_now: bool = False,
    now: datetime | None = None,
) -> GunMoved:
    """Set the gun to `at` (an aware moment); the same gun again changes nothing.

    `gun_seen` is the gun the official's page showed: if someone (or a second press of the same
    button) moved it since, the change is refused rather than made on top of one not seen.
    Once the gun has passed and splits are recorded, a move is a correction and needs a reason.
    """
    if at.tzinfo is None:
        raise ValueError("gun_set: `at` must be an aware datetime")
    now = now or timezone.now()
    reason = reason.strip()
    check_reason_length(reason)
    # Locked: a split stored meanwhile through the timing services waits for the new gun.
    locked = Race.objects.select_for_update().get(pk=race.pk)
    before = locked.gun
    after = to_the_millisecond(at).astimezone(locked.zone)
    if locked.is_closed:
        raise InputProblems(
            [
                _(
                    "the race is closed: its results stand as they are. Reopen it (close_race "
                    "--reopen with a reason) before you move the gun."
                )
            ]
        )
    if gun_seen is not None and gun_seen != before:
        raise InputProblems(
            [
                _(
                    "the gun was already moved to %(gun)s since this page was shown (a second press, "
                    "or another organiser): nothing changed. Look at it again and correct it if it is "
                    "wrong."
                )
                % {"gun": locked.local_time_label(before)}
            ]
        )
    if after == before:
        return GunMoved(before=before.astimezone(locked.zone), after=after)
    problems = []
    if not started_now and abs(after - before) > MOST_A_CORRECTION_MOVES:
        problems.append(
            Problem(
                _(
                    "a correction moves the gun by a day at most, and from %(before)s to %(after)s "
                    "is more: check the date. A race held on another day gets its new date in the "
                    "race's settings, before any split is recorded."
                )
                % {"before": locked.local_time_label(before), "after": locked.local_time_label(after)},
                field="date",
            )
        )
    if problem := _first_split_problem(locked, after):
        problems.append(problem)
    if not reason and now >= before and _counted_records(locked).exists():
        problems.append(
            Problem(
                _(
                    "the race started at %(gun)s and has splits: moving the gun changes every team's "
                    "time, so say why, for the audit trail."
                )
                % {"gun": locked.local_time_label(before)},
                field="reason",
            )
        )
    if problems:
        raise InputProblems(problems)
    locked.date, locked.start_time = after.date(), after.time()
    locked.save(update_fields=["date", "start_time"])
    race.date, race.start_time = locked.date, locked.start_time
    audit(
        race=locked,
        action=AuditEntry.Action.GUN_SET,
        actor=actor,
        details=GunSet(before=before.astimezone(locked.zone), after=after, started_now=started_now),
        reason=reason,
    )
    locked.bump_standings_version()
    return GunMoved(before=before.astimezone(locked.zone), after=after)


@transaction.atomic
def race_start_now(
    *, race: Race, actor: Actor, gun_seen: datetime | None = None, now: datetime | None = None
) -> GunMoved:
    """The starter fired: the gun is now, by the server's clock (not a phone's).

    Once the gun has passed and splits are recorded, "now" is no longer the start: pressing
    again (a double tap, a page left open) is refused, and a wrong gun is corrected with a
    reason instead.
    """
    now = now or timezone.now()
    locked = Race.objects.select_for_update().get(pk=race.pk)
    if now >= locked.gun and _counted_records(locked).exists():
        raise InputProblems(
            [
                _(
                    "the race already started at %(gun)s and has splits, so it cannot start now: if "
                    "that gun is wrong, use “Correct the gun” with a reason."
                )
                % {"gun": locked.local_time_label(locked.gun)}
            ]
        )
    return gun_set(race=race, at=now, actor=actor, gun_seen=gun_seen, started_now=True, now=now)
