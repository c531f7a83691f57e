"""The race as the printed pages show it: plain values, read from the database by the caller."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo


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
