"""Public pages: the live standings a spectator reads on a phone, and one page per team.

Both read the cached standings only and are served through the page cache (ekiden/page_cache.py):
an unchanged poll is a 304 after one small query. While the race is open, htmx asks for the
live part of the page again every few seconds and swaps it in place (the reader's scroll and
open filter stay); once the race is closed the page says so and stops asking.
"""

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.generic import TemplateView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin

from ekiden.page_cache import cached_page
from races.models import Race, ResultsState
from races.page_state import race_for_state, state_of, team_state
from races.services import protests_until
from results.publishing.filters import StandingsQueryForm, read_query, select_standings
from results.publishing.inert_cells import InertExportMixin
from results.publishing.paging import paginate_table
from results.publishing.position_chart import position_chart
from results.publishing.print_jobs import latest_book
from results.publishing.tables import LiveStandingsTable, TeamLegsTable, TeamStationsTable
from results.standings.display import KURIAGE_MARK, NOT_SEEN_YET, format_duration, format_gap, status_label
from results.standings.engine import Status
from results.standings.selectors import (
    not_seen_yet_now,
    standings_for_race,
    team_progress_for,
    team_projection_for,
    teams_not_seen_yet,
)
from results.timing.race_time import from_epoch_ms

# A page a phone scrolls comfortably; the DHL-size race has 25,000 teams.
TEAMS_PER_PAGE = 100
EXPORT_FORMATS = ("csv", "xlsx")


def live_context(race: Race) -> dict:
    """What every live page shows at the top: the results state (an upcoming race says when it
    starts, never "Live"; a provisional one until when protests are taken), when it was updated,
    and whether to poll: until the results are official (an upcoming race's page turns into the
    live standings at the gun, a provisional race still takes the desk's corrections)."""
    now = timezone.now()
    state = race.results_state(now)
    ends = protests_until(race)
    return {
        "race": race,
        "starts": starts_label(race),
        "updated": now,
        "poll_seconds": settings.TASUKI_LIVE_POLL_SECONDS,
        "live": state != ResultsState.OFFICIAL,
        "results_state": state.value,
        "protests_until": ends.astimezone(race.zone) if ends else None,
        "gun": race.gun,
    }


def starts_label(race: Race) -> str:
    """When the gun fires, as a family reads it on the race's own clock: "6 April, 06:30"."""
    gun = race.gun.astimezone(race.zone)
    return formats.date_format(gun, pgettext("the day and time a race starts", "j F, H:i"))


class StandingsView(InertExportMixin, SingleTableMixin, TemplateView):
    """`/races/<slug>/`: overall, `?category=`, `?leg=`, `?station=`, `?q=`, `?sort=`, `?page=`,
    and the same table as a download with `?_export=csv` or `?_export=xlsx`."""

    template_name = "results/standings.html"
    table_class = LiveStandingsTable
    table_pagination = False  # paginated below, without RequestConfig's ?per_page=
    export_formats = EXPORT_FORMATS
    #: Where the links to the teams open ("_blank" in the embed).
    link_target = ""

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
            self.selection,
            race_slug=self.race.slug,
            link_target=self.link_target,
            empty_text=_("No team matches."),
            not_seen_yet=teams_not_seen_yet(self.race, self.results, self.race.results_state(timezone.now())),
            **kwargs,
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
                "link_target": self.link_target,
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
                "category_chips": _category_chips(selection, self.race.categories.all()),
                "view_chips": _view_chips(selection, self.race.legs, self.results.stations[1:]),
                "page_title": _page_title(self.race, selection, table),
                "has_out_teams": selection.view in ("overall", "category")
                and any(row.record.last_station for row in table.paginated_rows),
                "downloads": [
                    (label, _export_url(self.request, export_format))
                    for export_format, label in (("csv", "CSV"), ("xlsx", "Excel"))
                ],
            }
        )
        if context["results_state"] == ResultsState.UPCOMING:
            # Before the gun every team would read "DNS": the page is the start list instead.
            context["start_list"] = start_list(
                [row.record.team for row in table.paginated_rows], self.race.categories.all()
            )
        return context


class EmbedView(StandingsView):
    """`/races/<slug>/embed/`: the standings table alone (same filters), for a club's site to
    show in an iframe; its links to the teams open the full site in a new tab."""

    template_name = "results/embed.html"
    link_target = "_blank"


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


