"""Races, their course, categories and officials, and the uploads of entries (and, registered by
the results app, timing) files."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ekiden.database_busy import DATABASE_BUSY, is_database_busy
from races.access import may
from races.admin.common import (
    stored_runners,
    team_problems,
)
from races.admin.scoping import RaceScopedAdmin, RaceScopedInline
from races.audit import Actor
from races.forms import EntriesUploadForm, RegistrationDeadlineInRaceZone
from races.models import (
    Category,
    OfficialRole,
    Race,
    RaceOfficial,
    RegistrationClosed,
    Station,
)
from races.problems import InputProblems, Problem, add_to_form, problems_shown
from races.roles import roles_with
from races.services import (
    entries_import,
    race_official_name,
    race_official_remove,
    user_named,
)

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
        add_to_form(self, problems)


class CategoryInline(RaceScopedInline, admin.TabularInline):
    model = Category
    form = CategoryForm
    fields = ("code", "name", "min_women", "min_men", "min_age", "max_age", "min_age_sum")
    ordering = ("code",)

    def get_extra(self, request, obj=None, **kwargs):
        # A new race offers two categories to fill; a race's own page shows only its categories
        # ("Add another" adds a row), where empty rows would only be noise.
        return 2 if obj is None else 0


@admin.register(Category)
class CategoryAdmin(RaceScopedAdmin):
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


class StationInline(RaceScopedInline, admin.TabularInline):
    model = Station
    fields = ("position", "code", "name", "km", "handoff", "kuriage_minutes")
    ordering = ("position",)

    def get_extra(self, request, obj=None, **kwargs):
        # A new race offers the smallest course worth timing: start, two relay points, finish.
        return 4 if obj is None else 0

    def get_readonly_fields(self, request, obj=None):
        if course_is_fixed(obj):
            return ("position", "code", "km", "handoff")
        return ()

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not course_is_fixed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not course_is_fixed(obj)


class RaceOfficialForm(forms.ModelForm):
    """An official found by user name; saved through the audited service (RaceAdmin.save_formset)."""

    username = forms.CharField(label=gettext_lazy("user name"), max_length=150)
    role = forms.ChoiceField(
        label=gettext_lazy("role"),
        choices=OfficialRole.choices,
        help_text=gettext_lazy(
            "Organiser: everything of this race. Results desk: corrects, uploads chip files and "
            "prints. Station official: records and corrects at the stations ticked."
        ),
    )

    class Meta:
        model = RaceOfficial
        fields = ("username", "role", "stations")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["username"] = self.instance.user.get_username()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("username"):
            try:
                cleaned["user"] = user_named(cleaned["username"])
            except InputProblems as refusal:
                add_to_form(self, refusal.problems)
        if cleaned.get("role") == OfficialRole.STATION and not cleaned.get("stations"):
            self.add_error(
                "stations", _("Choose the stations this official records at, or give them another role.")
            )
        return cleaned

    def validate_unique(self):
        pass  # one role per user and race: the formset says which rows name the same user


class RaceOfficialFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        named: dict[int, str] = {}
        for form in self.forms:
            user = (form.cleaned_data or {}).get("user")
            if user is None or self._should_delete_form(form):
                continue
            if user.pk in named:
                raise ValidationError(
                    _("%(user)s is named twice; a user holds one role per race.") % {"user": named[user.pk]}
                )
            named[user.pk] = user.get_username()


class RaceOfficialInline(RaceScopedInline, admin.TabularInline):
    """Who works the race: organisers, the results desk, and station officials at their stations."""

    model = RaceOfficial
    form = RaceOfficialForm
    formset = RaceOfficialFormSet
    fields = ("username", "role", "stations")
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


def race_officials_save(request, race: Race, formset) -> None:
    """The officials' inline, saved through the service so each change is audited."""
    actor = Actor.of_user(request.user)
    # What the admin's history message lists, as formset.save() would have set them.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        stored = form.instance if form.instance.pk else None
        deleted = formset._should_delete_form(form)
        if stored is not None and (deleted or form.cleaned_data.get("user") != stored.user):
            race_official_remove(race=race, user=stored.user, actor=actor)
            formset.deleted_objects.append(stored)
        if deleted or not form.cleaned_data or not form.has_changed():
            continue
        official = race_official_name(
            race=race,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            station_codes=[station.code for station in form.cleaned_data.get("stations", [])],
            actor=actor,
        )
        if stored is None:
            formset.new_objects.append(official)
        else:
            formset.changed_objects.append((official, form.changed_data))


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
            "overdue_margin_minutes",
            "protest_window_minutes",
            "registration_open",
            "registration_closes_at",
            "changes_deadline",
            "is_closed",
            "certificate_logo",
            "certificate_signature_name",
            "results_language",
        )
        help_texts = {
            "changes_deadline": gettext_lazy(
                "Runner changes (a substitute, or two legs swapped) after this moment need a reason "
                "for the audit trail. Empty = the gun."
            ),
        }

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
        if problems:  # beside the date, which they are about
            self.add_error("date", [str(problem) for problem in problems])


