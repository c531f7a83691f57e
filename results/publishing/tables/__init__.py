"""Tables of the standings (django-tables2): the contract's export, the live page, the team page.

Imported from here as before; each subject has its module. Their rows are the typed results
(results/standings/race_results.py) or the team's progress; how a time, a gap or a status is
shown is results/standings/display.py.
"""

from results.publishing.tables.export import StandingsTable
from results.publishing.tables.live import LiveRow, LiveStandingsTable, PlaceColumn, live_rows
from results.publishing.tables.team import TeamLegsTable, TeamStationsTable

__all__ = [
    "LiveRow",
    "LiveStandingsTable",
    "PlaceColumn",
    "StandingsTable",
    "TeamLegsTable",
    "TeamStationsTable",
    "live_rows",
]
