"""Who may work which race and station on race day (docs/race-day.md, "During the race").

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


# The admin's "Results desk" group holds these rights for every race, as "Organiser" holds
# the right to close races: the people at the timing table behind the finish.
DESK_RIGHTS = ("results.add_timingrecord", "results.void_timingrecord")


def may_upload_timing(user, race: Race) -> bool:
    """A chip file touches every station: organisers, and whoever may add splits in the admin."""
    if is_race_organiser(user, race):
        return True
    return user.is_authenticated and user.is_active and user.has_perm("results.add_timingrecord")


def works_results_desk(user, race: Race) -> bool:
    """Organisers, and the results desk (the rights to add and to void splits): corrections at
    every station, the anomaly list and the audit trail."""
    if is_race_organiser(user, race):
        return True
    return user.is_authenticated and user.is_active and user.has_perms(DESK_RIGHTS)


def stations_user_may_correct(user, race: Race) -> list[Station]:
    """Where this user may add, void and restore a team's splits."""
    if works_results_desk(user, race):
        return list(race.course)
    return stations_user_may_work(user, race)


@dataclass(frozen=True)
class RaceDuty:
    race: Race
    organiser: bool
    stations: list[Station]
    #: Uploads, corrections at every station, anomalies, the audit trail (organisers too).
    desk: bool = False


def duties_of(user) -> list[RaceDuty]:
    """The races this user works, each with the stations they may record at."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm("races.close_race") or user.has_perms(DESK_RIGHTS):
        races = Race.objects.all()
    else:
        races = Race.objects.filter(officials__user=user).distinct()
    duties = []
    for race in races:
        stations = stations_user_may_work(user, race)
        organiser = is_race_organiser(user, race)
        desk = works_results_desk(user, race)
        if organiser or desk or stations:
            duties.append(RaceDuty(race=race, organiser=organiser, stations=stations, desk=desk))
    return duties
