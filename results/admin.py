"""Timing records in the admin: to look a read up, and to void or restore one with a reason.

A read is never edited or deleted: a correction voids it (and, if needed, a split is added
again), through the same services as every other screen, so the audit trail holds every change.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.admin import ViewOnlyAdmin
from races.problems import InputProblems
from results.models import TimingRecord
from results.race_time import format_clock
from results.services import timing_record_restore, timing_record_void


@admin.register(TimingRecord)
class TimingRecordAdmin(ViewOnlyAdmin):
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
        form = CorrectionForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done, problems = 0, []
            for record in queryset.select_related("race", "team", "station"):
                try:
                    service(
                        record=record,
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                        actor=request.user.get_username(),
                    )
                    done += 1
                except InputProblems as refusal:
                    problems += [f"{record}: {problem}" for problem in refusal.problems]
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
