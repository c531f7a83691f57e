from django.shortcuts import get_object_or_404, render

from races.models import Race
from results.selectors import standings_for_race
from results.tables import StandingsTable


def standings(request, slug: str):
    race = get_object_or_404(Race, slug=slug)
    results = standings_for_race(race)
    table = StandingsTable.for_results(results, legs=len(race.legs))
    return render(request, "results/standings.html", {"race": race, "table": table})


def team_detail(request, slug: str, bib: str):
    race = get_object_or_404(Race, slug=slug)
    team = get_object_or_404(race.teams.select_related("category"), bib=bib)
    results = standings_for_race(race)
    standing = next(t for t in results["teams"] if t["bib"] == team.bib)
    return render(request, "results/team.html", {"race": race, "team": team, "standing": standing})
