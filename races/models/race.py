"""The race and its course: the gun, the stations, the legs between its handoff points."""

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from races.choices import (
    Language,
    RegistrationClosed,
    ResultsState,
    Schedule,
    validate_timezone,
)
from races.course import handoff_points
from races.signals import standings_changed


class Race(models.Model):
    slug = models.SlugField(_("slug"), unique=True, help_text=_("Short name used in URLs."))
    name = models.CharField(_("name"), max_length=200)
    date = models.DateField(_("race date"))
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Where the race is run, as the race list shows it, e.g. “Putrajaya, Malaysia”."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Kuala_Lumpur",
        validators=[validate_timezone],
        help_text=_("Local times of day in timing files are read in this zone."),
    )
    start_time = models.TimeField(_("gun time"), help_text=_("Local time of the start gun."))
    kuriage_minutes = models.PositiveSmallIntegerField(
        _("carry-over cutoff (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Kuriage: a team arriving at a relay station this many minutes after the leader "
            "sends its next runner off at the cutoff. Empty = no carry-over start."
        ),
    )
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, editable=False, help_text=_("The protest window starts.")
    )
    official_at = models.DateTimeField(_("official since"), null=True, blank=True, editable=False)
    protest_window_minutes = models.PositiveSmallIntegerField(
        _("protest window (minutes)"),
        default=30,
        help_text=_(
            "After the race is closed, its results stay provisional this long, or while a protest is pending."
        ),
    )
    results_language = models.CharField(
        _("language of the results book and certificates"),
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
    )
    records = models.JSONField(
        _("records"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "The course's and each leg's record, from the race file (import_race): the book, the team "
            "pages and the certificates mark a new one."
        ),
    )
    is_closed = models.BooleanField(
        _("closed"),
        default=False,
        help_text=_("Final results: teams still out count as DNF."),
    )
    registration_open = models.BooleanField(
        _("registration open"),
        default=False,
        help_text=_(
            "Team captains may register teams on the public form. It closes by itself at the "
            "deadline below, at the gun, or when the race is closed."
        ),
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes at"),
        null=True,
        blank=True,
        help_text=_("Optional deadline for the public form, in the race's time zone. Empty = the gun."),
    )
    overdue_margin_minutes = models.PositiveSmallIntegerField(
        _("overdue after (minutes)"),
        default=10,
        help_text=_(
            "Race control flags a team as overdue at a station this many minutes after its "
            "projected arrival there."
        ),
    )
    # Its help is the admin form's (races/admin/race.py).
    changes_deadline = models.DateTimeField(_("runner changes until"), null=True, blank=True)
    certificate_logo = models.ImageField(
        _("certificate logo"),
        upload_to="races/logos/",
        blank=True,
        help_text=_("Printed at the top of each certificate. PNG or JPEG, a few hundred pixels wide."),
    )
    certificate_signature_name = models.CharField(
        _("certificate signature"),
        max_length=200,
        blank=True,
        help_text=_("Name printed under the signature line of each certificate, e.g. the race director."),
    )
    standings_version = models.PositiveBigIntegerField(
        _("standings version"),
        default=0,
        editable=False,
        help_text=_("Bumped on every change that can move the standings."),
    )

    class Meta:
        ordering = ["-date", "name"]
        verbose_name = _("race")
        verbose_name_plural = _("races")
        permissions = [
            ("close_race", _("Can close or reopen a race")),
            ("import_entries", _("Can import entries from a CSV file")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("results:standings", kwargs={"slug": self.slug})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def gun(self) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=self.zone)

    def results_state(self, now: datetime) -> ResultsState:
        """Upcoming before the gun, live after it while open, provisional once closed, official once
        `official_at` is set. Stored fields only: the services move a race from state to state."""
        if self.is_closed:
            return ResultsState.OFFICIAL if self.official_at is not None else ResultsState.PROVISIONAL
        return ResultsState.LIVE if now >= self.gun else ResultsState.UPCOMING

    def local_time_label(self, moment: datetime) -> str:
        """A moment as a captain in the race's country reads it, with the zone named."""
        local = moment.astimezone(self.zone)
        return gettext("%(when)s (%(zone)s time)") % {
            "when": formats.date_format(local, "j F Y, H:i"),
            "zone": self.timezone,
        }

    def schedule(self, now: datetime) -> Schedule:
        """Live from the gun to the end of race day in the race's own zone, unless closed; to
        come before the gun; past after (a race its organisers forgot to close is not live
        for ever: a family would wait for splits that never come)."""
        if now < self.gun:
            return Schedule.UPCOMING
        if self.is_closed or now.astimezone(self.zone).date() != self.date:
            return Schedule.PAST
        return Schedule.LIVE

    @property
    def registration_closes(self) -> datetime:
        """When the public form closes by the clock: the organisers' deadline, or the gun.

        Entries stop at the gun at the latest: a team registered after the start has no bib
        at the start line and no runner waiting at the first relay.
        """
        if self.registration_closes_at is not None:
            return min(self.registration_closes_at, self.gun)
        return self.gun

    def registration_closed_because(self, now: datetime) -> RegistrationClosed | None:
        """Why captains cannot register a team at `now`, or None while the form is open.

        One rule for the form, the race list and the standings page, so no page offers a form
        that then refuses the team.
        """
        if self.is_closed:
            return RegistrationClosed.RACE_CLOSED
        if now >= self.gun:
            return RegistrationClosed.RACE_STARTED
        if self.registration_closes_at is not None and now >= self.registration_closes_at:
            return RegistrationClosed.DEADLINE_PASSED
        if not self.registration_open:
            return RegistrationClosed.NOT_TAKING_ENTRIES
        return None

    def registration_is_open(self, now: datetime) -> bool:
        return self.registration_closed_because(now) is None

    def registration_closed_explanation(self, because: RegistrationClosed) -> str:
        """The sentence a captain reads on the closed form: why, and since when."""
        if because == RegistrationClosed.RACE_CLOSED:
            return gettext("The race is over and its results are final.")
        if because == RegistrationClosed.RACE_STARTED:
            return gettext("Entries closed at the start gun, %s.") % self.local_time_label(self.gun)
        if because == RegistrationClosed.DEADLINE_PASSED:
            return gettext("The deadline for entries was %s.") % self.local_time_label(
                self.registration_closes_at
            )
        return gettext("The organisers are not taking new teams at the moment.")

    @cached_property
    def course(self) -> list["Station"]:
        # raw(): every post of a timing device asks, and building the ORM's query cost more
        # than twice what running it does.
        return list(Station.objects.raw(COURSE_SQL, [self.pk]))

    @cached_property
    def legs(self) -> list["Leg"]:
        return legs_of(self.course)

    @cached_property
    def handoff_codes(self) -> frozenset[str]:
        """The codes of the course's handoff points, the start and the finish included."""
        return frozenset(s.code for s in handoff_points(self.course))

    def bump_standings_version(self) -> None:
        """Mark the cached standings stale; call inside the transaction that changes them.

        Listeners hear of it only after the commit, so a worker never computes standings from
        rows it cannot see yet.
        """
        # Plain SQL: every device post ends here, and the ORM's building of this update cost
        # more than running it.
        with connection.cursor() as cursor:
            cursor.execute(BUMP_SQL, [self.pk])
        race_id = self.pk
        # robust: the change is committed whatever happens to the refresh; readers recompute.
        transaction.on_commit(lambda: standings_changed.send(sender=Race, race_id=race_id), robust=True)


class Station(models.Model):
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="stations")
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("Order on the course."))
    code = models.CharField(_("code"), max_length=20, help_text=_("As on timing files: R1, FINISH."))
    name = models.CharField(_("name"), max_length=100)
    km = models.DecimalField(_("km"), max_digits=8, decimal_places=4)
    handoff = models.BooleanField(
        _("relay station"),
        default=True,
        help_text=_("The tasuki is handed over here. Off for a timing-only checkpoint."),
    )
    kuriage_minutes = models.PositiveSmallIntegerField(
        _("carry-over cutoff here (minutes)"),
        null=True,
        blank=True,
        help_text=_("Overrides the race's cutoff at this station (Hakone: 10 at the first relay)."),
    )

    class Meta:
        ordering = ["race_id", "position"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(fields=["race", "code"], name="station_code_unique_in_race"),
            models.UniqueConstraint(fields=["race", "position"], name="station_position_unique"),
            models.CheckConstraint(condition=Q(km__gte=0), name="station_km_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.km} km)"


BUMP_SQL = f"UPDATE {Race._meta.db_table} SET standings_version = standings_version + 1 WHERE id = %s"
COURSE_SQL = f"SELECT * FROM {Station._meta.db_table} WHERE race_id = %s ORDER BY position"


@dataclass(frozen=True)
class Leg:
    """A leg runs between two consecutive relay stations; it is derived, never stored."""

    number: int
    start: Station
    end: Station

    @property
    def km(self) -> Decimal:
        return self.end.km - self.start.km

    def __str__(self) -> str:
        return f"{self.number}: {self.start.code}–{self.end.code}"


def legs_of(course: list[Station]) -> list[Leg]:
    points = handoff_points(course)
    return [Leg(number=i, start=a, end=b) for i, (a, b) in enumerate(itertools.pairwise(points), 1)]
