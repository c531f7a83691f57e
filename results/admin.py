"""Timing records in the admin: to look a read up, not to change it.

A read is never edited or deleted: a correction voids it and adds another, with a reason, on the
officials' pages, so the audit trail holds every change.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from results.models import TimingRecord
from results.race_time import format_clock


@admin.register(TimingRecord)
class TimingRecordAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
