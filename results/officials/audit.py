"""The race's audit trail for its organisers: who changed what on race day, when, and why.

The services write the entries; here they are read, filtered by action, team and actor. The
same table shows one team's entries on its corrections page.
"""

from datetime import datetime

import django_filters
import django_tables2 as tables
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.views import FilterView
from django_tables2.views import SingleTableMixin

from races.access import works_results_desk
from races.models import AuditEntry, Race
from results.officials.guards import race_page_required
from results.publishing.paging import paginate_table
from results.timing.race_time import format_clock, format_moment

ENTRIES_PER_PAGE = 50


def describe_change(details: dict, race: Race) -> str:
    """An entry's details as a sentence an appeal can be read from."""
    if not isinstance(details, dict):
        return ""
    parts = []
    if details.get("bib_as_read"):
        parts.append(_("read as %s") % details["bib_as_read"])
    if details.get("station"):
        parts.append(str(details["station"]))
    if details.get("time"):
        parts.append(_clock(details["time"], race))
    if details.get("device"):
        parts.append(_("device %s") % details["device"])
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        if "effective_time" in before or "effective_time" in after:
            parts.append(
                _("effective time %(before)s → %(after)s")
                % {
                    "before": _clock(before.get("effective_time"), race),
                    "after": _clock(after.get("effective_time"), race),
                }
            )
        if "resolved" in before and "resolved" in after:
            parts.append(f"{_dealt_with(before['resolved'])} → {_dealt_with(after['resolved'])}")
        if before.get("note"):
            parts.append(_("note before: %s") % before["note"])
    if "file" in details:
        parts.append(_("file %s") % details["file"])
    if "added" in details:
        parts.append(
            _("%(added)s added, %(same)s already stored")
            % {"added": details["added"], "same": details.get("already_stored", 0)}
        )
    token = details.get("device_token")
    if isinstance(token, dict):
        parts.append(
            _("'%(name)s' (%(prefix)s…) for %(stations)s")
            % {
                "name": token.get("name", ""),
                "prefix": token.get("prefix", ""),
                "stations": ", ".join(token.get("stations", [])),
            }
        )
    if "summary" in details:
        parts.append(str(details["summary"]))
    if "from" in details or "to" in details:
        parts.append(f"{details.get('from', '')} → {details.get('to', '')}")
    return " · ".join(parts)


def _dealt_with(resolved) -> str:
    return _("dealt with") if resolved else _("open")


def _clock(value, race: Race) -> str:
    if not value:
        return _("none")
    try:
        return format_clock(datetime.fromisoformat(value), race)
    except (TypeError, ValueError):
        return str(value)


class AuditTable(tables.Table):
    at = tables.Column(verbose_name=gettext_lazy("When"))
    actor = tables.Column(verbose_name=gettext_lazy("Who"))
    action = tables.Column(verbose_name=gettext_lazy("What"))
    team = tables.Column(verbose_name=gettext_lazy("Team"), default="")
    reason = tables.Column(verbose_name=gettext_lazy("Reason"), default="")
    details = tables.Column(verbose_name=gettext_lazy("Change"), default="")

    class Meta:
        model = AuditEntry
        fields = ("at", "actor", "action", "team", "reason", "details")
        orderable = False
        attrs = {"class": "table audit"}

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, **kwargs)

    def render_at(self, value):
        return format_moment(value, self.race)

    def render_action(self, record):
        return record.get_action_display()

    def render_team(self, value):
        url = reverse("officials:team", kwargs={"slug": self.race.slug, "bib": value.bib})
        return format_html('<a href="{}">{} {}</a>', url, value.bib, value.name)

    def render_details(self, value):
        return describe_change(value, self.race)


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=gettext_lazy("Action"), choices=AuditEntry.Action.choices, empty_label=gettext_lazy("Any")
    )
    team = django_filters.CharFilter(label=gettext_lazy("Team (bib or name)"), method="filter_team")
    actor = django_filters.CharFilter(label=gettext_lazy("Who"), lookup_expr="icontains")

    class Meta:
        model = AuditEntry
        fields = ("action", "team", "actor")

    def filter_team(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(team__bib=value) | Q(team__name__icontains=value)) if value else queryset


class AuditTrailView(SingleTableMixin, FilterView):
    table_class = AuditTable
    filterset_class = AuditFilter
    template_name = "officials/audit/trail.html"
    table_pagination = False  # paginate_table below: the page size is not the URL's to set

    def get_queryset(self):
        return AuditEntry.objects.filter(race=self.kwargs["race"]).select_related("team")

    def get_table_kwargs(self):
        return {"race": self.kwargs["race"], "empty_text": _("No entry matches.")}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        paginate_table(table, self.request, ENTRIES_PER_PAGE)
        return table

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "race": self.kwargs["race"]}


_audit_trail_view = AuditTrailView.as_view()


@race_page_required(
    works_results_desk, gettext_lazy("The audit trail is for the race's organisers and the results desk.")
)
def audit_trail(request, race: Race):
    return _audit_trail_view(request, race=race)


def team_audit_table(race: Race, team) -> AuditTable:
    """Every change to one team, newest first, for its corrections page."""
    entries = AuditEntry.objects.filter(race=race, team=team).select_related("team")
    table = AuditTable(entries, race=race, empty_text=_("No change to this team yet."))
    table.columns.hide("team")
    return table
