"""The organisers' first screen: set up the race, import the entries, fix a team by hand.

The admin holds no rules of its own. A team saved here is checked by the same eligibility
service as the entries file and the registration form; a status goes through the audited
service; the course of a race that already has teams or splits is changed with `import_race`,
which knows what a change would break.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.database_busy import DATABASE_BUSY, is_database_busy
from races.forms import EntriesUploadForm, RegistrationDeadlineInRaceZone, TimingUploadForm
from races.models import (
    AuditEntry,
    Category,
    OfficialRole,
    OfficialStatus,
    Race,
    RaceOfficial,
    Runner,
    Station,
    Team,
)
from races.problems import InputProblems, problems_shown
from races.roles import roles_with
from races.services import (
    RUNNER_FIELDS,
    TeamEntry,
    entries_import,
    identifier_problems,
    team_delete,
    team_delete_problems,
    team_entry_problems,
    team_status_set,
)
from results.race_closing import race_close_counting_dnf
from results.services import timing_import

# --- eligibility, through the service -----------------------------------------------------


def team_problems(team: Team, category: Category, runners: dict[int, dict]) -> list[str]:
    """What the eligibility service says about this team with these runners (leg -> fields)."""
    race = team.race
    entry = TeamEntry(bib=team.bib, name=team.name, category=category, runners=runners)
    return team_entry_problems(entry, race, len(race.legs))


def stored_runners(team: Team) -> dict[int, dict]:
    return {r.leg: {k: getattr(r, k) for k in RUNNER_FIELDS} for r in team.runners.all()}


def team_identifier_problems(team: Team, runners: dict[int, dict], stored: Team | None) -> list[str]:
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
        problems: list[str] = []
        runners: dict[int, dict] = {}
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            leg = form.cleaned_data["leg"]
            if not 1 <= leg <= legs:
                problems.append(
                    _("leg %(leg)d: this race has legs 1 to %(legs)d.") % {"leg": leg, "legs": legs}
                )
            runners[leg] = form.cleaned_data
        problems += team_problems(team, team.category, runners)
        stored = Team.objects.filter(pk=team.pk).first() if team.pk else None
        problems += team_identifier_problems(team, runners, stored)
        if problems:
            raise ValidationError(problems)


class RunnerInline(admin.TabularInline):
    model = Runner
    formset = RunnerInlineFormSet
    fields = ("leg", "name", "gender", "birth_date", "club", "runner_bib", "chip_id", "nationality")
    ordering = ("leg",)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return max((len(race.legs) for race in Race.objects.all()), default=4)
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


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = (
            "race",
            "bib",
            "name",
            "category",
            "club",
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
        return cleaned


class CategoryListFilter(admin.SimpleListFilter):
    """The categories of the race being looked at: every race has its own MO and WO."""

    title = gettext_lazy("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        categories = Category.objects.select_related("race")
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
class TeamAdmin(admin.ModelAdmin):
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
        (None, {"fields": ("race", "bib", "name", "category", "club")}),
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

    def has_set_status_permission(self, request) -> bool:
        return request.user.has_perm("races.set_team_status")

    def has_change_permission(self, request, obj=None):
        # The results desk sets DQ/DNS/DNF on race day without the right to change the set-up:
        # it gets the change form with only the status fields open (get_readonly_fields).
        return super().has_change_permission(request, obj) or self.has_set_status_permission(request)

    def get_readonly_fields(self, request, obj=None):
        # A team keeps its race: its bib, splits and category belong to that race.
        fixed = ["race"] if obj else []
        if obj and not super().has_change_permission(request, obj):
            fixed += ["bib", "name", "category", "club"]
        if not self.has_set_status_permission(request):
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
        if not self.has_set_status_permission(request):
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
            actor=request.user.get_username(),
            user=request.user,
        )
        obj.official_status, obj.status_reason = updated.official_status, updated.status_reason
        obj.public_note = updated.public_note

    # --- deleting a team that never ran (spam, a duplicate), through the audited service ---

    @admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request, queryset):
        """Django's delete, asked only about the teams that may go; the others are named and kept."""
        refused = {team.pk: team_delete_problems(team) for team in queryset}
        refused = {pk: problems for pk, problems in refused.items() if problems}
        for problems in refused.values():
            for problem in problems:
                self.message_user(request, problem, messages.WARNING)
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

    def _refuse_delete(self, request, team: Team, problems: list[str]):
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
        return redirect("admin:races_team_change", team.pk)

    def delete_model(self, request, obj):
        team_delete(team=obj, actor=request.user.get_username(), user=request.user)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            try:
                team_delete(team=team, actor=request.user.get_username(), user=request.user)
            except InputProblems as refusal:
                for problem in refusal.problems:
                    self.message_user(request, problem, messages.WARNING)

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


