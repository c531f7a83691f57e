"""The team page's tables: each runner's leg, and the team at each station."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from results.publishing.tables.export import UNKNOWN, leg_time_label
from results.publishing.tables.live import format_gap, format_pace
from results.timing.race_time import format_duration


class TeamLegsTable(tables.Table):
    leg = tables.Column(verbose_name=gettext_lazy("Leg"), attrs={"td": {"class": "place"}})
    runner = tables.Column(verbose_name=gettext_lazy("Runner"), default="", attrs={"td": {"class": "name"}})
    time = tables.Column(
        verbose_name=gettext_lazy("Time"),
        default=UNKNOWN,
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    rank = tables.Column(verbose_name=gettext_lazy("Place"), default=UNKNOWN)
    category_rank = tables.Column(verbose_name=gettext_lazy("Cat. place"), default=UNKNOWN)
    pace = tables.Column(
        verbose_name=gettext_lazy("Pace /km"),
        default=UNKNOWN,
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-legs", "aria-labelledby": "legs-heading"}
        template_name = "results/standings_table.html"

    def render_runner(self, value, record):
        if not record["course"]:
            return value
        return format_html('{}<br><span class="course">{}</span>', value, record["course"])

    def value_runner(self, value):
        return value


class TeamStationsTable(tables.Table):
    station = tables.Column(verbose_name=gettext_lazy("Station"), attrs={"td": {"class": "name"}})
    cumulative = tables.Column(
        verbose_name=gettext_lazy("Time"),
        default=UNKNOWN,
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    rank = tables.Column(verbose_name=gettext_lazy("Place"), default=UNKNOWN)
    leader_gap = tables.Column(
        verbose_name=gettext_lazy("To the leader"),
        default="",
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )
    ahead_gap = tables.Column(
        verbose_name=gettext_lazy("To the team ahead"),
        default="",
        attrs={"th": {"class": "time"}, "td": {"class": "time"}},
    )

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-stations", "aria-labelledby": "stations-heading"}
        template_name = "results/standings_table.html"

    def render_station(self, value, record):
        return format_html('{}<br><span class="course">{}</span>', value, record["where"])

    def value_station(self, value):
        return value


def _km(km) -> str:
    return f"{km.normalize():f} km"


def team_leg_rows(progress) -> list[dict]:
    return [
        {
            "leg": leg.leg,
            "course": f"{leg.start}–{leg.end} · {_km(leg.km)}" if leg.km is not None else "",
            "runner": leg.runner,
            "time": leg_time_label({"time_ms": leg.time_ms, "kuriage": leg.kuriage}),
            "rank": leg.rank,
            "category_rank": leg.category_rank,
            "pace": format_pace(leg.pace_ms_per_km),
        }
        for leg in progress.legs
    ]


def team_station_rows(progress) -> list[dict]:
    return [
        {
            "station": station.name,
            "where": f"{station.code} · {_km(station.km)}" if station.km is not None else station.code,
            "cumulative": format_duration(station.cumulative_ms),
            "rank": station.rank,
            "leader_gap": format_gap(station.leader_gap_ms),
            "ahead_gap": format_gap(station.ahead.gap_ms) if station.ahead else "",
        }
        for station in progress.stations
    ]
