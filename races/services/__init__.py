"""Write operations on a race and its entries. Each is one transaction with its validation inside.

The commands, the admin, the registration form and the officials' pages import from here; the
modules hold one subject each.
"""

from races.services.common import REASON_MAX_LENGTH, check_reason_length
from races.services.entries import (
    ENTRY_COLUMNS,
    ENTRY_OPTIONAL,
    RUNNER_FIELDS,
    EntriesSummary,
    TeamEntry,
    entries_import,
    identifier_problems,
    team_entry_problems,
)
from races.services.protests import protest_decide, protest_lodge
from races.services.race_clock import GunMoved, gun_set, race_start_now
from races.services.race_day import (
    PUBLIC_NOTE_MAX_LENGTH,
    race_close,
    team_delete,
    team_delete_problems,
    team_for_bib,
    team_status_set,
)
from races.services.race_officials import race_official_name, race_official_remove, user_named
from races.services.race_setup import race_import, race_import_json
from races.services.registration import next_free_bib, team_name_problems, team_register
from races.services.results_states import (
    PROTEST_WINDOW,
    Change,
    RaceStateRefused,
    protests_until,
    race_make_official,
    race_official_when_window_ended,
    race_state_locked,
    refuse_if_closed,
    results_state_now,
)
from races.services.runner_changes import (
    RunnerChangeDone,
    changes_deadline,
    runner_change,
    runner_legs_swap,
)

__all__ = [
    "ENTRY_COLUMNS",
    "ENTRY_OPTIONAL",
    "PROTEST_WINDOW",
    "PUBLIC_NOTE_MAX_LENGTH",
    "REASON_MAX_LENGTH",
    "RUNNER_FIELDS",
    "Change",
    "EntriesSummary",
    "GunMoved",
    "RaceStateRefused",
    "RunnerChangeDone",
    "TeamEntry",
    "changes_deadline",
    "check_reason_length",
    "entries_import",
    "gun_set",
    "identifier_problems",
    "next_free_bib",
    "protest_decide",
    "protest_lodge",
    "protests_until",
    "race_close",
    "race_import",
    "race_import_json",
    "race_make_official",
    "race_official_name",
    "race_official_remove",
    "race_official_when_window_ended",
    "race_start_now",
    "race_state_locked",
    "refuse_if_closed",
    "results_state_now",
    "runner_change",
    "runner_legs_swap",
    "team_delete",
    "team_delete_problems",
    "team_entry_problems",
    "team_for_bib",
    "team_name_problems",
    "team_register",
    "team_status_set",
    "user_named",
]
