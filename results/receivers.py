from races.models import Race
from races.signals import race_closed, standings_changed
from results.standings_cache import schedule_refresh


def on_standings_changed(sender, race_id: int, **kwargs) -> None:
    schedule_refresh(race_id)


def on_race_closed(sender, race_id: int, **kwargs) -> None:
    """Closing a race makes its results book, for the organisers and the public standings page."""
    from results.models import PrintJob
    from results.print_jobs import print_job_request

    race = Race.objects.filter(pk=race_id, is_closed=True).first()
    if race is not None:  # reopened (or deleted) since: the book waits for the next closing
        print_job_request(race=race, kind=PrintJob.Kind.BOOK)


standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
race_closed.connect(on_race_closed, dispatch_uid="results.make_results_book")
