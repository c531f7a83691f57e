"""Who may work which race and station on race day (DESIGN.md, Pages: roles).

A superuser, a member of the admin's "Organiser" group (who holds the right to close races)
or an organiser named on the race may do everything for that race; a station official only
records and corrects at the stations the organiser assigned; everyone else reads the public
pages. The officials' pages, the keypad and the device API all ask here, so a rule is
written once.
"""

from dataclasses import dataclass

from races.models import OfficialRole, Race, RaceOfficial, Station


def is_race_organiser(user, race: Race) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_perm("races.close_race"):
        return True
    return RaceOfficial.objects.filter(race=race, user=user, role=OfficialRole.ORGANISER).exists()


def stations_user_may_work(user, race: Race) -> list[Station]:
    """The relay and timing stations whose splits this user may record and correct."""
    if is_race_organiser(user, race):
        return list(race.course)
    if not user.is_authenticated or not user.is_active:
        return []
    return list(Station.objects.filter(race=race, officials__user=user).order_by("position"))


def may_record_at(user, race: Race, station_code: str) -> bool:
    return any(station.code == station_code for station in stations_user_may_work(user, race))


@dataclass(frozen=True)
class RaceDuty:
    race: Race
    organiser: bool
    stations: list[Station]


def duties_of(user) -> list[RaceDuty]:
    """The races this user works, each with the stations they may record at."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm("races.close_race"):
        races = Race.objects.all()
    else:
        races = Race.objects.filter(officials__user=user).distinct()
    duties = []
    for race in races:
        stations = stations_user_may_work(user, race)
        organiser = is_race_organiser(user, race)
        if organiser or stations:
            duties.append(RaceDuty(race=race, organiser=organiser, stations=stations))
    return duties
