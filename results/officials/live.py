"""What the officials' live pages (race control, the announcer, the keypad's "next in") share:
their validator and their cache headers.

They poll like the public pages (docs/decisions/live-pages.md), but they are per user and carry
private data (a captain's phone), so they never go through the public page cache: a plain
`condition(etag_func=...)` answers `304` while nothing changed.
"""

from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

from races.models import Race

#: Overdue flags and "carried over" come with the clock, not with a new split: the page is new
#: at least once a minute.
CLOCK_STEP_SECONDS = 60


def officials_etag(request, race: Race, *args, **kwargs) -> str | None:
    """The race's standings version, whether it is closed, the language, the user and the minute;
    for htmx's polls only. The whole page is always rendered afresh: its countdowns measure the
    phone's clock against the "now" written in it."""
    if not getattr(request, "htmx", False):
        return None
    minute = int(timezone.now().timestamp()) // CLOCK_STEP_SECONDS
    parts = (race.standings_version, int(race.is_closed), get_language(), request.user.pk, minute)
    return 'W/"officials-' + ".".join(map(str, parts)) + '"'


def private(response):
    """Kept by no shared cache: the page is this official's."""
    patch_cache_control(response, private=True, no_cache=True)
    return response
