"""`/favicon.ico`: browsers ask for it on every site whatever the page links, so it is served
here (a small red square crossed by a white tasuki) rather than answered with a 404 each time."""

from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ICON = Path(__file__).resolve().parents[1] / "static" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    return HttpResponse(ICON.read_bytes(), content_type="image/vnd.microsoft.icon")
