"""Public pages: the live standings a spectator reads on a phone, and one page per team."""

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.models import Race
from results.filters import StandingsQueryForm, read_query, select_standings
from results.print_jobs import latest_book
from results.race_time import format_duration
from results.selectors import standings_for_race
from results.tables import (
    KURIAGE_MARK,
    LinkedStandingsTable,
    TeamLegsTable,
    TeamStationsTable,
    team_leg_rows,
    team_station_rows,
)

# A page a phone scrolls comfortably; the DHL-size race has 25,000 teams.
TEAMS_PER_PAGE = 100

STATUS_LABELS = {
    "FIN": gettext_lazy("Finished"),
    "RUN": gettext_lazy("On the course"),
    "DNF": gettext_lazy("Did not finish"),
    "DNS": gettext_lazy("Did not start"),
    "DQ": gettext_lazy("Disqualified"),
}


def standings(request, slug: str):
    race = get_object_or_404(Race, slug=slug)
    results = standings_for_race(race)
    form = StandingsQueryForm(request.GET or None, race=race, station_codes=results["stations"])
    wanted, notes = read_query(form)
    selection = select_standings(
        results, **wanted, category_names=dict(race.categories.values_list("code", "name"))
    )
    table = LinkedStandingsTable.for_results(
        selection.as_results(results),
        race_slug=race.slug,
        legs=len(race.legs),
        sequence=(*selection.columns, "..."),
        empty_text=_("No team matches."),
    )
    _show_only(table, selection.columns)
    _paginate(table, request)
    context = {
        "race": race,
        "table": table,
        "form": form,
        "selection": selection,
        "notes": notes,
        "categories": race.categories.all(),
        "legs": race.legs,
        "stations": results["stations"][1:],
        "kuriage_mark": KURIAGE_MARK,
        "registration_open": race.registration_is_open(timezone.now()),
        "book": latest_book(race) if race.is_closed else None,
    }
    return render(request, "results/standings.html", context)


def team_detail(request, slug: str, bib: str):
    race = get_object_or_404(Race, slug=slug)
    team = get_object_or_404(race.teams.select_related("category"), bib=bib)
    standing = next((t for t in standings_for_race(race)["teams"] if t["bib"] == team.bib), None)
    if standing is None:  # registered after the cached results were computed: nothing to show yet
        raise Http404(_("No results for team %s yet.") % bib)
    context = {
        "race": race,
        "team": team,
        "standing": standing,
        "status_label": STATUS_LABELS.get(standing["status"], standing["status"]),
        "total": format_duration(standing["total_ms"]),
        "legs_table": TeamLegsTable(team_leg_rows(race, standing)),
        "stations_table": TeamStationsTable(team_station_rows(race, standing)),
        "has_kuriage": any(leg["kuriage"] for leg in standing["legs"]),
        "kuriage_mark": KURIAGE_MARK,
        "has_certificate": race.is_closed and standing["status"] == "FIN",
    }
    return render(request, "results/team.html", context)


def _show_only(table: tables.Table, columns: tuple[str, ...]) -> None:
    """A phone has room for five columns: those that explain this order, no more."""
    for name in list(table.columns.names()):
        if name not in columns:
            table.columns.hide(name)


def _paginate(table: tables.Table, request) -> None:
    # Not RequestConfig: it takes ?per_page= from the URL, and per_page=0 would divide by zero.
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=TEAMS_PER_PAGE)
    except (PageNotAnInteger, EmptyPage):
        table.paginate(page=1, per_page=TEAMS_PER_PAGE)
