"""Which followers hear of which station pass, after the standings were refreshed.

Called after each refresh of a race's standings (results/receivers.py): the passes and places
come from the standings just computed. Each pass of a followed team is announced once
(`AnnouncedPass`, unique per team and station): a second read at the same station (the chip mat
after the tablet), a second worker, a later refresh add nothing. A follower hears of a pass only
if they followed before it was stored: a family following mid-race gets the next pass, not the
ones the page already showed them. A voided read is no pass: the standings leave it out.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import translation

from races.models import Race, Station, Team
from results.following.models import AnnouncedPass, EmailSubscription, PushSubscription
from results.following.passes import CourseStop, StationPass, pass_text, station_pass
from results.standings.cache import fresh_results
from results.timing.models import TimingRecord


@dataclass(frozen=True)
class Announcement:
    """One follower to tell, and what: the words in their language."""

    kind: str  # "push" or "email"
    subscription_id: int
    text: str


def followed_teams(race_id: int) -> set[int]:
    """The race's teams with at least one follower: one small query, most races have none."""
    push = PushSubscription.objects.filter(team__race_id=race_id).values_list("team_id", flat=True)
    email = EmailSubscription.objects.filter(team__race_id=race_id).values_list("team_id", flat=True)
    return set(push.distinct()) | set(email.distinct())


def announcements_after_refresh(race_id: int) -> list[Announcement]:
    """The passes not yet announced of the race's followed teams, one announcement per follower."""
    followed = followed_teams(race_id)
    if not followed:
        return []
    race = Race.objects.get(pk=race_id)
    results = fresh_results(race_id)
    stations = {station.code: station for station in race.course}
    stops = course_stops(race)
    announced = set(AnnouncedPass.objects.filter(team_id__in=followed).values_list("team_id", "station_id"))
    by_bib = {standing.bib: standing for standing in results.teams}  # 25,000 teams: one pass, not one each
    found = []
    for team in Team.objects.filter(pk__in=followed).select_related("category").order_by("pk"):
        standing = by_bib.get(team.bib)
        if standing is None:  # registered after these results were computed
            continue
        for split in standing.stations:
            station = stations.get(split.station)
            if split.cumulative_ms is None or station is None or (team.pk, station.pk) in announced:
                continue
            stored_at = _known_since(team, station)
            if stored_at is None or not _claim(team, station):
                continue  # voided since the refresh, or another worker announces it
            found += _to_followers(
                team, stored_at, station_pass(results, standing, stops[station.code], team.category.name)
            )
    return found


def course_stops(race: Race) -> dict[str, CourseStop]:
    """Every station after the start: which leg ends or runs through it, and what it is."""
    stops = {}
    for leg in race.legs:
        last = leg is race.legs[-1]
        stops[leg.end.code] = CourseStop(
            leg.end.code, leg.end.name, "finish" if last else "handoff", leg.number
        )
        for station in race.course:
            if leg.start.position < station.position < leg.end.position:
                stops[station.code] = CourseStop(station.code, station.name, "checkpoint", leg.number)
    return stops


def _known_since(team: Team, station: Station):
    """When the server first held a read of this pass that is still valid."""
    return TimingRecord.objects.filter(team=team, station=station, voided=False).aggregate(
        at=Min("created_at")
    )["at"]


def _claim(team: Team, station: Station) -> bool:
    """Mark the pass announced; False if it already was (by another worker meanwhile)."""
    try:
        with transaction.atomic():
            _mark, created = AnnouncedPass.objects.get_or_create(team=team, station=station)
    except IntegrityError:
        return False
    return created


def _to_followers(team: Team, stored_at, station: StationPass) -> list[Announcement]:
    texts: dict[str, str] = {}

    def text(language: str) -> str:
        if language not in texts:
            with translation.override(language):
                texts[language] = pass_text(station)
        return texts[language]

    followers = [
        ("push", pk, language)
        for pk, language in PushSubscription.objects.filter(team=team, created_at__lte=stored_at)
        .order_by("pk")
        .values_list("pk", "language")
    ] + [
        ("email", pk, language)
        for pk, language in EmailSubscription.objects.filter(team=team, created_at__lte=stored_at)
        .order_by("pk")
        .values_list("pk", "language")
    ]
    return [Announcement(kind, pk, text(language)) for kind, pk, language in followers]
