"""The race's audit trail for its organisers: who changed what on race day, when, and why.

The services write the entries through races.audit; here they are read, filtered by action, team
and actor. The same table shows one team's entries on its corrections page. Each entry's details
are read back as its action's dataclass, which says itself in words.
"""

import json

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
from races.audit import read_details
from races.models import AuditEntry, Race
from results.officials.guards import race_page_required
from results.publishing.paging import paginate_table
from results.timing.race_time import format_clock, format_moment

ENTRIES_PER_PAGE = 50


def describe_change(entry: AuditEntry, race: Race) -> str:
    """An entry's details as a phrase an appeal can be read from, in the words of its action."""
    details = read_details(entry.action, entry.details)
    if details is None:
        return _as_stored(entry.details)
    return details.describe(lambda moment: format_clock(moment, race))


def _as_stored(stored) -> str:
    """Details their action's schema does not describe (an entry written before it): shown as
    they were stored, key by key (sorted: PostgreSQL keeps no order), so nothing an appeal may
    need is hidden."""
    if not stored:
        return ""
    if not isinstance(stored, dict):
        return json.dumps(stored, ensure_ascii=False, default=str)
    return " · ".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)}"
        for key, value in sorted(stored.items())
    )


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

    def render_details(self, record):
        return describe_change(record, self.race)


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