def registration_open_in_vain(race: Race, now) -> str | None:
    """Why "Registration open", ticked, does not open the public form, and what to do; None
    when it does (or is not ticked). The race saves either way: the box only says the organisers
    take entries, and the clock (deadline, gun) and closing the race still decide."""
    if not race.registration_open:
        return None
    because = race.registration_closed_because(now)
    if because is None or because == RegistrationClosed.NOT_TAKING_ENTRIES:
        return None
    explanation = race.registration_closed_explanation(because)
    if because == RegistrationClosed.DEADLINE_PASSED:
        advice = _(
            "To take entries again, move “Registration closes at” later (before the gun, %s), or "
            "clear it to close at the gun."
        ) % race.local_time_label(race.gun)
    elif because == RegistrationClosed.RACE_STARTED:
        advice = _("The form never opens after the gun: add a late team with “Import entries (CSV)” instead.")
    else:
        advice = _("A closed race takes no new team; reopen it first (with a reason) if it must.")
    return _("“Registration open” is ticked, but the public form stays closed: %(why)s %(advice)s") % {
        "why": explanation,
        "advice": advice,
    }


@admin.register(Race)
class RaceAdmin(RaceScopedAdmin):
    form = RaceAdminForm
    change_form_template = "admin/races/race/change_form.html"
    inlines = [StationInline, CategoryInline, RaceOfficialInline]
    list_display = ("name", "slug", "date", "team_count", "registration_open", "is_closed")
    list_filter = ("registration_open", "is_closed")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    # Closing and reopening are the results app's actions (results/admin/race_actions.py).
    actions: tuple = ()
    fields = RaceAdminForm.Meta.fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(teams_total=Count("teams"))

    def get_readonly_fields(self, request, obj=None):
        # Closing goes through the audited service (the actions); with splits recorded the gun
        # time moves every result, so it is corrected on the race clock page (officials:gun), which
        # checks the splits and audits the gun before and after, or with import_race.
        fixed = ["is_closed"]
        if obj and obj.timing_records.exists():
            fixed += ["date", "timezone", "start_time"]
        return fixed

    @admin.display(description=gettext_lazy("teams"), ordering="teams_total")
    def team_count(self, race: Race) -> int:
        return race.teams_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if (warning := registration_open_in_vain(obj, timezone.now())) is not None:
            self.message_user(request, warning, messages.WARNING)
        if not change and not request.user.is_superuser:
            # Whoever creates a race organises it: otherwise it would vanish from their admin.
            race_official_name(
                race=obj, user=request.user, role=OfficialRole.ORGANISER, actor=Actor.of_user(request.user)
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is RaceOfficial:
            race_officials_save(request, form.instance, formset)
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.bump_standings_version()

    def has_close_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return may(request.user, "races.close_race", obj)
        return request.user.has_perm("races.close_race")

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
        # Only the uploads this person may run here are offered (templates/admin/races/race/change_form.html).
        race = Race.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        uploads = [
            (reverse(f"admin:races_race_import_{kind}", args=[object_id]), upload.link)
            for kind, upload in UPLOADS.items()
            if race is not None and may(request.user, upload.permission, race)
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
        if not may(request.user, upload_kind.permission, race):
            # Sent back to the race with the reason, not a bare 403: the person learns whom to ask.
            self.message_user(
                request,
                _(
                    "You may not %(right)s in this race: your role here does not hold the right "
                    "“%(permission)s”. Nothing was imported. Ask the race's organiser to name you "
                    "with a role that has it: %(groups)s."
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
        problems: list[Problem] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = upload_kind.service(
                    race=race,
                    raw=upload,  # read as a stream: Django spooled a large upload to disk
                    filename=upload.name,
                    actor=Actor.of_user(request.user),
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


#: The files an organiser may upload from a race's page; the results app adds its timing upload.
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
}
