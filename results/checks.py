"""Start-up checks: a print job should not be the first to learn that the machine cannot print."""

from django.conf import settings
from django.core.checks import Warning, register

from results.publishing.pdf.fonts import missing_fonts
from results.publishing.print_making import TIME_LIMIT


@register()
def pdf_fonts_installed(app_configs, **kwargs):
    return [
        Warning(problem, hint="make system-packages", id="results.W001", obj="results.publishing.pdf.fonts")
        for problem in missing_fonts()
    ]


@register()
def broker_redelivers_after_the_longest_task(app_configs, **kwargs):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if not settings.REDIS_URL or timeout > TIME_LIMIT:
        return []
    return [
        Warning(
            f"CELERY_VISIBILITY_TIMEOUT is {timeout} s, shorter than a print job may run ({TIME_LIMIT} s): "
            "a long job would be started a second time on another worker.",
            hint=f"Set CELERY_VISIBILITY_TIMEOUT above {TIME_LIMIT}.",
            id="results.W002",
        )
    ]
