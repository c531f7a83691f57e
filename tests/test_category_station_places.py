"""A team's place at a station within its category is one rule (7) shown in three places: the
category views of the standings (`filters.place_at`, by station rank), race control and the
announcer, and follow notifications (`race_control.places_at`, by cumulative time). On
simulated races with ties, carry-overs, missed splits and DQ/DNS teams they must agree."""

import pytest

from results.publishing.filters import select_standings
from results.simulation.race import simulate_race
from results.standings.engine import compute_standings
from results.standings.race_control import places_at
from results.standings.race_results import race_results_of
from tests.standings_reference import course_and_entries


def simulated_results(seed: int, *, closed: bool):
    race = simulate_race(seed=seed, teams=300, legs=4, checkpoints=1, slug=f"places-{seed}")
    course, entries = course_and_entries(race, closed=closed)
    standings = compute_standings(course, entries)
    names = {team.key: f"Team {team.bib}" for team in standings.teams}
    stations = [station.code for station in course.stations]
    return race_results_of(race.payload["slug"], stations, standings.teams, names=names, runners={})


@pytest.mark.parametrize(("seed", "closed"), [(21, False), (22, True), (23, False)])
def test_the_category_views_and_race_control_give_every_team_the_same_place(seed, closed):
    results = simulated_results(seed, closed=closed)
    compared = 0
    for category in sorted({team.category for team in results.teams}):
        view = select_standings(results, category=category)
        for station in results.stations[1:]:
            placed = [
                (team.bib, team.at(station).rank)
                for team in results.teams
                if team.category == category and team.at(station).rank is not None
            ]
            by_time = places_at(results, [(bib, station) for bib, _rank in placed])
            for bib, rank in placed:
                assert by_time[bib] == (rank, view.place_at(station, rank)), (category, station, bib)
                compared += 1
    # Places were compared at every station, ties included.
    assert compared > 1000
