"""The fixed choices of the race's models, and the time zone check: what a field may hold."""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name; use an IANA name such as Asia/Kuala_Lumpur."),
            params={"value": value},
        )


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Non-binary / not stated")


class OfficialStatus(models.TextChoices):
    """A status an official sets by hand; it wins over the status derived from the splits."""

    NONE = "", _("Derived from timing")
    DQ = "DQ", _("Disqualified")
    DNS = "DNS", _("Did not start")
    DNF = "DNF", _("Did not finish")


class RegistrationClosed(models.TextChoices):
    """Why the public registration form is closed, from the most final reason to the least."""

    RACE_CLOSED = "race_closed", _("the race is closed")
    RACE_STARTED = "race_started", _("the race has started")
    DEADLINE_PASSED = "deadline_passed", _("the registration deadline has passed")
    NOT_TAKING_ENTRIES = "not_taking_entries", _("the organisers are not taking entries")


class Schedule(models.TextChoices):
    """Where a race stands for the race list: on now, still to come, or over."""

    LIVE = "live", _("Live now")
    UPCOMING = "upcoming", _("Upcoming")
    PAST = "past", _("Past races")


class OfficialRole(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    RESULTS_DESK = "desk", _("Results desk")
    STATION = "station", _("Station official")


class ResultsState(models.TextChoices):
    """Where a race's results stand, as every public page, the export and the PDFs say it."""

    UPCOMING = "upcoming", _("Upcoming")
    LIVE = "live", _("Live")
    PROVISIONAL = "provisional", _("Provisional")
    OFFICIAL = "official", _("Official")


class ProtestStatus(models.TextChoices):
    """A protest waits for the organisers' decision; while one waits the results stay provisional."""

    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Language(models.TextChoices):
    """The site's languages, each named in itself (as the language switch names them)."""

    ENGLISH = "en", "English"
    MALAY = "ms", "Bahasa Melayu"
    JAPANESE = "ja", "日本語"
