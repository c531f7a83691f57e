"""The live standings page's table: one view at a time, sortable, downloadable."""

from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from results.publishing.tables.export import KURIAGE_MARK, standings_rows
from results.standings.progress import displayed_gap
from results.timing.race_time import format_duration

STATUS_LABELS = {
    "FIN": gettext_lazy("Finished"),
    "RUN": gettext_lazy("On the course"),
    "DNF": gettext_lazy("Did not finish"),
    "DNS": gettext_lazy("Did not start"),
    "DQ": gettext_lazy("Disqualified"),
}


def format_gap(ms: int | None) -> str:
    """+M:SS under an hour, +H:MM:SS above; nothing for the leader (or a tie with it)."""
    if not ms or ms <= 0:
        return ""
    seconds = -(-ms // 1000)
    if seconds < 3600:
        return f"+{seconds // 60}:{seconds % 60:02d}"
    return "+" + format_duration(ms)


def format_pace(ms_per_km: int | None) -> str:
    """min:ss per km, rounded up to the second like every time shown."""
    if ms_per_km is None:
        return ""
    seconds = -(-ms_per_km // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _natural(bib: str) -> tuple:
    return (0, int(bib), bib) if bib.isascii() and bib.isdigit() else (1, 0, bib)


def _ranked(value) -> tuple:
    """A sort key that puts the unranked (None) after every place; LiveStandingsTable keeps
    them last when the order is reversed too."""
    return (value is None, value or 0)


def live_rows(selection) -> list[dict]:
    """One row per listed team: the contract's displayed values, plus what the page adds (the
    last station of a team still out, the gap to the leader) and the sort keys of its columns."""
    rows = standings_rows({"teams": selection.teams})
    for listing, (row, team) in enumerate(zip(rows, selection.teams, strict=True)):
        reached = [s for s in team["stations"] if s["cumulative_ms"] is not None]
        last = reached[-1] if reached and team["status"] != "FIN" else None
        row.update(
            listing=listing,
            kuriage=any(leg["kuriage"] for leg in team["legs"]),
            last_station=last["station"] if last else "",
            last_station_rank=last["rank"] if last else None,
            last_station_time=format_duration(last["cumulative_ms"]) if last else "",
            rank_key=(*_ranked(team["rank"]), listing),
            category_rank_key=(*_ranked(team["category_rank"]), listing),
            bib_key=_natural(team["bib"]),
            name_key=(team["name"].casefold(), listing),
            total_key=(*_ranked(team["total_ms"]), listing),
        )
        gap_ms = None
        if selection.station:
            split = next(s for s in team["stations"] if s["station"] == selection.station)
            best = selection.best_ms.get(selection.station)
            if split["rank"] is not None and best is not None:
                gap_ms = displayed_gap(split["cumulative_ms"], best)
            row[f"at_{selection.station}_key"] = (*_ranked(split["cumulative_ms"]), listing)
            row[f"at_{selection.station}_rank_key"] = (*_ranked(split["rank"]), listing)
        elif team["rank"] is not None and selection.leader_ms is not None:
            gap_ms = displayed_gap(team["total_ms"], selection.leader_ms)
        elif last is not None and last["rank"] is not None and last["station"] in selection.best_ms:
            gap_ms = displayed_gap(last["cumulative_ms"], selection.best_ms[last["station"]])
        row["gap"] = format_gap(gap_ms)
        row["gap_key"] = (gap_ms is None, gap_ms or 0, listing)
        if selection.leg is not None:
            leg = team["legs"][selection.leg - 1]
            row[f"leg{selection.leg}_time_key"] = (*_ranked(leg["time_ms"]), listing)
            row[f"leg{selection.leg}_rank_key"] = (*_ranked(leg["rank"]), listing)
            row[f"leg{selection.leg}_runner_key"] = ((leg["runner"] or "").casefold(), listing)
    return rows


def _view_column(verbose_name, sort_key: str, css: str, cell_css: str = "") -> tables.Column:
    """A column only the leg or the station view has, sorted by its key in the rows."""
    return tables.Column(
        verbose_name=verbose_name,
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

    rank = PlaceColumn(verbose_name=_("Place"), order_by=("rank_key",))
    category_rank = PlaceColumn(verbose_name=_("Cat. place"), order_by=("category_rank_key",))
    bib = tables.Column(verbose_name=_("Bib"), order_by=("bib_key",), attrs={"td": {"class": "bib"}})
    name = tables.Column(
        verbose_name=_("Team"),
        order_by=("name_key",),
        attrs={"th": {"class": "team"}, "td": {"class": "team"}},
    )
    category = tables.Column(
        verbose_name=_("Cat."), order_by=("category", "category_rank_key"), attrs={"td": {"class": "cat"}}
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
    status = tables.Column(verbose_name=_("Status"), visible=False)
    last_station = tables.Column(verbose_name=_("Last station"), visible=False, default="")
    last_station_rank = tables.Column(verbose_name=_("Place there"), visible=False, default="")
    last_station_time = tables.Column(verbose_name=_("Time there"), visible=False, default="")

    class Meta:
        attrs = {"class": "table standings live", "aria-labelledby": "standings-heading"}
        template_name = "results/live_table.html"
        orderable = True

    def __init__(self, *args, race_slug: str, **kwargs):
        self.race_slug = race_slug
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
                (f"leg{n}_rank", PlaceColumn(verbose_name=_("Place"), order_by=(f"leg{n}_rank_key",))),
                (f"leg{n}_runner", _view_column(_("Runner"), f"leg{n}_runner_key", "team", "team runner")),
                (f"leg{n}_time", _view_column(_("Leg time"), f"leg{n}_time_key", "time")),
            ]
        elif selection.station:
            code = selection.station
            extra = [
                (f"at_{code}_rank", PlaceColumn(verbose_name=_("Place"), order_by=(f"at_{code}_rank_key",))),
                (f"at_{code}", _view_column(_("Time"), f"at_{code}_key", "time")),
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
            return any(KURIAGE_MARK in record[f"leg{selection.leg}_time"] for record in rows)
        if selection.station:
            return False
        return any(record["kuriage"] and record["total"] for record in rows)

    def prepare_rows(self) -> None:
        """Each row of the current page as its finished `<td>` cells, for the template.

        The same render_* methods as django-tables2 would call, called directly: its generic
        per-cell path (inspecting each method's signature for each of 600 cells) took most of
        the 0.4 s a 100-row page took to render, and a page is rendered after every split.
        """
        columns = []
        for column in self.columns:  # the visible ones, in order
            render = getattr(self, f"render_{column.name}", None)
            css = column.attrs.get("td", {}).get("class", "")
            columns.append((column.name, render, format_html(' class="{}"', css) if css else ""))
        for row in self.paginated_rows:
            record = row.record
            cells = []
            for name, render, css in columns:
                value = record.get(name)
                if render is not None:
                    content = render(value=value, record=record)
                else:
                    content = "" if value is None else value
                cells.append(format_html("<td{}>{}</td>", css, content))
            record["cells_html"] = mark_safe("".join(cells))  # each part escaped by format_html

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

        def unplaced(row) -> bool:
            value = row.get(key)
            return isinstance(value, tuple) and value[:1] == (True,)

        self.data.data = [row for row in rows if not unplaced(row)] + [row for row in rows if unplaced(row)]

    def value_rank(self, value):
        return value

    def render_rank(self, value, record):
        if value is not None or record["last_station_rank"] is None:
            return "" if value is None else value
        # Still out: its place at the last station, told apart from a final place.
        return format_html(
            '<span class="at-station" title="{}">{}</span>',
            _("place at %s") % record["last_station"],
            record["last_station_rank"],
        )

    def render_name(self, value, record):
        link = format_html('<a href="{}">{}</a>', self.team_url(record["bib"]), value)
        if record["status"] == "FIN":
            return link
        # The badge first: a long name is cut at the cell's end, the status never is.
        return format_html(
            '<abbr class="badge badge-{}" title="{}">{}</abbr> {}',
            record["status"].lower(),
            STATUS_LABELS.get(record["status"], record["status"]),
            record["status"],
            link,
        )

    def value_name(self, value):
        return value

    def render_category(self, value, record):
        if record["category_rank"] is None:
            return value
        return format_html('{} <span class="cat-place">{}</span>', value, record["category_rank"])

    def value_category(self, value):
        return value

    def render_total(self, value, record):
        mark = (
            format_html(' <span class="mark">{}</span>', KURIAGE_MARK) if record["kuriage"] and value else ""
        )
        if value:
            return format_html("{}{}", value, mark)
        if record["last_station"]:
            return format_html(
                '<span class="where"><span class="visually-hidden">{} </span>{}</span> {}',
                _("at"),
                record["last_station"],
                record["last_station_time"],
            )
        return ""

    def value_total(self, value):
        return value or ""

    def render_gap(self, value, record=None):
        return value

    def value_gap(self, value):
        return value
