"""The standings table of the contract's CSV export: every column, displayed (rounded-up) times."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from results.timing.race_time import format_duration

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
