"""Protests against a team's result: lodged with the organisers after (or during) the race and
decided by them. While one is pending the results stay provisional (docs/race-day.md).

What a protest says and how it was decided is for the officials only: no public page, export
or API answer shows it; a decision that changes a team's status gives the public its own note.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from races.choices import ProtestStatus
from races.models.entries import Team
from races.models.race import Race

PROTEST_TEXT_MAX_LENGTH = 2000


class Protest(models.Model):
    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="protests")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="protests", verbose_name=_("team protested against")
    )
    lodged_by = models.CharField(
        _("lodged by"), max_length=200, help_text=_("Who lodged it: a team captain, a runner, an official.")
    )
    about = models.TextField(_("about"), max_length=PROTEST_TEXT_MAX_LENGTH)
    lodged_at = models.DateTimeField(_("lodged at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ProtestStatus.choices, default=ProtestStatus.PENDING
    )
    decision = models.TextField(_("decision"), max_length=PROTEST_TEXT_MAX_LENGTH, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["race_id", "lodged_at", "pk"]
        verbose_name = _("protest")
        verbose_name_plural = _("protests")
        indexes = [models.Index(fields=["race", "status"], name="protest_race_status")]

    def __str__(self) -> str:
        return f"{self.team.bib}: {self.get_status_display()}"

    @property
    def pending(self) -> bool:
        return self.status == ProtestStatus.PENDING