def framed_anywhere(view):
    """The one page another site may frame (a club's page showing the standings). Every other
    page keeps Django's X-Frame-Options: DENY, so no one can dress the officials' pages or the
    registration form in a frame of theirs (clickjacking); the standings carry no form."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = "frame-ancestors *"
        return response

    return xframe_options_exempt(answer)


embed = framed_anywhere(
    cached_page(standings_state, query=STANDINGS_QUERY, free_text=("q",))(EmbedView.as_view())
)


@cached_page(team_state)
def team_detail(request, slug: str, bib: str):
    race = get_object_or_404(Race, slug=slug)
    team = get_object_or_404(race.teams.select_related("category"), bib=bib)
    progress = team_progress_for(race, team.bib)
    if progress is None:  # registered after the cached results were computed: nothing to show yet
        raise Http404(_("No results for team %s yet.") % bib)
    standing = progress.standing
    latest = progress.latest
    page = live_context(race)
    upcoming = page["results_state"] == ResultsState.UPCOMING
    # Live, a team with no split that no official called DNS is on the course for its family.
    not_seen_yet = not_seen_yet_now(
        ResultsState(page["results_state"]), standing.status, team.official_status
    )
    if upcoming:
        status = _("Starts %s") % page["starts"]  # before the gun a team has no status yet
    else:
        status = NOT_SEEN_YET if not_seen_yet else status_label(standing.status)
    context = {
        **page,
        "upcoming": upcoming,
        "expected": _expected(race, team.bib)
        if page["results_state"] == ResultsState.LIVE and (standing.status == Status.RUN or not_seen_yet)
        else None,
        "team": team,
        "progress": progress,
        "standing": standing,
        "status_label": status,
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


def _expected(race: Race, bib: str) -> dict | None:
    """ "Expected at R3 about 08:12": race control's own projection for the team (its pace so
    far), on the race's clock to the minute, as it is a forecast and not a time. Once that
    minute has passed with no split there, `late` says so ("not recorded there yet") instead of
    leaving a time in the past to read as still to come."""
    projection = team_projection_for(race, bib)
    if projection is None:
        return None
    due = from_epoch_ms(projection.projected_ms + 30_000).astimezone(race.zone)  # to the nearest minute
    late = timezone.now() >= due.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return {
        "station": projection.next_station,
        "at": due.strftime("%H:%M"),
        "leg": projection.leg,
        "late": late,
    }


def start_list(teams, categories) -> list[tuple]:
    """The teams of the page by category, in the race's order of categories (each in bib order,
    the listing's order before any split), each with its runners: (category, teams)."""
    by_category: dict[str, list] = {}
    for team in teams:
        by_category.setdefault(team.category, []).append(team)
    return [(category, by_category[category.code]) for category in categories if category.code in by_category]


def _chip_url(*, category: str = "", leg: int | None = None, station: str = "", q: str = "") -> str:
    """A chip's link: the chip's own choice, and the rest of the view kept (the search too)."""
    query = QueryDict(mutable=True)
    for key, value in (("category", category), ("leg", leg), ("station", station), ("q", q)):
        if value not in ("", None):
            query[key] = str(value)
    return f"?{query.urlencode()}"


def _category_chips(selection, categories) -> list[dict]:
    """All, then each category, keeping the leg or station and the search."""
    view = {"leg": selection.leg, "station": selection.station, "q": selection.q}
    chips = [{"label": _("All"), "title": "", "url": _chip_url(**view), "current": not selection.category}]
    for category in categories:
        chips.append(
            {
                "label": category.code,
                "title": category.name,
                "url": _chip_url(category=category.code, **view),
                "current": category.code == selection.category,
            }
        )
    return chips


def _view_chips(selection, legs, station_codes) -> list[dict]:
    """Total, each leg, each station, keeping the category and the search."""
    kept = {"category": selection.category, "q": selection.q}
    chips = [
        {
            "label": _("Total"),
            "url": _chip_url(**kept),
            "current": selection.leg is None and not selection.station,
        }
    ]
    for leg in legs:
        chips.append(
            {
                "label": _("Leg %d") % leg.number,
                "url": _chip_url(leg=leg.number, **kept),
                "current": leg.number == selection.leg,
            }
        )
    for code in station_codes:
        chips.append(
            {"label": code, "url": _chip_url(station=code, **kept), "current": code == selection.station}
        )
    return chips


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
