"""Who works the race and what they changed: its officials and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from races.choices import (
    OfficialRole,
)
from races.models.entries import Team
from races.models.race import Race, Station


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
        RACE_OFFICIAL = "race_official", _("Results made official")
        PROTEST_LODGED = "protest_lodged", _("Protest lodged")
        PROTEST_DECIDED = "protest_decided", _("Protest decided")

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
