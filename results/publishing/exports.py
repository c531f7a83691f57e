"""The contract's exports of the standings: JSON (milliseconds) and CSV (displayed times).

The CSV is opened in spreadsheets, so its cells are made inert (results/publishing/inert_cells.py); the
JSON carries every name exactly as registered.
"""

import json

from races.models import Race
from results.publishing.inert_cells import InertTableExport
from results.publishing.tables import StandingsTable


def results_json(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=1) + "\n"


def results_csv(race: Race, results: dict) -> str:
    table = StandingsTable.for_results(results, legs=len(race.legs))
    return InertTableExport(InertTableExport.CSV, table).export()
