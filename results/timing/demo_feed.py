"""The demo race's reads and decisions stored as the clock passes them, through the timing and
race services an organiser's devices and officials use (results/simulation/demo.py says when)."""

from datetime import datetime

from races.audit import Actor
from races.models import Race
from races.services import team_status_set
from results.simulation import files
from results.simulation.demo import reads_due, statuses_due
from results.simulation.race import SimulatedRace
from results.timing.models import Source
from results.timing.services import timing_import, timing_record_create

#: More reads due than this at once are stored as one file.
BACKLOG = 50


def demo_reads_stored(
    *, race: Race, demo: SimulatedRace, until: datetime, after: datetime | None = None, actor: Actor
) -> int:
    """The demo's reads made after `after` (None: since the gun) and by `until`; those stored
    already add nothing. Returns how many were added.

    A backlog (the race so far) goes in as one file, as a reader's export; a few reads are
    posted one by one, as devices post them, without an audit entry each.
    """
    due = reads_due(demo, until=until, after=after)
    if len(due) > BACKLOG:
        return timing_import(
            race=race, raw=files.timing_csv(due), filename="demo timing.csv", actor=actor
        ).added
    added = 0
    for row in due:
        _record, created = timing_record_create(
            race=race,
            bib=row["bib"],
            station=row["station"],
            time=row["time"],
            source=row["source"] or Source.IMPORT,  # as import_timing reads an empty source
            read_id=row["read_id"],
            actor=actor,
        )
        added += created
    return added


def demo_statuses_set(*, race: Race, demo: SimulatedRace, until: datetime, actor: Actor) -> int:
    """The officials' decisions taken by `until` and not set yet; returns how many were set."""
    due = list(statuses_due(demo, until=until))
    teams = {team.bib: team for team in race.teams.filter(bib__in=[decision.bib for decision in due])}
    changed = 0
    for decision in due:
        team = teams[decision.bib]
        # Set only what differs: every call is an audit entry, and a re-run is not a decision.
        if (team.official_status, team.status_reason) != (decision.status, decision.reason):
            team_status_set(
                race=race, bib=decision.bib, status=decision.status, reason=decision.reason, actor=actor
            )
            changed += 1
    return changed
