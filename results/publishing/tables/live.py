"""The live standings page's table: one view at a time, sortable, downloadable."""

from dataclasses import dataclass
from operator import attrgetter
from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.utils import Accessor

from results.publishing.search import SearchMatch, what_matched
from results.standings.display import (
    KURIAGE_MARK,
    NOT_SEEN_YET,
    format_duration,
    format_gap,
    gap_behind,
    leg_time_label,
    natural_bib_order,
    status_label,
)
from results.standings.engine import StationResult, Status
from results.standings.race_results import RunnerLeg, TeamResults


def _ranked(value) -> tuple:
    """A sort key that puts the unranked (None) after every place; LiveStandingsTable keeps
    them last when the order is reversed too."""
    return (value is None, value or 0)


@dataclass(slots=True, eq=False)
class LiveRow:
    """One listed team: its results, what the page adds (the last station of a team still out,
    the gap), and the sort keys of its columns. The view's leg or station is `leg` or `split`."""

    team: TeamResults
    #: Its place in the view's listing: what breaks a tie when sorting by a column.
    listing: int
    #: A team still out: the furthest station where it has a time.
    last: StationResult | None
    gap_ms: int | None
    #: A team still out: its place at its last station in the view's terms (the race's, or the
    #: category's in a category's view).
    place_there: int | None = None
    leg: RunnerLeg | None = None
    split: StationResult | None = None
    #: What the search found in this team, when there is a search.
    match: SearchMatch | None = None
    #: The row's finished cells (LiveStandingsTable.prepare_rows).
    cells_html: str = ""

    @property
    def total(self) -> str:
        return format_duration(self.team.total_ms)

    @property
    def gap(self) -> str:
        return format_gap(self.gap_ms)

    @property
    def last_station(self) -> str:
        return self.last.station if self.last else ""

    @property
    def last_station_rank(self) -> int | None:
        return self.last.rank if self.last else None

    @property
    def last_station_time(self) -> str:
        return format_duration(self.last.cumulative_ms) if self.last else ""

    @property
    def leg_runner(self) -> str:
        return self.leg.runner or ""

    @property
    def leg_time(self) -> str:
        return leg_time_label(self.leg.time_ms, self.leg.kuriage)

    @property
    def split_time(self) -> str:
        return format_duration(self.split.cumulative_ms)

    # The sort keys: unplaced last, then the listing order.

    @property
    def rank_key(self) -> tuple:
        return (*_ranked(self.team.rank), self.listing)

    @property
    def category_rank_key(self) -> tuple:
        return (*_ranked(self.team.category_rank), self.listing)

    @property
    def bib_key(self) -> tuple:
        return natural_bib_order(self.team.bib)

    @property
    def name_key(self) -> tuple:
        return (self.team.name.casefold(), self.listing)

    @property
    def total_key(self) -> tuple:
        return (*_ranked(self.team.total_ms), self.listing)

    @property
    def gap_key(self) -> tuple:
        return (self.gap_ms is None, self.gap_ms or 0, self.listing)

    @property
    def leg_rank_key(self) -> tuple:
        return (*_ranked(self.leg.rank), self.listing)

    @property
    def leg_time_key(self) -> tuple:
        return (*_ranked(self.leg.time_ms), self.listing)

    @property
    def leg_runner_key(self) -> tuple:
        return ((self.leg.runner or "").casefold(), self.listing)

    @property
    def split_rank_key(self) -> tuple:
        return (*_ranked(self.split.rank), self.listing)

    @property
    def split_key(self) -> tuple:
        return (*_ranked(self.split.cumulative_ms), self.listing)


