"""The app's wiring: what happens after a change, connected once when the app is ready."""

from races.signals import closed_results_changed, standings_changed
from results.publishing.print_jobs import request_book_after_closing, request_book_again
from results.standings.signals import race_closed
from results.standings.tasks import schedule_refresh


def on_standings_changed(sender, race_id: int, **kwargs) -> None:
    schedule_refresh(race_id)


standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
race_closed.connect(request_book_after_closing, dispatch_uid="results.book_after_closing")
closed_results_changed.connect(request_book_again, dispatch_uid="results.book_again")
