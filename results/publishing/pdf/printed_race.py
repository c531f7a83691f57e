"""The race as the printed pages show it: plain values read once from the database, so the PDF
code itself never touches the ORM."""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from races.models import Race

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintedLeg:
    number: int
    start: str  # station names, as the course lists them
    end: str
    km: Decimal


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

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category_name(self, code: str) -> str:
        return dict(self.categories).get(code, code)

    def leg(self, number: int) -> PrintedLeg | None:
        return next((leg for leg in self.legs if leg.number == number), None)


def printed_race(race: Race) -> PrintedRace:
    """The race as the printed results and certificates show it."""
    return PrintedRace(
        slug=race.slug,
        name=race.name,
        date=race.date,
        timezone=race.timezone,
        distance_km=race.course[-1].km if race.course else 0,
        legs=tuple(PrintedLeg(leg.number, leg.start.name, leg.end.name, leg.km) for leg in race.legs),
        categories=tuple(race.categories.values_list("code", "name")),
        closed=race.is_closed,
        logo=_certificate_logo(race),
        signature_name=race.certificate_signature_name,
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
