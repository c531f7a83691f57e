"""Tables of the standings (django-tables2): the contract's export, the live page, the team page.

Imported from here as before; each subject has its module.
"""

from results.publishing.tables.export import (
    KURIAGE_MARK,
    UNKNOWN,
    StandingsTable,
    leg_time_label,
    standings_rows,
)
from results.publishing.tables.live import (
    STATUS_LABELS,
    LiveStandingsTable,
    PlaceColumn,
    format_gap,
    format_pace,
    live_rows,
)
from results.publishing.tables.team import TeamLegsTable, TeamStationsTable, team_leg_rows, team_station_rows

__all__ = [
    "KURIAGE_MARK",
    "STATUS_LABELS",
    "UNKNOWN",
    "LiveStandingsTable",
    "PlaceColumn",
    "StandingsTable",
    "TeamLegsTable",
    "TeamStationsTable",
    "format_gap",
    "format_pace",
    "leg_time_label",
    "live_rows",
    "standings_rows",
    "team_leg_rows",
    "team_station_rows",
]
