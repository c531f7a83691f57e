"""The contract's exports of the standings: JSON (milliseconds) and CSV (displayed times)."""

import json

from django_tables2.export import TableExport

from races.models import Race
from results.tables import StandingsTable


def results_json(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=1) + "\n"


def results_csv(race: Race, results: dict) -> str:
    table = StandingsTable.for_results(results, legs=len(race.legs))
    return TableExport(TableExport.CSV, table).export()
