"""Naming who works a race, and as what: the one way a race official is made, changed or removed.

The admin's race page, the organisers' officials page and `race_official` all come here, so each
change is checked the same way and audited. A user holds one role per race. An organiser or a
results-desk member works in the admin too, so naming one marks the account as staff (the admin
then shows them only the races they are named on: races/access.py).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from races.audit import Actor, OfficialChanged, OfficialDuty, audit
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Station
from races.problems import InputProblems, Problem

#: The roles that work in the admin as well as on the officials' pages.
ADMIN_ROLES = (OfficialRole.ORGANISER, OfficialRole.RESULTS_DESK)


def user_named(username: str):
    """The account with this user name (as typed: case-insensitive), or a problem that says so."""
    users = get_user_model().objects
    user = users.filter(username=username).first() or users.filter(username__iexact=username).first()
    if user is None:
        raise InputProblems(
            [
                Problem(
                    _("there is no user %(name)r; create the account first (admin → Users).")
                    % {"name": username},
                    field="username",
                )
            ]
        )
    return user


def _stations(race: Race, codes: Iterable[str]) -> list[Station]:
    codes = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    found = {station.code: station for station in Station.objects.filter(race=race, code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        known = ", ".join(race.stations.order_by("position").values_list("code", flat=True))
        raise InputProblems(
            [
                Problem(
                    _("%(race)s has no station %(code)s; its stations are %(known)s.")
                    % {"race": race.slug, "code": code, "known": known},
                    field="stations",
                )
                for code in unknown
            ]
        )
    return [found[code] for code in codes]


def _duty(official: RaceOfficial | None) -> OfficialDuty:
    if official is None:
        return OfficialDuty(role="")
    codes = tuple(official.stations.order_by("position").values_list("code", flat=True))
    return OfficialDuty(role=official.role, stations=codes if official.role == OfficialRole.STATION else ())


@transaction.atomic
def race_official_name(
    *, race: Race, user, role: str, station_codes: Iterable[str] = (), actor: Actor
) -> RaceOfficial:
    """Give `user` this role on the race (replacing the one they had), with its stations.

    A station official needs at least one station; the other roles work them all.
    """
    if role not in OfficialRole.values:
        raise InputProblems([Problem(_("%(role)r is not a role.") % {"role": role}, field="role")])
    stations = _stations(race, station_codes)
    if role == OfficialRole.STATION and not stations:
        raise InputProblems(
            [Problem(_("a station official needs at least one station to record at."), field="stations")]
        )
    if role != OfficialRole.STATION and stations:
        raise InputProblems(
            [
                Problem(
                    _(
                        "only a station official is given stations; an organiser or the results desk works them all."
                    ),
                    field="stations",
                )
            ]
        )
    official = RaceOfficial.objects.select_for_update().filter(race=race, user=user).first()
    before = _duty(official)
    if official is None:
        official = RaceOfficial(race=race, user=user)
    official.role = role
    official.save()
    official.stations.set(stations)
    after = _duty(official)
    if after != before:
        audit(
            race=race,
            action=AuditEntry.Action.OFFICIAL_NAMED,
            actor=actor,
            details=OfficialChanged(username=user.get_username(), before=before, after=after),
        )
    if role in ADMIN_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return official


@transaction.atomic
def race_official_remove(
    *, race: Race, user, role: str | None = None, station_codes: Iterable[str] = (), actor: Actor
) -> RaceOfficial | None:
    """Take a role away; with stations, only those stations (the role goes with the last one).

    Naming a role the user does not hold is refused, so a script that means another user or
    race finds out. Returns what is left of the role, or None.
    """
    official = RaceOfficial.objects.select_for_update().filter(race=race, user=user).first()
    name = user.get_username()
    if official is None or (role is not None and official.role != role):
        held = _("no role") if official is None else official.get_role_display()
        raise InputProblems(
            [
                _("%(user)s does not hold that role on %(race)s (they hold: %(held)s); nothing changed.")
                % {"user": name, "race": race.slug, "held": held}
            ]
        )
    before = _duty(official)
    stations = _stations(race, station_codes)
    if stations:
        not_held = [s.code for s in stations if s.code not in before.stations]
        if not_held:
            raise InputProblems(
                [
                    _("%(user)s does not record at %(codes)s on %(race)s; nothing changed.")
                    % {"user": name, "codes": ", ".join(not_held), "race": race.slug}
                ]
            )
        official.stations.remove(*stations)
    if not stations or not official.stations.exists():
        official.delete()
        official = None
    audit(
        race=race,
        action=AuditEntry.Action.OFFICIAL_REMOVED,
        actor=actor,
        details=OfficialChanged(username=name, before=before, after=_duty(official)),
    )
    return official
