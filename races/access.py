"""Who may do what to which race: every right comes from the race officials (docs/race-day.md).

Rights are per race. A superuser acts on every race; anyone else acts only on the races they
are named on (RaceOfficial: in the admin's race page, on the organisers' officials page or by
`python manage.py race_official`), and only as their role there allows:

- an organiser does everything for that race;
- the results desk corrects (void, restore, add by hand, statuses), uploads chip files, deals
  with anomalies, reads the audit trail and prints;
- a station official records and corrects at the stations the organiser assigned.

The officials' pages, the keypad, the device API and every admin page ask here, so a rule is
written once. The admin's groups ("Organiser", "Results desk") give no race at all.
"""

from dataclasses import dataclass

from django.contrib.auth.backends import BaseBackend
from django.db.models import QuerySet

from races.models import OfficialRole, Race, RaceOfficial, Station
from races.roles import ORGANISER, RESULTS_DESK, ROLE_PERMISSIONS

#: Creating or deleting a whole race is not a right over one race: a superuser's (or of whoever
#: holds the Django permission itself). Whoever creates a race is named its organiser.
NOT_PER_RACE = frozenset({"races.add_race", "races.delete_race"})


def _granted(group: str) -> frozenset[str]:
    return frozenset(f"{app}.{codename}" for app, codename in ROLE_PERMISSIONS[group]) - NOT_PER_RACE


#: What each role may do in the admin, on its own races only.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    OfficialRole.ORGANISER: _granted(ORGANISER),
    OfficialRole.RESULTS_DESK: _granted(RESULTS_DESK),
    OfficialRole.STATION: frozenset(),
}


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def role_on(user, race: Race) -> RaceOfficial | None:
    """The user's role on this race, or None (a superuser may have none and still act)."""
    if not _signed_in(user):
        return None
    return RaceOfficial.objects.filter(race=race, user=user).first()


def may(user, permission: str, race: Race) -> bool:
    """May this user use `permission` ("app_label.codename") on this race?"""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    official = role_on(user, race)
    return official is not None and permission in ROLE_GRANTS[official.role]


def races_where(user, *permissions: str) -> QuerySet[Race]:
    """The races on which this user holds any of `permissions`."""
    if not _signed_in(user):
        return Race.objects.none()
    if user.is_superuser:
        return Race.objects.all()
    roles = [role for role, granted in ROLE_GRANTS.items() if granted.intersection(permissions)]
    return Race.objects.filter(officials__user=user, officials__role__in=roles).distinct()


def is_race_organiser(user, race: Race) -> bool:
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    official = role_on(user, race)
    return official is not None and official.role == OfficialRole.ORGANISER


def works_results_desk(user, race: Race) -> bool:
    """The race's organisers and its results desk: corrections at every station, chip files,
    anomalies, the audit trail and printing."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    official = role_on(user, race)
    return official is not None and official.role in (OfficialRole.ORGANISER, OfficialRole.RESULTS_DESK)


def may_upload_timing(user, race: Race) -> bool:
    """A chip file touches every station: the organisers and the results desk."""
    return works_results_desk(user, race)


def stations_user_may_work(user, race: Race) -> list[Station]:
    """The stations whose keypads this user records at: every one for an organiser, the
    assigned ones for a station official, none for the results desk (it corrects instead)."""
    if not _signed_in(user):
        return []
    if is_race_organiser(user, race):
        return list(race.course)
    return list(
        Station.objects.filter(
            race=race, officials__user=user, officials__role=OfficialRole.STATION
        ).order_by("position")
    )


def may_record_at(user, race: Race, station_code: str) -> bool:
    return any(station.code == station_code for station in stations_user_may_work(user, race))


def stations_user_may_correct(user, race: Race) -> list[Station]:
    """Where this user may add, void and restore a team's splits."""
    if works_results_desk(user, race):
        return list(race.course)
    return stations_user_may_work(user, race)


def is_race_official(user, race: Race) -> bool:
    """Named on this race in any role (or a superuser)."""
    return _signed_in(user) and (user.is_superuser or role_on(user, race) is not None)


@dataclass(frozen=True)
class RaceDuty:
    race: Race
    organiser: bool
    stations: list[Station]
    #: Uploads, corrections at every station, anomalies, the audit trail (organisers too).
    desk: bool = False


def duties_of(user) -> list[RaceDuty]:
    """The races this user works, each with the stations they may record at."""
    if not _signed_in(user):
        return []
    races = Race.objects.all() if user.is_superuser else Race.objects.filter(officials__user=user).distinct()
    duties = []
    for race in races:
        stations = stations_user_may_work(user, race)
        organiser = is_race_organiser(user, race)
        desk = works_results_desk(user, race)
        if organiser or desk or stations:
            duties.append(RaceDuty(race=race, organiser=organiser, stations=stations, desk=desk))
    return duties


class RaceRightsBackend(BaseBackend):
    """The admin's permissions that a user's race roles give (settings.AUTHENTICATION_BACKENDS).

    Asked without an object (which admin pages and actions to show), it answers for the roles
    the user holds on any race; the admin then shows only the rows of the races where the role
    holds that right (races/admin/scoping.py), so an organiser of race B never sees race A.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not _signed_in(user_obj) or obj is not None:
            return set()
        if not hasattr(user_obj, "_race_rights_cache"):
            roles = RaceOfficial.objects.filter(user=user_obj).values_list("role", flat=True).distinct()
            user_obj._race_rights_cache = set().union(*(ROLE_GRANTS[role] for role in roles))
        return user_obj._race_rights_cache

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(
            permission.startswith(f"{app_label}.") for permission in self.get_all_permissions(user_obj)
        )
