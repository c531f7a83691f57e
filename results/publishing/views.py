"""Public pages: the live standings a spectator reads on a phone, and one page per team.

Both read the cached standings only and are served through the page cache (ekiden/page_cache.py):
an unchanged poll is a 304 after one small query. While the race is open, htmx asks for the
live part of the page again every few seconds and swaps it in place (the reader's scroll and
open filter stay); once the race is closed the page says so and stops asking.
"""

from django.conf import settings
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin

from ekiden.page_cache import cached_page
from races.models import Race, ResultsState
from races.page_state import race_for_state, race_state, state_of
from races.services import protests_until
from results.publishing.filters import StandingsQueryForm, read_query, select_standings
from results.publishing.inert_cells import InertExportMixin
from results.publishing.paging import paginate_table
from results.publishing.position_chart import position_chart
from results.publishing.print_jobs import latest_book
from results.publishing.tables import LiveStandingsTable, TeamLegsTable, TeamStationsTable
from results.standings.display import KURIAGE_MARK, format_duration, format_gap, status_label
from results.standings.selectors import standings_for_race, team_progress_for

# A page a phone scrolls comfortably; the DHL-size race has 25,000 teams.
TEAMS_PER_PAGE = 100
EXPORT_FORMATS = ("csv", "xlsx")


def live_context(race: Race) -> dict:
    """What every live page shows at the top: the results state (when it was updated, until when
    protests are taken), and whether to poll: until the results are official, as a provisional
    race still takes the desk's corrections and then becomes official."""
    now = timezone.now()
    state = race.results_state(now)
    ends = protests_until(race)
    return {
        "race": race,
        "updated": now,
        "poll_seconds": settings.TASUKI_LIVE_POLL_SECONDS,
        "live": state != ResultsState.OFFICIAL,
        "results_state": state.value,
        "protests_until": ends.astimezone(race.zone) if ends else None,
        "gun": race.gun,
    }


