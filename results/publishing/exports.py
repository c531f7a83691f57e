"""The contract's exports of the standings: the JSON document (milliseconds) and the CSV
(displayed times), made from the typed results at the edge, for the results API and the
`export_results` command.

The CSV is opened in spreadsheets, so its cells are made inert (results/publishing/inert_cells.py); the
JSON carries every name exactly as registered.
"""

import json

from races.models import Race, ResultsState
from results.publishing.inert_cells import InertTableExport
from results.publishing.tables import StandingsTable
from results.standings.leg_honours import category_leg_places_of
from results.standings.race_results import RaceResults


def results_document(results: RaceResults, state: ResultsState) -> dict:
    """The export document (docs/commands.md, export_results JSON): the one place its keys are spelt.

    `state` is the race's results state now (races.services.results_state_now): it moves with
    the clock and the protests, not with the standings, so the caller reads it from the race.
    """
    leg_places = category_leg_places_of(results)
    return {
        "race": results.race,
        "state": ResultsState(state).value,
        "stations": list(results.stations),
        "teams": [
            {
                "bib": team.bib,
                "name": team.name,
                "category": team.category,
                "status": team.status.value,
                "total_ms": team.total_ms,
                "rank": team.rank,
                "category_rank": team.category_rank,
                "legs": [
                    {
                        "leg": leg.number,
                        "runner": leg.runner,
                        "time_ms": leg.time_ms,
                        "rank": leg.rank,
                        "category_rank": leg_places.get((team.bib, leg.number)),
                        "kuriage": leg.kuriage,
                    }
                    for leg in team.legs
                ],
                "stations": [
                    {"station": s.station, "cumulative_ms": s.cumulative_ms, "rank": s.rank}
                    for s in team.stations
                ],
            }
            for team in results.teams
        ],
    }


def results_json(results: RaceResults, state: ResultsState) -> str:
    return json.dumps(results_document(results, state), ensure_ascii=False, indent=1) + "\n"


def results_csv(race: Race, results: RaceResults) -> str:
    table = StandingsTable.for_results(results, legs=len(race.legs))
    return InertTableExport(InertTableExport.CSV, table).export()
