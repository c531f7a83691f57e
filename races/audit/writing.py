"""Writing the audit trail: who acted, and the one function every audited change calls.

Each service that changes a race on race day writes exactly one entry per change through
`audit`, inside its own transaction: if the entry cannot be written, the change is rolled back
with it, so there is never a change the trail does not know.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from races.audit.details import SCHEMAS, AuditDetails
from races.models import AuditEntry, Race, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

COMMAND_LINE = "command line"
REGISTRATION_FORM = "registration form"  # a captain's own entry on the public form

ACTOR_MAX_LENGTH = AuditEntry._meta.get_field("actor").max_length


@dataclass(frozen=True)
class Actor:
    """Who made a change: the name the trail shows, and the account behind it when there is one.

    Made where the change comes in: from the signed-in user of a page or the admin, on the
    command line, or on the public registration form.
    """

    name: str
    user: AbstractBaseUser | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > ACTOR_MAX_LENGTH:
            raise ValueError(f"an actor's name is 1 to {ACTOR_MAX_LENGTH} characters, not {self.name!r}")

    @classmethod
    def of_user(cls, user: AbstractBaseUser) -> Actor:
        """A signed-in official or organiser, named by their username."""
        return cls(user.get_username(), user)

    @classmethod
    def command_line(cls, *, doing: str = "") -> Actor:
        """Whoever ran a command, named by their login when the system knows it."""
        try:
            name = f"{COMMAND_LINE} ({getpass.getuser()})"
        except (KeyError, OSError):
            name = COMMAND_LINE
        return cls(f"{name}, {doing}" if doing else name)

    @classmethod
    def registration_form(cls, user: AbstractBaseUser | None = None) -> Actor:
        """A captain on the public form; signed in or, mostly, not."""
        if user is None or not user.is_authenticated:
            return cls(REGISTRATION_FORM)
        named = f"{REGISTRATION_FORM} ({user.get_username()})"
        if len(named) > ACTOR_MAX_LENGTH:  # a long username: the account says who in full
            named = named[: ACTOR_MAX_LENGTH - 2] + "…)"
        return cls(named, user)


#: Who acted when a service is called from Python with no one named: scripts, a shell, tests.
SOMEONE_AT_THE_COMMAND_LINE = Actor(COMMAND_LINE)


def audit(
    *,
    race: Race,
    action: str,
    actor: Actor,
    details: AuditDetails,
    team: Team | None = None,
    reason: str = "",
) -> AuditEntry:
    """Write one entry of the race's audit trail, in the transaction of the change it records.

    `details` must be one of the dataclasses SCHEMAS gives for `action`; they are stored as the
    JSON those entries always held.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit() runs inside the transaction of the change it records")
    if not isinstance(actor, Actor):
        raise TypeError(f"actor: {actor!r} is not an Actor")
    if type(details) not in SCHEMAS.get(action, ()):
        raise TypeError(f"{action!r} holds no {type(details).__name__} details")
    return AuditEntry.objects.create(
        race=race,
        user=actor.user,
        actor=actor.name,
        action=action,
        team=team,
        reason=reason,
        details=details.as_json(),
    )
