"""Which slice of the standings a spectator asked for: a category, a leg, a station, a search.

The standings come from the cache as the typed results (teams in listing order), not as a
queryset, so a django-filter FilterSet does not fit: a plain Form parses the query string and
pure functions pick and order the teams. A bad parameter is ignored with a
note for the reader, never an error page: a phone on a roadside keeps old links around.
"""

from bisect import bisect_left
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.models import Race
from results.publishing.search import team_matches
from results.standings.race_results import RaceResults, TeamResults


class StandingsQueryForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("There is no category “%(value)s” in this race; it was ignored.")
        },
    )
    leg = forms.TypedChoiceField(
        label=gettext_lazy("Leg"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy("There is no leg “%(value)s” in this race; it was ignored.")
        },
    )
    station = forms.ChoiceField(
        label=gettext_lazy("Station"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("There is no station “%(value)s” after the start; it was ignored.")
        },
    )
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        error_messages={
            "max_length": gettext_lazy(
                "The search is too long (%(show_value)d characters; at most %(limit_value)d): it was "
                "not applied, so every team is shown. Search for a bib, a team or a runner's name."
            )
        },
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("Bib, team or runner"),
                "type": "search",
                "autocomplete": "off",
            }
        ),
    )

    def __init__(self, data, *, race: Race, station_codes: list[str]):
        super().__init__(data)
        everyone = [("", _("All"))]
        self.fields["category"].choices = everyone + [(c.code, c.name) for c in race.categories.all()]
        self.fields["leg"].choices = [("", "—")] + [
            (
                leg.number,
                _("Leg %(n)d (%(start)s–%(end)s)")
                % {"n": leg.number, "start": leg.start.code, "end": leg.end.code},
            )
            for leg in race.legs
        ]
        # The start is where every team has 0:00:00: there is nothing to rank there.
        self.fields["station"].choices = [("", "—")] + [(code, code) for code in station_codes[1:]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("leg") and cleaned.get("station"):
            self.add_error(
                "station",
                _("Choose a leg or a station, not both; the station was ignored."),
            )
        return cleaned


@dataclass
class StandingsSelection:
    """What the page shows: the teams in order, the columns that explain the order, and the
    best times the gaps are measured from (the leaders of the category or the whole race)."""

    teams: list[TeamResults]
    columns: tuple[str, ...]
    heading: str
    notes: list[str] = field(default_factory=list)
    category: str = ""
    leg: int | None = None
    station: str = ""
    q: str = ""
    #: The best cumulative time at each station (the finish included) among the teams ranked
    #: there, before the search narrows the list: a search does not change who leads.
    best_ms: dict[str, int] = field(default_factory=dict)
    #: The winner's total: the best finish time of a team that finished (rule 7).
    leader_ms: int | None = None
    #: In a category's view, each station's places (rule 7) among the category's teams, in
    #: order, before the search narrows the list: what a team still out is placed by there.
    category_ranks_at: dict[str, list[int]] = field(default_factory=dict)

    @property
    def view(self) -> str:
        if self.leg is not None:
            return "leg"
        if self.station:
            return "station"
        return "category" if self.category else "overall"

    def place_at(self, station: str, rank: int) -> int:
        """A team's place at a station in the view's terms: its place there in the race, or in a
        category's view its place among that category's teams (equal times still share it)."""
        if not self.category:
            return rank
        return bisect_left(self.category_ranks_at.get(station, []), rank) + 1


def read_query(form: StandingsQueryForm) -> tuple[dict, list[str]]:
    """The parameters that made sense, and a note for each one that did not."""
    form.is_valid()
    notes = [str(message) for errors in form.errors.values() for message in errors]
    cleaned = getattr(form, "cleaned_data", {})
    wanted = {
        "category": cleaned.get("category") or "",
        "leg": cleaned.get("leg"),
        "station": cleaned.get("station") or "",
        "q": cleaned.get("q") or "",
    }
    return wanted, notes


def select_standings(
    results: RaceResults,
    *,
    category: str = "",
    leg: int | None = None,
    station: str = "",
    q: str = "",
    category_names: dict[str, str] | None = None,
) -> StandingsSelection:
    """Narrow the listing to a category and a search, and order it by a leg or a station."""
    teams = list(results.teams)
    if category:
        teams = [t for t in teams if t.category == category]
    scope = teams
    best_ms = best_times(scope)
    if q:
        teams = [t for t in teams if team_matches(t, q)]
    name = (category_names or {}).get(category, category)
    if leg is not None:
        teams = _by_rank(teams, lambda t: t.leg(leg).rank)
        # The runner matters here: the leg is one person's run.
        columns = (f"leg{leg}_rank", "bib", "name", f"leg{leg}_runner", f"leg{leg}_time")
        heading = _("Leg %d") % leg
    elif station:
        teams = _by_rank(teams, lambda t: t.at(station).rank)
        columns = (f"at_{station}_rank", "bib", "name", f"at_{station}", "gap")
        heading = _("At %s") % station
    elif category:
        columns = ("category_rank", "bib", "name", "total", "gap")
        heading = ""
    else:
        columns = ("rank", "bib", "name", "category", "total", "gap")
        heading = _("Overall")
    if category:
        heading = f"{name} · {heading}" if heading else name
    return StandingsSelection(
        teams=teams,
        columns=columns,
        heading=heading,
        category=category,
        leg=leg,
        station=station,
        q=q,
        best_ms=best_ms,
        leader_ms=min((t.total_ms for t in scope if t.rank is not None), default=None),
        category_ranks_at=ranks_at(scope) if category else {},
    )


def best_times(teams: list[TeamResults]) -> dict[str, int]:
    """The leader's cumulative time at each station, among the teams that have a place there."""
    best: dict[str, int] = {}
    for team in teams:
        for split in team.stations:
            ms = split.cumulative_ms
            if split.rank is not None and ms is not None and ms < best.get(split.station, ms + 1):
                best[split.station] = ms
    return best


def ranks_at(teams: list[TeamResults]) -> dict[str, list[int]]:
    """The places at each station of the teams that have one there, in order."""
    ranks: dict[str, list[int]] = {}
    for team in teams:
        for split in team.stations:
            if split.rank is not None:
                ranks.setdefault(split.station, []).append(split.rank)
    return {station: sorted(places) for station, places in ranks.items()}


def _by_rank(teams: list[TeamResults], rank_of) -> list[TeamResults]:
    """Ranked teams by place, then the unranked in listing order (the sort is stable)."""
    return sorted(teams, key=lambda t: (rank_of(t) is None, rank_of(t) or 0))
