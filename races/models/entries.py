"""Who runs: the categories with their rules, the teams and their runners."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from races.choices import (
    Gender,
    OfficialStatus,
)
from races.models.race import Race


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
