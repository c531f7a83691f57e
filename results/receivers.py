"""The app's wiring: what happens after a change, connected once when the app is ready."""

from races.signals import closed_results_changed, standings_changed
from results.following.tasks import announce_after_refresh
from results.publishing.print_jobs import request_book_after_closing, request_book_again
from results.standings.signals import race_closed, standings_refreshed
from results.standings.tasks import schedule_refresh


def on_standings_changed(sender, race_id: int, **kwargs) -> None:
    schedule_refresh(race_id)


def on_standings_refreshed(sender, race_id: int, **kwargs) -> None:
    announce_after_refresh(race_id)


standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
standings_refreshed.connect(on_standings_refreshed, dispatch_uid="results.announce_passes")
race_closed.connect(request_book_after_closing, dispatch_uid="results.book_after_closing")
closed_results_changed.connect(request_book_again, dispatch_uid="results.book_again")