# --- categories ---------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    """A rule changed after teams registered must not leave a registered team ineligible."""

    class Meta:
        model = Category
        fields = ("race", "code", "name", "min_women", "min_men", "min_age", "max_age", "min_age_sum")

    def _post_clean(self):
        super()._post_clean()
        category = self.instance
        if not category.pk or self.errors:
            return
        problems = []
        race = category.race  # one instance, so the course is read once for all its teams
        for team in category.teams.prefetch_related("runners"):
            team.race = race
            problems += team_problems(team, category, stored_runners(team))
        if problems:
            self.add_error(None, problems)


class CategoryInline(admin.TabularInline):
    model = Category
    form = CategoryForm
    fields = ("code", "name", "min_women", "min_men", "min_age", "max_age", "min_age_sum")
    ordering = ("code",)
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("code", "name", "race", "min_women", "min_men", "min_age", "max_age", "min_age_sum")
    list_filter = ("race",)
    search_fields = ("code", "name")
    list_select_related = ("race",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.race.bump_standings_version()


# --- races --------------------------------------------------------------------------------


def course_is_fixed(race: Race | None) -> bool:
    """Teams are registered with one runner per leg and splits name stations: keep both valid."""
    return bool(race and race.pk and (race.teams.exists() or race.timing_records.exists()))


class StationInline(admin.TabularInline):
    model = Station
    fields = ("position", "code", "name", "km", "handoff", "kuriage_minutes")
    ordering = ("position",)
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        if course_is_fixed(obj):
            return ("position", "code", "km", "handoff")
        return ()

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not course_is_fixed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not course_is_fixed(obj)


class RaceOfficialForm(forms.ModelForm):
    class Meta:
        model = RaceOfficial
        fields = ("user", "role", "stations")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == OfficialRole.STATION and not cleaned.get("stations"):
            self.add_error(
                "stations", _("Choose the stations this official records at, or make them an organiser.")
            )
        return cleaned


class RaceOfficialInline(admin.TabularInline):
    """Who works the race on race day: organisers see everything, station officials their stations."""

    model = RaceOfficial
    form = RaceOfficialForm
    fields = ("user", "role", "stations")
    autocomplete_fields = ("user",)
    extra = 0

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "stations":
            # Only this race's stations: an official of R1 here must not be given another race's R1.
            race_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            stations = (
                Station.objects.filter(race_id=race_id)
                if race_id and race_id.isdigit()
                else Station.objects.none()
            )
            kwargs["queryset"] = stations.order_by("position")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RaceAdminForm(RegistrationDeadlineInRaceZone, forms.ModelForm):
    class Meta:
        model = Race
        fields = (
            "name",
            "slug",
            "date",
            "place",
            "timezone",
            "start_time",
            "kuriage_minutes",
            "registration_open",
            "registration_closes_at",
            "is_closed",
            "certificate_logo",
            "certificate_signature_name",
        )

    def _post_clean(self):
        super()._post_clean()
        race = self.instance
        if not race.pk or self.errors or "date" not in self.changed_data:
            return
        # Ages are taken on race day: a new date can push a runner out of an age category.
        problems = []
        for team in race.teams.select_related("category").prefetch_related("runners"):
            team.race = race
            problems += team_problems(team, team.category, stored_runners(team))
        if problems:
            self.add_error("date", problems)


@admin.register(Race)
class RaceAdmin(admin.ModelAdmin):
    form = RaceAdminForm
    change_form_template = "admin/races/race/change_form.html"
    inlines = [StationInline, CategoryInline, RaceOfficialInline]
    list_display = ("name", "slug", "date", "team_count", "registration_open", "is_closed")
    list_filter = ("registration_open", "is_closed")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("close_races", "reopen_races")
    fields = RaceAdminForm.Meta.fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(teams_total=Count("teams"))

    def get_readonly_fields(self, request, obj=None):
        # Closing goes through the audited service (the actions); with splits recorded the gun
        # time moves every result, so it is changed with import_race, which checks the splits.
        fixed = ["is_closed"]
        if obj and obj.timing_records.exists():
            fixed += ["date", "timezone", "start_time"]
        return fixed

    @admin.display(description=gettext_lazy("teams"), ordering="teams_total")
    def team_count(self, race: Race) -> int:
        return race.teams_total

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.bump_standings_version()

    def has_close_permission(self, request) -> bool:
        return request.user.has_perm("races.close_race")

    @admin.action(
        permissions=["close"],
        description=gettext_lazy("Close the selected races (teams still out become DNF)"),
    )
    def close_races(self, request, queryset):
        for race in queryset:
            outcome = race_close_counting_dnf(race=race, actor=request.user.get_username(), user=request.user)
            self.message_user(request, str(outcome), messages.SUCCESS if outcome.changed else messages.INFO)

    @admin.action(permissions=["close"], description=gettext_lazy("Reopen the selected races"))
    def reopen_races(self, request, queryset):
        for race in queryset:
            outcome = race_close_counting_dnf(
                race=race, reopen=True, actor=request.user.get_username(), user=request.user
            )
            self.message_user(request, str(outcome), messages.SUCCESS if outcome.changed else messages.INFO)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            *(
                path(
                    f"<path:object_id>/import-{kind}/",
                    self.admin_site.admin_view(partial(self.import_view, kind=kind)),
                    name="{}_{}_import_{}".format(*info, kind),
                )
                for kind in UPLOADS
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Only the uploads this person may run are offered (templates/admin/races/race/change_form.html).
        uploads = [
            (reverse(f"admin:races_race_import_{kind}", args=[object_id]), upload.link)
            for kind, upload in UPLOADS.items()
            if request.user.has_perm(upload.permission)
        ]
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "uploads": uploads}
        )

    def import_view(self, request, object_id, *, kind: str):
        """Upload an entries or timing CSV: the same service as the command, all or nothing."""
        upload_kind = UPLOADS[kind]
        race = get_object_or_404(Race, pk=object_id) if object_id.isdigit() else None
        if race is None or not self.has_view_permission(request, race):
            return redirect("admin:races_race_changelist")
        if not request.user.has_perm(upload_kind.permission):
            # Sent back to the race with the reason, not a bare 403: the person learns whom to ask.
            self.message_user(
                request,
                _(
                    "You may not %(right)s: your account lacks the right “%(permission)s”. Nothing was "
                    "imported. Ask an organiser to add you to a group that has it: %(groups)s."
                )
                % {
                    "right": upload_kind.right,
                    "permission": upload_kind.permission,
                    "groups": ", ".join(roles_with(upload_kind.permission)),
                },
                messages.ERROR,
            )
            return redirect("admin:races_race_change", race.pk)
        form = upload_kind.form(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = upload_kind.service(
                    race=race,
                    raw=upload.read(),
                    filename=upload.name,
                    actor=request.user.get_username(),
                    user=request.user,
                )
            except InputProblems as refusal:
                problems = refusal.problems
            except OperationalError as error:
                if not is_database_busy(error):
                    raise
                self.message_user(request, DATABASE_BUSY, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(what)s imported from %(file)s: %(summary)s")
                    % {"what": upload_kind.what, "file": upload.name, "summary": summary},
                    messages.SUCCESS,
                )
                return redirect("admin:races_race_change", race.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": race,
            "title": upload_kind.title % race.name,
            "what": upload_kind.what,
            "intro": upload_kind.intro,
            "form": form,
            **problems_shown(problems),
            "change_url": reverse("admin:races_race_change", args=[race.pk]),
        }
        return TemplateResponse(request, "admin/races/race/import_csv.html", context)


@dataclass(frozen=True)
class Upload:
    service: Callable
    form: type[forms.Form]
    permission: str  # "app_label.codename", as user.has_perm takes it
    right: str  # what the permission allows, in words: "You may not <right>"
    link: str
    what: str
    title: str
    intro: str


UPLOADS = {
    "entries": Upload(
        service=entries_import,
        form=EntriesUploadForm,
        permission="races.import_entries",
        right=gettext_lazy("import entries"),
        link=gettext_lazy("Import entries (CSV)"),
        what=gettext_lazy("Entries"),
        title=gettext_lazy("Import entries into %s"),
        intro=gettext_lazy(
            "Teams in the file are created or updated; teams not in the file are left alone. Every "
            "team must have one runner per leg and meet its category's rules, or nothing is stored."
        ),
    ),
    "timing": Upload(
        service=timing_import,
        form=TimingUploadForm,
        permission="results.add_timingrecord",
        right=gettext_lazy("import timing files"),
        link=gettext_lazy("Import timing (CSV)"),
        what=gettext_lazy("Timing"),
        title=gettext_lazy("Import timing reads into %s"),
        intro=gettext_lazy(
            "Every read of the file is stored, or none if any line is wrong. Reads already stored "
            "(the same read_id, or the same bib, station, time and source) are not added again."
        ),
    ),
}


# --- read-only records --------------------------------------------------------------------


@admin.register(Runner)
class RunnerAdmin(admin.ModelAdmin):
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
                if problems:
                    self.add_error(None, problems)

        return RunnerChangeForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.race.bump_standings_version()


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    """The trail an appeal is decided on: it can be read, never written or erased here."""

    list_display = ("at", "race", "actor", "action", "team", "reason")
    list_filter = ("race", "action")
    list_select_related = ("race", "team")
    search_fields = ("actor", "reason", "team__bib", "team__name")
    date_hierarchy = "at"
