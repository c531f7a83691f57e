"""The race as the organisers set it up: course, categories, teams and their runners."""

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from races.choices import (
    Gender,
    OfficialRole,
    OfficialStatus,
    RegistrationClosed,
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

    def local_time_label(self, moment: datetime) -> str:
        """A moment as a captain in the race's country reads it, with the zone named."""
        local = moment.astimezone(self.zone)
        return gettext("%(when)s (%(zone)s time)") % {
            "when": formats.date_format(local, "j F Y, H:i"),
            "zone": self.timezone,
        }

    def schedule(self, now: datetime) -> Schedule:
        """Live on race day in the race's own zone, and after the gun until the race is closed."""
        if self.is_closed:
            return Schedule.PAST
        if now >= self.gun or now.astimezone(self.zone).date() == self.date:
            return Schedule.LIVE
        return Schedule.UPCOMING

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


class Category(models.Model):
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    min_women = models.PositiveSmallIntegerField(_("at least this many women"), null=True, blank=True)
    min_men = models.PositiveSmallIntegerField(_("at least this many men"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        help_text=_("Every runner, in whole years on race day."),
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"),
        null=True,
        blank=True,
        help_text=_("Every runner, in whole years on race day."),
    )
    min_age_sum = models.PositiveSmallIntegerField(
        _("minimum sum of ages"),
        null=True,
        blank=True,
        help_text=_("All the team's runners together."),
    )

    class Meta:
        ordering = ["race_id", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["race", "code"], name="category_code_unique_in_race"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="category_min_age_not_above_max_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Team(models.Model):
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="teams")
    bib = models.CharField(_("bib"), max_length=20)
    name = models.CharField(_("team name"), max_length=200)
    category = models.ForeignKey(
        Category,
        on_delete=models.RESTRICT,
        related_name="teams",
        verbose_name=_("category"),
    )
    club = models.CharField(_("club"), max_length=200, blank=True)
    captain_phone = models.CharField(
        _("captain's phone"),
        max_length=40,
        blank=True,
        help_text=_("For race control when a runner is overdue; never shown on public pages or exports."),
    )
    official_status = models.CharField(
        _("status set by an official"),
        max_length=3,
        choices=OfficialStatus.choices,
        blank=True,
        default=OfficialStatus.NONE,
    )
    status_reason = models.CharField(
        _("reason (officials only)"),
        max_length=300,
        blank=True,
        help_text=_("For the officials and the audit trail; never shown on public pages or exports."),
    )
    public_note = models.CharField(
        _("public note"),
        max_length=300,
        blank=True,
        help_text=_("Shown beside the status on the public pages, e.g. 'withdrew before leg 3'."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["race_id", "bib"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        permissions = [("set_team_status", _("Can set a team's status (DQ, DNS, DNF)"))]
        constraints = [
            models.UniqueConstraint(fields=["race", "bib"], name="team_bib_unique_in_race"),
        ]

    def __str__(self) -> str:
        return f"{self.bib} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("results:team", kwargs={"slug": self.race.slug, "bib": self.bib})


class Runner(models.Model):
    # Denormalised from the team so the database itself can keep chip ids unique per race.
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="runners")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="runners")
    leg = models.PositiveSmallIntegerField(_("leg"))
    name = models.CharField(_("name"), max_length=200)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    club = models.CharField(_("club"), max_length=200, blank=True)
    runner_bib = models.CharField(_("runner bib"), max_length=20, blank=True)
    chip_id = models.CharField(_("chip id"), max_length=64, blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)

    class Meta:
        ordering = ["team_id", "leg"]
        verbose_name = _("runner")
        verbose_name_plural = _("runners")
        constraints = [
            models.UniqueConstraint(fields=["team", "leg"], name="runner_one_per_leg"),
            models.UniqueConstraint(
                fields=["race", "chip_id"],
                condition=~Q(chip_id=""),
                name="runner_chip_unique_in_race",
            ),
            models.UniqueConstraint(
                fields=["race", "runner_bib"],
                condition=~Q(runner_bib=""),
                name="runner_bib_unique_in_race",
            ),
            models.CheckConstraint(condition=Q(leg__gte=1), name="runner_leg_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (leg {self.leg})"


class AuditEntry(models.Model):
    """Who changed what on race day, and why: the trail an appeal is decided on."""

    class Action(models.TextChoices):
        TEAM_STATUS = "team_status", _("Team status set")
        RACE_CLOSED = "race_closed", _("Race closed")
        RACE_REOPENED = "race_reopened", _("Race reopened")
        TIMING_ADDED = "timing_added", _("Split added by hand")
        TIMING_VOIDED = "timing_voided", _("Split voided")
        TIMING_RESTORED = "timing_restored", _("Split restored")
        TIMING_IMPORTED = "timing_imported", _("Timing file imported")
        ENTRIES_IMPORTED = "entries_imported", _("Entries imported")
        TEAM_DELETED = "team_deleted", _("Team deleted")
        DEVICE_TOKEN_CREATED = "device_token_created", _("Device token made")
        DEVICE_TOKEN_REVOKED = "device_token_revoked", _("Device token revoked")
        UNMATCHED_RESOLVED = "unmatched_resolved", _("Unknown bib dealt with")
        UNMATCHED_REOPENED = "unmatched_reopened", _("Unknown bib not dealt with after all")
        OFFICIAL_NAMED = "official_named", _("Race official named")
        OFFICIAL_REMOVED = "official_removed", _("Race official removed")
        RUNNER_CHANGED = "runner_changed", _("Runner changed")
        GUN_SET = "gun_set", _("Start gun set")

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="audit_entries")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.CharField(_("who"), max_length=150, help_text=_("User, device or 'command line'."))
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor}: {self.get_action_display()}"


class RaceOfficial(models.Model):
    """Who works which race, and as what: every right to a race comes from here (races/access.py),
    named through races/services/race_officials.py, which audits it."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="officials")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="race_roles",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=OfficialRole.choices, default=OfficialRole.STATION
    )
    stations = models.ManyToManyField(
        Station,
        blank=True,
        related_name="officials",
        verbose_name=_("stations"),
        help_text=_("The stations a station official records at; an organiser works them all."),
    )

    class Meta:
        ordering = ["race_id", "role", "user_id"]
        verbose_name = _("race official")
        verbose_name_plural = _("race officials")
        constraints = [models.UniqueConstraint(fields=["race", "user"], name="one_role_per_race_and_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
