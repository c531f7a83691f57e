"""Teams and their runners: fixed by hand through the same eligibility service as the entries file."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.access import may, races_where
from races.admin.common import RunnerInline, stored_runners, team_identifier_problems, team_problems
from races.admin.scoping import RaceScopedAdmin
from races.audit import Actor
from races.models import (
    Category,
    OfficialStatus,
    Runner,
    Team,
)
from races.problems import InputProblems, Problem, add_to_form
from races.services import (
    RUNNER_FIELDS,
    Change,
    refuse_if_closed,
    team_delete,
    team_delete_problems,
    team_status_set,
)


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = (
            "race",
            "bib",
            "name",
            "category",
            "club",
            "captain_phone",
            "official_status",
            "status_reason",
            "public_note",
        )

    def clean(self):
        cleaned = super().clean()
        race = cleaned.get("race") or (self.instance.race if self.instance.race_id else None)
        category = cleaned.get("category")
        if race and category and category.race_id != race.pk:
            self.add_error(
                "category",
                _("%(category)s is a category of another race; choose one of %(race)s.")
                % {"category": category.code, "race": race.name},
            )
        bib = cleaned.get("bib")
        if race and bib and race.teams.filter(bib=bib).exclude(pk=self.instance.pk).exists():
            self.add_error("bib", _("Bib %s is already taken in this race.") % bib)
        if race and {"official_status", "status_reason", "public_note"} & set(self.changed_data):
            # Told here, beside the fields: the audited service would refuse it the same way.
            try:
                refuse_if_closed(
                    race, change=Change.CORRECTION, reason=cleaned.get("status_reason", ""), tell=False
                )
            except InputProblems as refusal:
                for problem in refusal.problems:
                    self.add_error("status_reason" if problem.field == "reason" else None, problem.message)
        return cleaned


class CategoryListFilter(admin.SimpleListFilter):
    """The categories of the race being looked at: every race has its own MO and WO."""

    title = gettext_lazy("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        # Only the categories of the races this user sees.
        categories = Category.objects.select_related("race").filter(
            race__in=races_where(request.user, "races.view_team", "races.change_team")
        )
        race_id = request.GET.get("race__id__exact")
        if race_id and race_id.isdigit():
            return [(c.pk, c.name) for c in categories.filter(race_id=race_id)]
        return [(c.pk, f"{c.race.slug}: {c.code}") for c in categories.order_by("race__slug", "code")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(category_id=self.value())
        return queryset


STATUS_FIELDS = ["official_status", "status_reason", "public_note"]


@admin.register(Team)
class TeamAdmin(RaceScopedAdmin):
    form = TeamAdminForm
    inlines = [RunnerInline]
    list_display = (
        "bib",
        "name",
        "category_code",
        "race",
        "club",
        "runner_count",
        "official_status",
        "updated_at",
    )
    list_display_links = ("bib", "name")
    list_filter = ("race", CategoryListFilter, "official_status")
    list_select_related = ("race", "category")
    search_fields = ("bib", "name", "runners__name", "runners__runner_bib", "runners__chip_id")
    ordering = ("race", "bib")
    list_per_page = 100
    actions = ("delete_selected",)  # ours replaces Django's: it keeps the teams that ran
    fieldsets = (
        (None, {"fields": ("race", "bib", "name", "category", "club", "captain_phone")}),
        (
            gettext_lazy("Status set by an official"),
            {
                "fields": ("official_status", "status_reason", "public_note"),
                "description": gettext_lazy(
                    "DQ, DNS or DNF win over the status the splits give. Every change is kept in the audit trail. "
                    "The reason stays with the officials; only the public note is shown on the public pages."
                ),
            },
        ),
    )

    def get_queryset(self, request):
        # distinct: a search by runner name joins the runners again, one row per runner matched.
        return super().get_queryset(request).annotate(runners_total=Count("runners", distinct=True))

    def has_set_status_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return may(request.user, "races.set_team_status", obj.race)
        return request.user.has_perm("races.set_team_status")

    def has_change_permission(self, request, obj=None):
        # The results desk sets DQ/DNS/DNF on race day without the right to change the set-up:
        # it gets the change form with only the status fields open (get_readonly_fields).
        return super().has_change_permission(request, obj) or self.has_set_status_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A team keeps its race: its bib, splits and category belong to that race.
        fixed = ["race"] if obj else []
        if obj and not super().has_change_permission(request, obj):
            fixed += ["bib", "name", "category", "club", "captain_phone"]
        if not self.has_set_status_permission(request, obj):
            fixed += STATUS_FIELDS
        return fixed

    @admin.display(description=gettext_lazy("category"), ordering="category__code")
    def category_code(self, team: Team) -> str:
        return team.category.code

    @admin.display(description=gettext_lazy("runners"), ordering="runners_total")
    def runner_count(self, team: Team) -> int:
        return team.runners_total

    def save_model(self, request, obj, form, change):
        if not set(STATUS_FIELDS) & set(form.changed_data):
            super().save_model(request, obj, form, change)
            return
        if not self.has_set_status_permission(request, obj):
            # The form leaves the fields out for such a user; this guards a form that ever does not.
            raise PermissionDenied
        # The status goes through the audited service, so the trail says who and why.
        wanted, reason, note = obj.official_status, obj.status_reason, obj.public_note
        obj.official_status = form.initial.get("official_status", OfficialStatus.NONE)
        obj.status_reason = form.initial.get("status_reason", "")
        obj.public_note = form.initial.get("public_note", "")
        super().save_model(request, obj, form, change)
        updated = team_status_set(
            race=obj.race,
            bib=obj.bib,
            status=wanted or "AUTO",
            reason=reason,
            public_note=note,
            actor=Actor.of_user(request.user),
        )
        obj.official_status, obj.status_reason = updated.official_status, updated.status_reason
        obj.public_note = updated.public_note

    # --- deleting a team that never ran (spam, a duplicate), through the audited service ---

    @admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request, queryset):
        """Django's delete, asked only about the teams that may go; the others are named and kept."""
        queryset, not_yours = self.only_where(request, queryset, "races.delete_team")
        if not_yours:
            self.message_user(
                request,
                _("%d selected team(s) are of a race where you may not delete teams; they were kept.")
                % not_yours,
                messages.WARNING,
            )
        refused = {team.pk: team_delete_problems(team) for team in queryset}
        refused = {pk: problems for pk, problems in refused.items() if problems}
        for problems in refused.values():
            for problem in problems:
                self.message_user(request, str(problem), messages.WARNING)
        deletable = queryset.exclude(pk__in=refused)
        if not deletable.exists():
            return None
        return admin_actions.delete_selected(self, request, deletable)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Runners go with their team; the runner admin only refuses removing one on its own.
        perms_needed.discard(Runner._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        # A team that ran is refused with the reason, on its own page, instead of a bare 403.
        team = self.get_object(request, unquote(object_id))
        problems = team_delete_problems(team) if team is not None else []
        if problems and self.has_delete_permission(request, team):
            return self._refuse_delete(request, team, problems)
        try:
            return super().delete_view(request, object_id, extra_context)
        except InputProblems as refusal:  # a split arrived after the confirmation page was shown
            return self._refuse_delete(request, team, refusal.problems)

    def _refuse_delete(self, request, team: Team, problems: list[Problem]):
        for problem in problems:
            self.message_user(request, str(problem), messages.ERROR)
        return redirect("admin:races_team_change", team.pk)

    def delete_model(self, request, obj):
        team_delete(team=obj, actor=Actor.of_user(request.user))

    def delete_queryset(self, request, queryset):
        for team in queryset:
            try:
                team_delete(team=team, actor=Actor.of_user(request.user))
            except InputProblems as refusal:
                for problem in refusal.problems:
                    self.message_user(request, str(problem), messages.WARNING)

    def save_formset(self, request, form, formset, change):
        if formset.model is Runner:
            changed = []
            for runner_form in formset.forms:
                runner_form.instance.race_id = form.instance.race_id
                if runner_form.instance.pk and runner_form.has_changed():
                    changed.append(runner_form.instance.pk)
            # Park the changed rows first, so swapping two legs or two chips never collides midway.
            Runner.objects.filter(pk__in=changed).update(leg=F("leg") + 1000, chip_id="", runner_bib="")
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.race.bump_standings_version()


@admin.register(Runner)
class RunnerAdmin(RaceScopedAdmin):
    """Runners are added and removed with their team (one per leg); here they are found and fixed."""

    list_display = (
        "name",
        "team",
        "leg",
        "gender",
        "birth_date",
        "runner_bib",
        "chip_id",
        "nationality",
        "race",
    )
    list_filter = ("race", "gender")
    list_select_related = ("team", "race")
    search_fields = ("name", "runner_bib", "chip_id", "team__bib", "team__name")
    fields = (
        "race",
        "team",
        "leg",
        *RUNNER_FIELDS,
    )
    readonly_fields = ("race", "team", "leg")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RunnerChangeForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                runner = self.instance
                if self.errors or not runner.pk:
                    return
                team = runner.team
                runners = stored_runners(team)
                runners[runner.leg] = {k: getattr(runner, k) for k in RUNNER_FIELDS}
                problems = team_problems(team, team.category, runners)
                problems += team_identifier_problems(team, runners, team)
                add_to_form(self, problems)

        return RunnerChangeForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.race.bump_standings_version()
