"""The audit trail, read-only."""

from django.contrib import admin

from races.admin.common import ViewOnlyAdmin
from races.admin.scoping import RaceScopedAdmin
from races.models import (
    AuditEntry,
)


@admin.register(AuditEntry)
class AuditEntryAdmin(RaceScopedAdmin, ViewOnlyAdmin):
    """The trail an appeal is decided on: it can be read, never written or erased here."""

    list_display = ("at", "race", "actor", "action", "team", "reason")
    list_filter = ("race", "action")
    list_select_related = ("race", "team")
    search_fields = ("actor", "reason", "team__bib", "team__name")
    date_hierarchy = "at"
