"""Timing records in the admin: to look a read up, and to void or restore one with a reason.

A read is never edited or deleted: a correction voids it (and, if needed, a split is added
again), through the same services as every other screen, so the audit trail holds every change.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from races.admin.common import ViewOnlyAdmin
from races.admin.scoping import RaceScopedAdmin
from races.audit import Actor
from races.models import Station
from races.problems import InputProblems, add_to_form
from results.timing.device_tokens import device_token_create, device_token_problems, device_tokens_revoke
from results.timing.models import DeviceToken, TimingRecord
from results.timing.race_time import format_clock
from results.timing.services import timing_record_restore, timing_record_void


@admin.register(TimingRecord)
class TimingRecordAdmin(RaceScopedAdmin, ViewOnlyAdmin):
    list_display = (
        "team_bib",
        "station_code",
        "local_time",
        "source",
        "bib_as_read",
        "read_id",
        "voided",
        "race",
    )
    list_filter = ("race", "station__code", "source", "voided")
    list_select_related = ("race", "team", "station")
    search_fields = ("bib_as_read", "team__bib", "read_id")
    ordering = ("race", "at", "pk")
    list_per_page = 200
    actions = ("void_records", "restore_records")
    readonly_fields = ("local_time",)
    fields = (
        "race",
        "team",
        "station",
        "at",
        "local_time",
        "source",
        "read_id",
        "bib_as_read",
        "device",
        "recorded_by",
        "created_at",
        "voided",
        "void_reason",
        "voided_by",
        "voided_at",
    )

    @admin.display(description=gettext_lazy("bib"), ordering="team__bib")
    def team_bib(self, record: TimingRecord) -> str:
        return record.team.bib

    @admin.display(description=gettext_lazy("station"), ordering="station__position")
    def station_code(self, record: TimingRecord) -> str:
        return record.station.code

    @admin.display(description=gettext_lazy("local time"), ordering="at")
    def local_time(self, record: TimingRecord) -> str:
        return format_clock(record.at, record.race)

    def has_void_permission(self, request) -> bool:
        # The records are view-only here (no change permission); voiding is its own right.
        return request.user.has_perm("results.void_timingrecord")

    @admin.action(
        permissions=["void"], description=gettext_lazy("Void the selected splits (asks for a reason)")
    )
    def void_records(self, request, queryset):
        return self._correct(request, queryset, timing_record_void, _("Void splits"))

    @admin.action(
        permissions=["void"],
        description=gettext_lazy("Restore the selected voided splits (asks for a reason)"),
    )
    def restore_records(self, request, queryset):
        return self._correct(request, queryset, timing_record_restore, _("Restore splits"))

    def _correct(self, request, queryset, service, title: str):
        """Ask why, then correct each split through the service; the reason goes to the audit trail."""
        queryset, not_yours = self.only_where(request, queryset, "results.void_timingrecord")
        if not_yours:
            self.message_user(
                request,
                _("%d selected split(s) are of a race where you may not correct splits; left as they were.")
                % not_yours,
                messages.WARNING,
            )
            if not queryset.exists():
                return None
        form = CorrectionForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done, problems = 0, []
            for record in queryset.select_related("race", "team", "station"):
                try:
                    service(
                        record=record,
                        reason=form.cleaned_data["reason"],
                        actor=Actor.of_user(request.user),
                    )
                    done += 1
                except InputProblems as refusal:
                    problems += [
                        _("%(record)s: %(problem)s") % {"record": record, "problem": problem}
                        for problem in refusal.problems
                    ]
            self.message_user(
                request, _("%(title)s: %(n)d done.") % {"title": title, "n": done}, messages.SUCCESS
            )
            for problem in problems:
                self.message_user(request, problem, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "records": queryset.select_related("race", "team", "station"),
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/results/timingrecord/correct.html", context)


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Kept in the audit trail, e.g. 'chip read by a spectator at the roadside'."),
    )


class StationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Station) -> str:
        return f"{obj.race.slug}: {obj.code} – {obj.name}"


class DeviceTokenForm(forms.ModelForm):
    stations = StationChoiceField(
        queryset=Station.objects.select_related("race").order_by("race__slug", "position"),
        label=gettext_lazy("stations"),
        help_text=gettext_lazy("The stations this device may send splits for, all of the token's race."),
    )

    class Meta:
        model = DeviceToken
        fields = ("race", "name", "stations")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("race") and cleaned.get("stations") is not None:
            problems = device_token_problems(
                race=cleaned["race"], name=cleaned.get("name", ""), stations=cleaned["stations"]
            )
            add_to_form(self, problems)
        return cleaned


@admin.register(DeviceToken)
class DeviceTokenAdmin(RaceScopedAdmin):
    """Tokens for timing devices: made here or with `create_device_token`, revoked, never edited.

    The plain token is shown once, in the message after it is made; only its hash is stored,
    and the hash is never shown.
    """

    form = DeviceTokenForm
    list_display = (
        "name",
        "race",
        "station_codes",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("race", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("race", "created_by")
    search_fields = ("name", "prefix")
    actions = ("revoke_tokens",)
    readonly_fields = (
        "race",
        "name",
        "station_codes",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stations")

    def get_fields(self, request, obj=None):
        return ("race", "name", "stations") if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        races = self.races_for(request, "results.add_devicetoken")

        class ScopedDeviceTokenForm(form_class):
            """Only the stations of the races this user makes tokens for."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "stations" in self.fields:
                    self.fields["stations"].queryset = self.fields["stations"].queryset.filter(race__in=races)

        return ScopedDeviceTokenForm

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    # A token is not edited: a device that moves to another station gets a new one, and the
    # old one is revoked, so what a token could do is never rewritten behind the records.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("results.revoke_devicetoken")

    @admin.display(description=gettext_lazy("stations"))
    def station_codes(self, token: DeviceToken) -> str:
        return ", ".join(s.code for s in sorted(token.stations.all(), key=lambda s: s.position))

    def save_model(self, request, obj, form, change):
        # Through the service, like the command: the plain token exists only in this message.
        token, plain = device_token_create(
            race=obj.race,
            name=obj.name,
            stations=form.cleaned_data["stations"],
            actor=Actor.of_user(request.user),
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _("Token for %(name)s: %(token)s. Copy it onto the device now; it is not shown again.")
            % {"name": obj.name, "token": plain},
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        """The service has set the stations."""

    @admin.action(description=gettext_lazy("Revoke the selected device tokens"), permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        queryset, not_yours = self.only_where(request, queryset, "results.revoke_devicetoken")
        if not_yours:
            self.message_user(
                request,
                _("%d selected token(s) are of a race where you may not revoke tokens; kept.") % not_yours,
                messages.WARNING,
            )
        revoked = device_tokens_revoke(tokens=queryset, actor=Actor.of_user(request.user))
        self.message_user(
            request,
            ngettext("%d device token revoked.", "%d device tokens revoked.", revoked) % revoked,
            messages.SUCCESS,
        )
