"""The team page's tables: each runner's leg, and the team at each station.

Their rows are the team's progress (results/standings/progress.py): LegProgress and StationProgress.
"""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from results.standings.display import UNKNOWN, format_duration, format_gap, format_pace, leg_time_label


def _km(km) -> str:
    return f"{km.normalize():f} km"


def _names_its_distance(name: str, km) -> bool:
    """A station named after its distance ("Checkpoint 7.5 km") is not told it twice."""
    return f"{km.normalize():f}" in name.replace(",", ".").split()


class TeamLegsTable(tables.Table):
    # On a phone the leg's number moves under the runner's name (base.html): "Peringkat" is wide.
    leg = tables.Column(
        verbose_name=gettext_lazy("Leg"), attrs={"th": {"class": "leg"}, "td": {"class": "place leg"}}
    )
    runner = tables.Column(verbose_name=gettext_lazy("Runner"), default="", attrs={"td": {"class": "name"}})
    time = tables.Column(
        verbose_name=gettext_lazy("Time"),
        accessor="time_ms",
        empty_values=(),  # a carry-over start is marked even before the runner arrives
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    rank = tables.Column(
        verbose_name=gettext_lazy("Place"),
        default=UNKNOWN,
        attrs={"th": {"class": "place"}, "td": {"class": "place"}},
    )
    category_rank = tables.Column(verbose_name=gettext_lazy("Cat. place"), default=UNKNOWN)
    pace = tables.Column(
        verbose_name=gettext_lazy("Pace /km"),
        accessor="pace_ms_per_km",
        default=UNKNOWN,
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-legs", "aria-labelledby": "legs-heading"}
        template_name = "results/standings_table.html"

    def render_runner(self, value, record):
        leg = format_html('<span class="on-phone">{} · </span>', gettext("Leg %d") % record.leg)
        if record.km is None:
            return format_html('{}<br><span class="course">{}</span>', value, leg)
        course = f"{record.start}–{record.end} · {_km(record.km)}"
        return format_html('{}<br><span class="course">{}{}</span>', value, leg, course)

    def value_runner(self, value):
        return value

    def render_time(self, record):
        time = leg_time_label(record.time_ms, record.kuriage) or UNKNOWN
        badges = []
        if record.leg_winner:
            badges.append(gettext("Leg winner"))
        if record.new_record:
            badges.append(gettext("New leg record"))
        if not badges:
            return time
        return format_html(
            "{}<br>{}", time, format_html_join(" ", '<span class="honour">{}</span>', ((b,) for b in badges))
        )

    def value_time(self, record):
        return leg_time_label(record.time_ms, record.kuriage) or UNKNOWN

    def render_pace(self, value):
        return format_pace(value)


class TeamStationsTable(tables.Table):
    station = tables.Column(
        verbose_name=gettext_lazy("Station"), accessor="name", attrs={"td": {"class": "name"}}
    )
    cumulative = tables.Column(
        verbose_name=gettext_lazy("Time"),
        accessor="cumulative_ms",
        default=UNKNOWN,
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    rank = tables.Column(
        verbose_name=gettext_lazy("Place"),
        default=UNKNOWN,
        attrs={"th": {"class": "place"}, "td": {"class": "place"}},
    )
    leader_gap = tables.Column(
        verbose_name=gettext_lazy("To the leader"),
        accessor="leader_gap_ms",
        default="",
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    ahead_gap = tables.Column(
        verbose_name=gettext_lazy("To the team ahead"),
        accessor="ahead",
        default="",
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-stations", "aria-labelledby": "stations-heading"}
        template_name = "results/standings_table.html"

    def render_station(self, value, record):
        where = record.code
        if record.km is not None and not _names_its_distance(value, record.km):
            where = f"{record.code} · {_km(record.km)}"
        return format_html('{}<br><span class="course">{}</span>', value, where)

    def value_station(self, value):
        return value

    def render_cumulative(self, value):
        return format_duration(value)

    def render_leader_gap(self, value):
        return format_gap(value)

    def render_ahead_gap(self, value):
        return format_gap(value.gap_ms)
