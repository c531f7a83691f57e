"""Where Celery's autodiscovery finds this app's tasks; each lives with its capability."""

from results.publishing.tasks import make_print_file
from results.standings.tasks import refresh_standings

__all__ = ["make_print_file", "refresh_standings"]
