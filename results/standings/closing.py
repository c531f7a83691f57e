"""Closing a race, told with what it did: the organiser learns how many teams became DNF and
until when protests are taken.

Closing sends `race_closed`, on which publishing asks for the results book, and asks a worker to
make the results official at the protest window's end (races.tasks).

The close itself is races' service; the count needs the standings engine, which lives here,
so the command and the admin actions both come through this one function.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit import Actor
from races.models import Race, ResultsState
from races.services import protests_until, race_close, race_make_official, race_state_locked
from races.tasks import official_at_window_end_scheduled
from results.standings.feed import teams_still_out
from results.standings.signals import race_closed


@dataclass(frozen=True)
class RaceClosing:
    slug: str
    #: The race's results state afterwards.
    state: ResultsState
    #: False when nothing changed: nothing was audited.
    changed: bool
    #: Teams still out that closing made DNF.
    dnf: int = 0
    #: The protest window's end, as the race's clock shows it ("10:42"), while provisional.
    protests_until: str = ""

    @property
    def closed(self) -> bool:
        return self.state in (ResultsState.PROVISIONAL, ResultsState.OFFICIAL)

    def __str__(self) -> str:
        words = {"slug": self.slug, "until": self.protests_until}
        if not self.changed:
            if self.state == ResultsState.OFFICIAL:
                return _("race %s is already official; nothing changed.") % self.slug
            if self.state == ResultsState.PROVISIONAL:
                return (
                    _(
                        "race %(slug)s is already closed (provisional, protests until %(until)s); nothing changed."
                    )
                    % words
                )
            return _("race %s is already open; nothing changed.") % self.slug
        if not self.closed:
            return _("race %s is open.") % self.slug
        if self.state == ResultsState.OFFICIAL:
            said = _("race %s is closed and its results are official.") % self.slug
        else:
            said = (
                _("race %(slug)s is closed: its results are provisional, protests until %(until)s.") % words
            )
        if self.dnf:
            said += (
                " "
                + ngettext("%d team still out became DNF.", "%d teams still out became DNF.", self.dnf)
                % self.dnf
            )
        return said


def _until(race: Race) -> str:
    ends: datetime | None = protests_until(race)
    return "" if ends is None else ends.astimezone(race.zone).strftime("%H:%M")


@transaction.atomic
def race_close_counting_dnf(
    *, race: Race, reopen: bool = False, official: bool = False, reason: str = "", actor: Actor
) -> RaceClosing:
    """Close the race (provisional results; with `official`, official at once) or open it again
    (with a reason), as races' services do, and count the new DNFs."""
    # Lock first, so no split arrives between the count and the close.
    locked = race_state_locked(race)
    if reopen:
        changed = race_close(race=race, reopen=True, reason=reason, actor=actor)
        return RaceClosing(race.slug, race.results_state(timezone.now()), changed)
    dnf, changed = 0, False
    if not locked.is_closed:
        dnf = teams_still_out(race)
        changed = race_close(race=race, actor=actor, reason=reason, dnf=dnf)
        # The results get their book (publishing listens): made once this transaction commits.
        race_closed.send(sender=RaceClosing, race=race, user=actor.user)
        official_at_window_end_scheduled(race)
    if official:
        changed = race_make_official(race=race, actor=actor) or changed
    return RaceClosing(race.slug, race.results_state(timezone.now()), changed, dnf, _until(race))