def live_rows(selection) -> list[LiveRow]:
    """One row per listed team, with the gap the view measures: at its station, to the winner,
    or for a team still out, at its last station."""
    rows = []
    for listing, team in enumerate(selection.teams):
        reached = [s for s in team.stations if s.cumulative_ms is not None]
        last = reached[-1] if reached and not team.finished else None
        split = team.at(selection.station) if selection.station else None
        gap_ms = None
        if split is not None:
            best = selection.best_ms.get(selection.station)
            if split.rank is not None and best is not None:
                gap_ms = gap_behind(split.cumulative_ms, best)
        elif team.rank is not None and selection.leader_ms is not None:
            gap_ms = gap_behind(team.total_ms, selection.leader_ms)
        elif last is not None and last.rank is not None and last.station in selection.best_ms:
            gap_ms = gap_behind(last.cumulative_ms, selection.best_ms[last.station])
        leg = team.leg(selection.leg) if selection.leg is not None else None
        match = what_matched(team, selection.q) if selection.q else None
        place_there = selection.place_at(last.station, last.rank) if last and last.rank is not None else None
        rows.append(LiveRow(team, listing, last, gap_ms, place_there, leg=leg, split=split, match=match))
    return rows


def _found_text(match: SearchMatch | None, bib: str) -> str | None:
    """What a search found besides the team's name, which the row shows whole: the bib, or a
    runner with the leg they run."""
    if match is None or match.found == "team":
        return None
    if match.found == "bib":
        return _("found: bib %s") % bib
    return _("found: leg %(leg)d, %(runner)s") % {"leg": match.leg, "runner": match.runner}


def _view_column(verbose_name, accessor: str, sort_key: str, css: str, cell_css: str = "") -> tables.Column:
    """A column only the leg or the station view has, sorted by its key in the rows."""
    return tables.Column(
        verbose_name=verbose_name,
        accessor=accessor,
        default="",
        order_by=(sort_key,),
        attrs={"th": {"class": css}, "td": {"class": cell_css or css}},
    )


