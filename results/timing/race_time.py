"""Times at the edges: parsing what readers and officials write, showing a moment of the race.

Inside, a time is integer milliseconds (epoch ms for a moment, plain ms for a duration); the
race's time zone is used only here, to read a time of day and to show one. Durations as runners
read them (rounded up to the second) are results/standings/display.py.
"""

import re
from datetime import UTC, datetime, time, timedelta

from django.utils.translation import gettext as _

TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$", re.ASCII)


class TimeFormatError(ValueError):
    pass


class SplitTimeParser:
    """Reads split times for one race; a chip file has 100,000 of them, so the race's date and
    zone are looked up once."""

    def __init__(self, race):
        self.date = race.date
        self.zone = race.zone

    def __call__(self, text: str) -> datetime:
        return _parse(text, self.date, self.zone)


def _parse(text: str, race_date, zone) -> datetime:
    """`HH:MM:SS[.fff]` on the race date in its zone, or ISO 8601 with an offset (or Z).

    Kept to the millisecond: finer digits, which no reader in the field has, are dropped so the
    stored time and the standings agree exactly.
    """
    text = text.strip()
    match = TIME_OF_DAY.match(text)
    if match:
        hours, minutes, seconds, fraction = match.groups()
        micro = int((fraction or "0").ljust(6, "0"))
        try:
            clock = time(int(hours), int(minutes), int(seconds), micro - micro % 1000)
        except ValueError:
            raise TimeFormatError(_("%r is not a time of day (HH:MM:SS, hours 0-23).") % text) from None
        return datetime.combine(race_date, clock, tzinfo=zone)
    if "T" in text or " " in text:
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)  # also catches years no calendar arithmetic reaches
        except (ValueError, OverflowError):
            raise TimeFormatError(
                _("%r is not a time; write HH:MM:SS[.fff] or an ISO 8601 timestamp with an offset.") % text
            ) from None
        if moment.tzinfo is None:
            raise TimeFormatError(
                _("%r has no offset; add one (e.g. +08:00 or Z) or write the local time of day HH:MM:SS.")
                % text
            )
        return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)
    raise TimeFormatError(
        _("%r is not a time; write HH:MM:SS[.fff] or an ISO 8601 timestamp with an offset.") % text
    )


def from_epoch_ms(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def epoch_ms(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def format_clock(moment: datetime, race) -> str:
    """A moment as the race's local time of day, to the millisecond."""
    local = moment.astimezone(race.zone)
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def format_dated_clock(moment: datetime, race) -> str:
    """A moment as the race's local date and time of day, to the millisecond: for a time that
    is a day or more away from the gun, where the time of day alone would hide the mistake."""
    return moment.astimezone(race.zone).strftime("%Y-%m-%d ") + format_clock(moment, race)


def format_moment(moment: datetime, race) -> str:
    """A moment with its date, in the race's zone to the second: when a read was received."""
    return moment.astimezone(race.zone).strftime("%Y-%m-%d %H:%M:%S")
