"""The race as the printed pages show it: plain values read once from the database, so the PDF
code itself never touches the ORM."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from races.models import Race, ResultsState
from results.standings.leg_honours import CourseRecords

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintedLeg:
    number: int
    start: str  # station names, as the course lists them
    end: str
    km: Decimal
    end_code: str = ""  # the relay station (or finish) where the leg ends


@dataclass(frozen=True)
class PrintedRace:
    slug: str
    name: str
    date: date
    timezone: str
    distance_km: Decimal  # the finish station's km
    legs: tuple[PrintedLeg, ...]
    categories: tuple[tuple[str, str], ...]  # (code, name), in the order the site lists them
    closed: bool
    logo: bytes | None = field(default=None, repr=False)  # an image file's bytes, for certificates
    signature_name: str = ""
    #: Where the results stand when printed: certificates say "Provisional" until official.
    state: ResultsState = ResultsState.OFFICIAL
    place: str = ""
    gun: datetime | None = None
    #: The book's and the certificates' language (Race.results_language); names are never translated.
    language: str = "en"
    #: The PDF files' author: the organiser who signs the certificates, else the race itself.
    author: str = ""
    records: CourseRecords = field(default_factory=CourseRecords)
    #: The officials' public note on a team (why DQ or DNF), by bib; never their private reason.
    public_notes: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: A team's public page with "{bib}" for its bib; empty when TASUKI_PUBLIC_URL is not set.
    team_url_pattern: str = ""

    @property
    def official(self) -> bool:
        return self.state == ResultsState.OFFICIAL

    def team_url(self, bib: str) -> str:
        return self.team_url_pattern.replace("{bib}", quote(bib, safe="")) if self.team_url_pattern else ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category_name(self, code: str) -> str:
        return dict(self.categories).get(code, code)

    def leg(self, number: int) -> PrintedLeg | None:
        return next((leg for leg in self.legs if leg.number == number), None)


def printed_race(race: Race, *, now: datetime | None = None) -> PrintedRace:
    """The race as the printed results and certificates show it, at `now` (default: the clock)."""
    now = now or timezone.now()
    placeholder = "0"
    team_path = reverse("results:team", kwargs={"slug": race.slug, "bib": placeholder})
    team_path = (
        team_path[: team_path.rindex(placeholder)] + "{bib}" + team_path[team_path.rindex(placeholder) + 1 :]
    )
    return PrintedRace(
        slug=race.slug,
        name=race.name,
        date=race.date,
        timezone=race.timezone,
        distance_km=race.course[-1].km if race.course else 0,
        legs=tuple(
            PrintedLeg(leg.number, leg.start.name, leg.end.name, leg.km, leg.end.code) for leg in race.legs
        ),
        categories=tuple(race.categories.values_list("code", "name")),
        closed=race.is_closed,
        logo=_certificate_logo(race),
        signature_name=race.certificate_signature_name,
        state=race.results_state(now),
        place=race.place,
        gun=race.gun,
        language=race.results_language,
        author=race.certificate_signature_name or race.name,
        records=CourseRecords.from_stored(race.records),
        public_notes=dict(race.teams.exclude(public_note="").values_list("bib", "public_note")),
        team_url_pattern=f"{settings.TASUKI_PUBLIC_URL}{team_path}" if settings.TASUKI_PUBLIC_URL else "",
    )


def _certificate_logo(race: Race) -> bytes | None:
    if not race.certificate_logo:
        return None
    try:
        with race.certificate_logo.open("rb") as logo:
            return logo.read()
    except OSError:
        # A logo lost from the media folder must not stop the certificates from printing.
        logger.warning("race %s: certificate logo %s cannot be read", race.slug, race.certificate_logo.name)
        return None