class PlaceColumn(tables.Column):
    """A place: empty for a team without one, rendered even then (a still-out team shows its
    place at the last station instead)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("attrs", {"th": {"class": "place"}, "td": {"class": "place"}})
        super().__init__(**kwargs)

    def render(self, value):
        return "" if value is None else value

    def value(self, value):
        return value


class LiveStandingsTable(tables.Table):
    """The standings page's table, one view at a time (overall, category, leg, station).

    The page shows the columns that explain the order; the CSV and Excel downloads of the same
    view add plain columns for what the page shows as marks (status, last station).
    """

    rank = PlaceColumn(verbose_name=_("Place"), accessor="team__rank", order_by=("rank_key",))
    category_rank = PlaceColumn(
        verbose_name=_("Cat. place"), accessor="team__category_rank", order_by=("category_rank_key",)
    )
    bib = tables.Column(
        verbose_name=_("Bib"),
        accessor="team__bib",
        order_by=("bib_key",),
        attrs={"th": {"class": "bib"}, "td": {"class": "bib"}},
    )
    name = tables.Column(
        verbose_name=_("Team"),
        accessor="team__name",
        order_by=("name_key",),
        attrs={"th": {"class": "team"}, "td": {"class": "team"}},
    )
    category = tables.Column(
        verbose_name=_("Cat."),
        accessor="team__category",
        order_by=("team__category", "category_rank_key"),
        attrs={"th": {"class": "cat"}, "td": {"class": "cat"}},
    )
    total = tables.Column(
        verbose_name=_("Time"),
        empty_values=(),
        order_by=("total_key",),
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    gap = tables.Column(
        verbose_name=_("Gap"),
        empty_values=(),
        order_by=("gap_key",),
        attrs={"th": {"class": "time"}, "td": {"class": "time gap"}},
    )
    # In the downloads only: the page shows them as a badge and beside the time.
    status = tables.Column(verbose_name=_("Status"), accessor="team__status", visible=False)
    last_station = tables.Column(verbose_name=_("Last station"), visible=False, default="")
    last_station_rank = tables.Column(verbose_name=_("Place there"), visible=False, default="")
    last_station_time = tables.Column(verbose_name=_("Time there"), visible=False, default="")

    class Meta:
        attrs = {"class": "table standings live", "aria-labelledby": "standings-heading"}
        template_name = "results/live_table.html"
        orderable = True

    def __init__(
        self,
        *args,
        race_slug: str,
        link_target: str = "",
        not_seen_yet: frozenset[str] = frozenset(),
        **kwargs,
    ):
        self.race_slug = race_slug
        #: Live, the teams with no split whom no official has called DNS (`teams_not_seen_yet`).
        self.not_seen_yet = not_seen_yet
        self._link_target = format_html(' target="{}" rel="noopener"', link_target) if link_target else ""
        # One reverse() for the page, not one per row: a bib is quoted as reverse() would.
        self._team_url = reverse("results:team", kwargs={"slug": race_slug, "bib": "BIB"}).rsplit("BIB/", 1)[
            0
        ]
        super().__init__(*args, **kwargs)

    def team_url(self, bib: str) -> str:
        return f"{self._team_url}{quote(bib, safe=RFC3986_SUBDELIMS + '/~:@')}/"

    @classmethod
    def for_selection(cls, selection, *, race_slug: str, **kwargs) -> "LiveStandingsTable":
        extra = []
        if selection.leg is not None:
            n = selection.leg
            extra = [
                (
                    f"leg{n}_rank",
                    PlaceColumn(verbose_name=_("Place"), accessor="leg__rank", order_by=("leg_rank_key",)),
                ),
                (
                    f"leg{n}_runner",
                    _view_column(_("Runner"), "leg_runner", "leg_runner_key", "team", "team runner"),
                ),
                (f"leg{n}_time", _view_column(_("Leg time"), "leg_time", "leg_time_key", "time")),
            ]
        elif selection.station:
            code = selection.station
            extra = [
                (
                    f"at_{code}_rank",
                    PlaceColumn(
                        verbose_name=_("Place"), accessor="split__rank", order_by=("split_rank_key",)
                    ),
                ),
                (f"at_{code}", _view_column(_("Time"), "split_time", "split_key", "time")),
            ]
        table = cls(
            live_rows(selection),
            extra_columns=extra,
            sequence=(*selection.columns, "..."),
            race_slug=race_slug,
            **kwargs,
        )
        for name in list(table.columns.names()):
            if name not in selection.columns:
                table.columns.hide(name)
        return table

    def export_columns(self, selection) -> list[str]:
        """What the downloads leave out: the other views' columns."""
        wanted = set(selection.columns) | {"status"}
        if selection.view in ("overall", "category"):
            wanted |= {"category", "category_rank", "last_station", "last_station_rank", "last_station_time"}
        return [name for name in self.columns.names() if name not in wanted]

    def shows_kuriage_mark(self, selection) -> bool:
        """Whether a row on this page carries the carry-over mark, so the legend explains it."""
        rows = [row.record for row in self.paginated_rows]
        if selection.leg is not None:
            return any(record.leg.kuriage for record in rows)
        if selection.station:
            return False
        return any(record.team.has_kuriage and record.total for record in rows)

    def prepare_rows(self) -> None:
        """Each row of the current page as its finished `<td>` cells, for the template.

        The same render_* methods as django-tables2 would call, called directly: its generic
        per-cell path (inspecting each method's signature for each of 600 cells) took most of
        the 0.4 s a 100-row page took to render, and a page is rendered after every split.
        """
        columns = []
        self._details_category = "category" in self.columns.names() and self.columns["category"].visible
        for column in self.columns:  # the visible ones, in order
            render = getattr(self, f"render_{column.name}", None)
            css = column.attrs.get("td", {}).get("class", "")
            value_of = attrgetter(".".join(Accessor(column.accessor).bits))
            columns.append((value_of, render, format_html(' class="{}"', css) if css else ""))
        for row in self.paginated_rows:
            record = row.record
            cells = []
            for value_of, render, css in columns:
                value = value_of(record)
                if render is not None:
                    content = render(value=value, record=record)
                else:
                    content = "" if value is None else value
                cells.append(format_html("<td{}>{}</td>", css, content))
            record.cells_html = mark_safe("".join(cells))  # each part escaped by format_html

    def put_unplaced_last(self) -> None:
        """After sorting by a place or a time, the teams without one go last whichever the
        direction: a reader sorting by slowest time wants the slowest finisher, not the DNS."""
        if not self.order_by:
            return
        name = self.order_by[0].bare
        if name not in self.columns.names():
            return
        key = self.columns[name].order_by[0].bare
        rows = self.data.data

        sort_key = Accessor(key)

        def unplaced(row) -> bool:
            value = sort_key.resolve(row)
            return isinstance(value, tuple) and value[:1] == (True,)

        self.data.data = [row for row in rows if not unplaced(row)] + [row for row in rows if unplaced(row)]

    def value_rank(self, value):
        return value

    def value_status(self, value):
        return value.value  # the code, as the exports spell it

    def render_rank(self, value, record):
        if value is not None or record.place_there is None:
            return "" if value is None else value
        # Still out: its place at the last station, told apart from a final place.
        return format_html(
            '<span class="at-station" title="{}">{}</span>',
            _("place at %s") % record.last_station,
            record.place_there,
        )

    def render_category_rank(self, value, record):
        # A category's view: the place there among the category's teams (LiveRow.place_there).
        return self.render_rank(value, record)

    def value_category_rank(self, value):
        return value

    def render_name(self, value, record):
        """The whole name on top, wrapping on a phone; below it what the row needs besides: the
        status of a team not finished, on a phone the bib and category (their columns are hidden
        there to leave the name room), and what a search found."""
        team = record.team
        details = []
        if team.bib in self.not_seen_yet:
            details.append(
                format_html(
                    '<abbr class="badge badge-run" title="{}">{}</abbr>', NOT_SEEN_YET, Status.RUN.value
                )
            )
        elif not team.finished:
            details.append(
                format_html(
                    '<abbr class="badge badge-{}" title="{}">{}</abbr>',
                    team.status.lower(),
                    status_label(team.status),
                    team.status,
                )
            )
        on_phone = [format_html('<span class="visually-hidden">{} </span>{}', _("Bib"), team.bib)]
        if self._details_category:
            on_phone.append(
                format_html('<span class="visually-hidden">{} </span>{}', _("Cat."), team.category)
            )
            if team.category_rank is not None:
                on_phone.append(format_html('<span class="cat-place">{}</span>', team.category_rank))
        details.append(format_html('<span class="on-phone">{}</span>', mark_safe(" ".join(on_phone))))
        if (found := _found_text(record.match, team.bib)) is not None:
            details.append(format_html('<span class="found">{}</span>', found))
        return format_html(
            '<a href="{}"{}>{}</a><span class="team-details">{}</span>',
            self.team_url(team.bib),
            self._link_target,
            value,
            mark_safe(" ".join(details)),  # each part escaped by format_html
        )

    def value_name(self, value):
        return value

    def render_category(self, value, record):
        if record.team.category_rank is None:
            return value
        return format_html('{} <span class="cat-place">{}</span>', value, record.team.category_rank)

    def value_category(self, value):
        return value

    def render_total(self, value, record):
        mark = (
            format_html(' <span class="mark">{}</span>', KURIAGE_MARK)
            if record.team.has_kuriage and value
            else ""
        )
        if value:
            return format_html("{}{}", value, mark)
        if record.last_station:
            return format_html(
                '<span class="where"><span class="visually-hidden">{} </span>{}</span> {}',
                _("at"),
                record.last_station,
                record.last_station_time,
            )
        return ""

    def value_total(self, value):
        return value or ""

    def render_gap(self, value, record=None):
        return value

    def value_gap(self, value):
        return value
