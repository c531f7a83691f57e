"""Closing a race, told with what it did: the organiser learns how many teams became DNF.

Closing sends `race_closed`, on which publishing asks for the results book.

The close itself is races' service; the count needs the standings engine, which lives here,
so the command and the admin actions both come through this one function.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit import Actor
from races.models import Race
from races.services import race_close
from results.standings.feed import teams_still_out
from results.standings.signals import race_closed


@dataclass(frozen=True)
class RaceClosing:
    slug: str
    #: The race's state afterwards.
    closed: bool
    #: False when the race already was closed (or open): nothing was audited.
    changed: bool
    #: Teams still out that closing made DNF.
    dnf: int = 0

    def __str__(self) -> str:
        if not self.changed:
            if self.closed:
                return _("race %s is already closed; nothing changed.") % self.slug
            return _("race %s is already open; nothing changed.") % self.slug
        if not self.closed:
            return _("race %s is open.") % self.slug
        return ngettext(
            "race %(slug)s is closed; %(dnf)d team still out became DNF.",
            "race %(slug)s is closed; %(dnf)d teams still out became DNF.",
            self.dnf,
        ) % {"slug": self.slug, "dnf": self.dnf}


@transaction.atomic
def race_close_counting_dnf(*, race: Race, reopen: bool = False, actor: Actor) -> RaceClosing:
    """Close the race or open it again, as races' race_close does, and count the new DNFs."""
    # Lock first, so no split arrives between the count and the close.
    race.is_closed = Race.objects.select_for_update().values_list("is_closed", flat=True).get(pk=race.pk)
    if race.is_closed == (not reopen):
        return RaceClosing(race.slug, race.is_closed, changed=False)
    dnf = 0 if reopen else teams_still_out(race)
    race_close(race=race, reopen=reopen, actor=actor, dnf=None if reopen else dnf)
    if not reopen:
        # The final results get their book (publishing listens): made once this transaction commits.
        race_closed.send(sender=RaceClosing, race=race, user=actor.user)
    return RaceClosing(race.slug, race.is_closed, changed=True, dnf=dnf)
