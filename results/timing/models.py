"""Timing records: every read of a tasuki passing a station as it arrived, the reads of unknown bibs,
and the tokens devices send them with."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from races.models import Race, Station, Team


class Source(models.TextChoices):
    TABLET = "tablet", _("Officials' tablet")
    CHIP = "chip", _("Chip reader")
    IMPORT = "import", _("Imported file")
    API = "api", _("Device API")
    MANUAL = "manual", _("Entered by hand")


class TimingRecord(models.Model):
    """One read. Never deleted or edited: a correction voids it and adds another.

    The effective time at a station is the earliest read there that is not voided, so a late
    duplicate (a chip read twice, a tablet tap after the chip) changes nothing.
    """

    # Denormalised from the team so the database can keep read ids unique per race.
    # A chip file brings 100,000 reads at once and every index slows its insert: the race and
    # the station are looked up through the (race, station, at) index below, and users
    # through nothing on race day, so those foreign keys get no index of their own.
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="timing_records", db_index=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="timing_records")
    station = models.ForeignKey(
        Station, on_delete=models.RESTRICT, related_name="timing_records", db_index=False
    )
    at = models.DateTimeField(_("time"), help_text=_("When the tasuki passed, to the millisecond."))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.IMPORT)
    read_id = models.CharField(
        _("read id"),
        max_length=100,
        blank=True,
        help_text=_("The reader's or device's own id for this read; a re-sent read is stored once."),
    )
    bib_as_read = models.CharField(
        _("bib as read"), max_length=64, blank=True, help_text=_("Team bib, runner bib or chip id.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    device = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    voided = models.BooleanField(_("voided"), default=False)
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("timing record")
        verbose_name_plural = _("timing records")
        permissions = [("void_timingrecord", _("Can void or restore a split"))]
        constraints = [
            models.UniqueConstraint(
                fields=["race", "read_id"], condition=~Q(read_id=""), name="timing_read_id_unique_in_race"
            ),
            models.UniqueConstraint(
                fields=["team", "station", "at", "source"],
                condition=Q(read_id=""),
                name="timing_read_unique_without_id",
            ),
        ]
        indexes = [models.Index(fields=["race", "station", "at"], name="timing_station_time")]

    def __str__(self) -> str:
        return f"{self.team.bib} @ {self.station.code} {self.at.isoformat()}"


class UnmatchedRead(models.Model):
    """A read a device sent for a bib this race does not know: kept for the anomaly list.

    It is not a timing record (no team to give it to), but an official must see it: a runner
    wearing the wrong bib, a typo on the keypad, a chip never entered.
    """

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="unmatched_reads")
    bib_as_read = models.CharField(_("bib as read"), max_length=64)
    station_code = models.CharField(_("station"), max_length=20)
    at = models.DateTimeField(_("time"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.API)
    read_id = models.CharField(_("read id"), max_length=100, blank=True)
    device = models.CharField(_("device"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    resolved = models.BooleanField(
        _("dealt with"), default=False, help_text=_("Ticked once an official has looked into it.")
    )
    # Who dealt with it and what they did: for the officials only, never a public page or export.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("dealt with by"),
    )
    resolved_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)
    resolution_note = models.CharField(
        _("what was done"),
        max_length=300,
        blank=True,
        help_text=_("The official's note, e.g. 'bib 1023 was 1032, split added by hand'."),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("unmatched read")
        verbose_name_plural = _("unmatched reads")
        constraints = [
            # A device re-sends a refused read until someone fixes it: list it once.
            models.UniqueConstraint(
                fields=["race", "read_id"], condition=~Q(read_id=""), name="unmatched_read_id_unique_in_race"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bib_as_read} @ {self.station_code}"


class DeviceToken(models.Model):
    """What a timing tablet or chip reader shows the device API: one race, some stations.

    Only a hash of the token is kept: a copy of the database (a backup, a laptop at the finish
    line) must not let anyone post splits. The plain token is shown once, when it is made.
    """

    PREFIX_LENGTH = 8

    race = models.ForeignKey(
        Race, on_delete=models.CASCADE, related_name="device_tokens", verbose_name=_("race")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Which device: 'R1 tablet', 'finish chip reader'.")
    )
    stations = models.ManyToManyField(
        Station,
        related_name="device_tokens",
        verbose_name=_("stations"),
        help_text=_("The stations this device may send splits for."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("token starts with"), max_length=PREFIX_LENGTH, editable=False, help_text=_("To tell tokens apart.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["race_id", "name", "pk"]
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")
        permissions = [("revoke_devicetoken", _("Can revoke a device token"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def issue(self) -> str:
        """Give this token a new secret and return it; only its hash is kept.

        32 random bytes cannot be guessed, so a fast hash is enough: a slow password hash
        would only slow down every request a device makes.
        """
        plain = secrets.token_urlsafe(32)
        self.token_hash, self.prefix = token_digest(plain), plain[: self.PREFIX_LENGTH]
        return plain


def token_digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
