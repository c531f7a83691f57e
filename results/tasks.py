"""Where Celery's autodiscovery finds this app's tasks; each lives with its capability."""

from results.following.tasks import announce_passes, deliver_email, deliver_push
from results.publishing.tasks import make_print_file
from results.standings.tasks import refresh_standings

__all__ = ["announce_passes", "deliver_email", "deliver_push", "make_print_file", "refresh_standings"]
