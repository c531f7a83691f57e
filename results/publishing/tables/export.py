"""The standings table of the contract's CSV export: every column, displayed (rounded-up) times.

Its rows are the typed results' teams; a leg's or a station's columns pick theirs from the team's
legs and stations.
"""

from collections.abc import Callable

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from results.standings.display import format_duration, leg_time_label
from results.standings.engine import StationResult
from results.standings.race_results import RaceResults, RunnerLeg


class DurationColumn(tables.Column):
    """A time in milliseconds, shown rounded up to the whole second."""

    def render(self, value):
        return format_duration(value)


class PickedColumn(tables.Column):
    """A cell worked out from one of the team's legs or stations (`accessor`: "legs" or
    "stations"; `index`: which one; `show`: what of it the cell shows)."""

    def __init__(self, accessor: str, index: int, show: Callable, **kwargs):
        super().__init__(accessor=accessor, **kwargs)
        self.index = index
        self.show = show

    def render(self, value):
        return self.show(value[self.index])


def _runner(leg: RunnerLeg) -> str:
    return leg.runner or ""


def _leg_time(leg: RunnerLeg) -> str:
    return leg_time_label(leg.time_ms, leg.kuriage)


def _time_there(split: StationResult) -> str:
    return format_duration(split.cumulative_ms)


def _place(result: RunnerLeg | StationResult) -> int | str:
    return "" if result.rank is None else result.rank


class StandingsTable(tables.Table):
    rank = tables.Column(verbose_name=_("Place"), default="")
    bib = tables.Column(verbose_name=_("Bib"))
    name = tables.Column(verbose_name=_("Team"))
    category = tables.Column(verbose_name=_("Category"))
    category_rank = tables.Column(verbose_name=_("Cat. place"), default="")
    status = tables.Column(verbose_name=_("Status"))
    total = DurationColumn(verbose_name=_("Time"), accessor="total_ms", default="")

    class Meta:
        orderable = False
        attrs = {"class": "table table-sm table-striped standings"}

    @classmethod
    def for_results(cls, results: RaceResults, legs: int, **kwargs) -> "StandingsTable":
        """With a runner, time and rank column per leg and a split column per station."""
        extra = []
        for n in range(1, legs + 1):
            extra += [
                (f"leg{n}_runner", PickedColumn("legs", n - 1, _runner, verbose_name=_("Leg %d runner") % n)),
                (f"leg{n}_time", PickedColumn("legs", n - 1, _leg_time, verbose_name=_("Leg %d") % n)),
                (f"leg{n}_rank", PickedColumn("legs", n - 1, _place, verbose_name=_("Leg %d place") % n)),
            ]
        for i, code in enumerate(results.stations[1:]):
            extra += [
                (f"at_{code}", PickedColumn("stations", i, _time_there, verbose_name=code)),
                (f"at_{code}_rank", PickedColumn("stations", i, _place, verbose_name=_("%s place") % code)),
            ]
        return cls(list(results.teams), extra_columns=extra, **kwargs)

    def value_status(self, value):
        return value.value  # the code, as the export spells it