class StandingsView(InertExportMixin, SingleTableMixin, TemplateView):
    """`/races/<slug>/`: overall, `?category=`, `?leg=`, `?station=`, `?q=`, `?sort=`, `?page=`,
    and the same table as a download with `?_export=csv` or `?_export=xlsx`."""

    template_name = "results/standings.html"
    table_class = LiveStandingsTable
    table_pagination = False  # paginated below, without RequestConfig's ?per_page=
    export_formats = EXPORT_FORMATS

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.race = get_object_or_404(Race, slug=kwargs["slug"])
        self.results = standings_for_race(self.race)
        self.form = StandingsQueryForm(
            request.GET or None, race=self.race, station_codes=self.results.stations
        )
        wanted, self.notes = read_query(self.form)
        self.category_names = dict(self.race.categories.values_list("code", "name"))
        self.selection = select_standings(self.results, **wanted, category_names=self.category_names)

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get(self.export_trigger_param)
        if export_format in self.export_formats:
            return self.create_export(export_format)
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **kwargs):
        # The downloads are CSV and Excel only (in get); other ?_export= values show the page.
        return super(ExportMixin, self).render_to_response(context, **kwargs)

    def get_table(self, **kwargs):
        table = LiveStandingsTable.for_selection(
            self.selection, race_slug=self.race.slug, empty_text=_("No team matches."), **kwargs
        )
        RequestConfig(self.request, paginate=False).configure(table)  # ?sort= only
        table.put_unplaced_last()
        self.exclude_columns = table.export_columns(self.selection)
        return table

    def get_export_filename(self, export_format: str) -> str:
        parts = [self.race.slug, self.selection.category, self.selection.station]
        if self.selection.leg is not None:
            parts.append(f"leg{self.selection.leg}")
        return "-".join(p for p in parts if p) + f".{export_format}"

    def get_dataset_kwargs(self):
        return {"title": self.race.slug[:31]}  # a worksheet name holds at most 31 characters

    def get_template_names(self):
        if self.request.htmx:
            return ["results/standings_live.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = context["table"]
        paginate_table(table, self.request, TEAMS_PER_PAGE)
        table.prepare_rows()
        selection = self.selection
        context.update(live_context(self.race))
        context.update(
            {
                "form": self.form,
                "selection": selection,
                "notes": self.notes,
                "categories": self.race.categories.all(),
                "legs": self.race.legs,
                "stations": self.results.stations[1:],
                "kuriage_mark": KURIAGE_MARK,
                "shows_kuriage_mark": table.shows_kuriage_mark(selection),
                "registration_open": self.race.registration_is_open(timezone.now()),
                "book": latest_book(self.race) if self.race.is_closed else None,
                "filter_summary": _filter_summary(selection, self.category_names),
                "page_title": _page_title(self.race, selection, table),
                "has_out_teams": selection.view in ("overall", "category")
                and any(row.record.last_station for row in table.paginated_rows),
                "downloads": [
                    (label, _export_url(self.request, export_format))
                    for export_format, label in (("csv", "CSV"), ("xlsx", "Excel"))
                ],
            }
        )
        return context


def standings_state(request, slug: str, **kwargs) -> str | None:
    """The race's state and, once it is closed, which results book the page links: a worker
    makes the book after the close, and the link must appear without a new standings version."""
    race = race_for_state(slug)
    if race is None:
        return None
    if not race.is_closed:
        return state_of(race)
    book = latest_book(race)
    return f"{state_of(race)}.book{book.pk if book else ''}"


#: What the standings page reads of its query string (the form, RequestConfig's sort, the page,
#: the downloads); the search is typed freely. Any other parameter is dropped before the view.
STANDINGS_QUERY = ("category", "leg", "station", "sort", "page", "_export")
standings = cached_page(standings_state, query=STANDINGS_QUERY, free_text=("q",))(StandingsView.as_view())


@cached_page(race_state)
def team_detail(request, slug: str, bib: str):
    race = get_object_or_404(Race, slug=slug)
    team = get_object_or_404(race.teams.select_related("category"), bib=bib)
    progress = team_progress_for(race, team.bib)
    if progress is None:  # registered after the cached results were computed: nothing to show yet
        raise Http404(_("No results for team %s yet.") % bib)
    standing = progress.standing
    latest = progress.latest
    context = {
        **live_context(race),
        "team": team,
        "progress": progress,
        "standing": standing,
        "status_label": status_label(standing.status),
        "total": format_duration(standing.total_ms),
        "latest": latest,
        "leader_gap": format_gap(latest.leader_gap_ms) if latest else "",
        "ahead_gap": format_gap(latest.ahead.gap_ms) if latest and latest.ahead else "",
        "legs_table": TeamLegsTable(progress.legs),
        "stations_table": TeamStationsTable(progress.stations),
        "chart": position_chart(progress.stations, progress.field_size),
        "kuriage_mark": KURIAGE_MARK,
        # The PDF certificates exist for finished teams once the results are final.
        "certificates_ready": race.is_closed and standing.finished,
    }
    template = "results/team_live.html" if request.htmx else "results/team.html"
    return render(request, template, context)


def _filter_summary(selection, category_names: dict[str, str]) -> str:
    parts = [category_names.get(selection.category, selection.category) if selection.category else _("All")]
    if selection.leg is not None:
        parts.append(_("Leg %d") % selection.leg)
    elif selection.station:
        parts.append(_("At %s") % selection.station)
    else:
        parts.append(_("Total"))
    if selection.q:
        parts.append(_("“%s”") % selection.q)
    return " · ".join(parts)


def _page_title(race: Race, selection, table) -> str:
    """The tab's title says what is shown, for screen readers and for a row of open tabs."""
    parts = [selection.heading or _("Overall")]
    if selection.q:
        parts.append(_("“%s”") % selection.q)
    if table.paginator.num_pages > 1:
        parts.append(_("page %(n)d of %(of)d") % {"n": table.page.number, "of": table.paginator.num_pages})
    parts.append(race.name)
    return " · ".join(parts)


def _export_url(request, export_format: str) -> str:
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in ("page", "_export"):
            query.setlist(key, values)
    query["_export"] = export_format
    return f"?{query.urlencode()}"
