"""What the admin's pages share: the eligibility checks through the service, the runners'
inline, and a read-only admin."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from races.admin.scoping import RaceScopedInline
from races.models import (
    Category,
    Runner,
    Team,
)
from races.problems import Problem
from races.services import (
    RUNNER_FIELDS,
    TeamEntry,
    identifier_problems,
    team_entry_problems,
)

# --- eligibility, through the service -----------------------------------------------------


def team_problems(team: Team, category: Category, runners: dict[int, dict]) -> list[Problem]:
    """What the eligibility service says about this team with these runners (leg -> fields)."""
    race = team.race
    entry = TeamEntry(bib=team.bib, name=team.name, category=category, runners=runners)
    return team_entry_problems(entry, race, len(race.legs))


def stored_runners(team: Team) -> dict[int, dict]:
    return {r.leg: {k: getattr(r, k) for k in RUNNER_FIELDS} for r in team.runners.all()}


def team_identifier_problems(team: Team, runners: dict[int, dict], stored: Team | None) -> list[Problem]:
    entry = TeamEntry(bib=team.bib, name=team.name, category=team.category, runners=runners)
    return identifier_problems(team.race, {team.bib: entry}, replacing=stored, by_leg=True)


class RunnerInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        team = self.instance
        if any(self.errors) or not team.race_id or not team.category_id:
            return
        if team.category.race_id != team.race_id:
            return  # the team form says so; the runners cannot be judged against another race
        legs = len(team.race.legs)
        problems: list[Problem] = []
        runners: dict[int, dict] = {}
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            leg = form.cleaned_data["leg"]
            if not 1 <= leg <= legs:
                problems.append(
                    Problem(_("leg %(leg)d: this race has legs 1 to %(legs)d.") % {"leg": leg, "legs": legs})
                )
            runners[leg] = form.cleaned_data
        problems += team_problems(team, team.category, runners)
        stored = Team.objects.filter(pk=team.pk).first() if team.pk else None
        problems += team_identifier_problems(team, runners, stored)
        if problems:
            raise ValidationError([str(problem) for problem in problems])


class RunnerInline(RaceScopedInline, admin.TabularInline):
    model = Runner
    formset = RunnerInlineFormSet
    fields = ("leg", "name", "gender", "birth_date", "club", "runner_bib", "chip_id", "nationality")
    ordering = ("leg",)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            races = self.races_for(request, "races.add_team")
            return max((len(race.legs) for race in races), default=4)
        return max(0, len(obj.race.legs) - obj.runners.count())


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records that are a trail (audit entries, timing reads): looked at here, never written.

    Changes go through the services, which keep who, when and why.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
