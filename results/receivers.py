from races.signals import standings_changed
from results.standings_cache import schedule_refresh


def on_standings_changed(sender, race_id: int, **kwargs) -> None:
    schedule_refresh(race_id)


standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
