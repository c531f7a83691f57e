"""Standings tables: one class for the live page and the CSV export, so both show the same."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from races.models import Race
from results.race_time import format_duration

KURIAGE_MARK = "*"
UNKNOWN = "–"  # no split there (yet), or no place for a team that is out of the ranking


def leg_time_label(leg: dict) -> str:
    """A leg's time as shown; a carry-over start is marked even before the runner arrives."""
    time = format_duration(leg["time_ms"])
    return f"{time or UNKNOWN} {KURIAGE_MARK}" if leg["kuriage"] else time


def standings_rows(results: dict) -> list[dict]:
    """Flatten the export document into table rows with displayed (rounded-up) times."""
    rows = []
    for team in results["teams"]:
        row = {
            "rank": team["rank"],
            "bib": team["bib"],
            "name": team["name"],
            "category": team["category"],
            "category_rank": team["category_rank"],
            "status": team["status"],
            "total": format_duration(team["total_ms"]),
        }
        for leg in team["legs"]:
            n = leg["leg"]
            row[f"leg{n}_runner"] = leg["runner"] or ""
            row[f"leg{n}_time"] = leg_time_label(leg)
            row[f"leg{n}_rank"] = leg["rank"]
        for station in team["stations"]:
            row[f"at_{station['station']}"] = format_duration(station["cumulative_ms"])
            row[f"at_{station['station']}_rank"] = station["rank"]
        rows.append(row)
    return rows


class StandingsTable(tables.Table):
    rank = tables.Column(verbose_name=_("Place"), default="")
    bib = tables.Column(verbose_name=_("Bib"))
    name = tables.Column(verbose_name=_("Team"))
    category = tables.Column(verbose_name=_("Category"))
    category_rank = tables.Column(verbose_name=_("Cat. place"), default="")
    status = tables.Column(verbose_name=_("Status"))
    total = tables.Column(verbose_name=_("Time"), default="")

    class Meta:
        orderable = False
        attrs = {"class": "table table-sm table-striped standings"}

    @classmethod
    def for_results(cls, results: dict, legs: int, **kwargs) -> "StandingsTable":
        """With a runner, time and rank column per leg and a split column per station."""
        extra = []
        for n in range(1, legs + 1):
            extra += [
                (f"leg{n}_runner", tables.Column(verbose_name=_("Leg %d runner") % n, default="")),
                (f"leg{n}_time", tables.Column(verbose_name=_("Leg %d") % n, default="")),
                (f"leg{n}_rank", tables.Column(verbose_name=_("Leg %d place") % n, default="")),
            ]
        for code in results["stations"][1:]:
            extra += [
                (f"at_{code}", tables.Column(verbose_name=code, default="")),
                (f"at_{code}_rank", tables.Column(verbose_name=_("%s place") % code, default="")),
            ]
        return cls(standings_rows(results), extra_columns=extra, **kwargs)


# --- the pages' tables --------------------------------------------------------------------


class LinkedStandingsTable(StandingsTable):
    """The standings with each team's name linking to its page, where every split is shown."""

    class Meta(StandingsTable.Meta):
        pass

    def __init__(self, *args, race_slug: str, **kwargs):
        self.race_slug = race_slug
        super().__init__(*args, **kwargs)

    def render_name(self, value, record):
        url = reverse("results:team", kwargs={"slug": self.race_slug, "bib": record["bib"]})
        return format_html('<a href="{}">{}</a>', url, value)


class TeamLegsTable(tables.Table):
    leg = tables.Column(verbose_name=gettext_lazy("Leg"))
    course = tables.Column(verbose_name=gettext_lazy("Course"))
    runner = tables.Column(verbose_name=gettext_lazy("Runner"), default="")
    time = tables.Column(verbose_name=gettext_lazy("Time"), default=UNKNOWN)
    rank = tables.Column(verbose_name=gettext_lazy("Place"), default=UNKNOWN)

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-legs"}


class TeamStationsTable(tables.Table):
    station = tables.Column(verbose_name=gettext_lazy("Station"))
    km = tables.Column(verbose_name=gettext_lazy("km"))
    cumulative = tables.Column(verbose_name=gettext_lazy("Time"), default=UNKNOWN)
    rank = tables.Column(verbose_name=gettext_lazy("Place"), default=UNKNOWN)

    class Meta:
        orderable = False
        attrs = {"class": "table standings team-stations"}


def team_leg_rows(race: Race, standing: dict) -> list[dict]:
    legs = {leg.number: leg for leg in race.legs}
    rows = []
    for leg in standing["legs"]:
        course = legs.get(leg["leg"])
        rows.append(
            {
                "leg": leg["leg"],
                "course": f"{course.start.code}–{course.end.code} ({course.km.normalize():f} km)"
                if course
                else "",
                "runner": leg["runner"] or "",
                "time": leg_time_label(leg),
                "rank": leg["rank"],
            }
        )
    return rows


def team_station_rows(race: Race, standing: dict) -> list[dict]:
    stations = {s.code: s for s in race.course}
    return [
        {
            "station": _station_label(stations.get(s["station"]), s["station"]),
            "km": f"{stations[s['station']].km.normalize():f}" if s["station"] in stations else "",
            "cumulative": format_duration(s["cumulative_ms"]),
            "rank": s["rank"],
        }
        for s in standing["stations"]
    ]


def _station_label(station, code: str) -> str:
    if station is None or station.name == code:
        return code
    return f"{station.name} ({code})"
