"""Start-up checks: a print job should not be the first to learn that the machine cannot print."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

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


@register(Tags.security, deploy=True)
def password_reset_mails_are_sent(app_configs, **kwargs):
    """A check, not a line at import: a refused start-up then says one thing (ekiden/startup.py)."""
    if settings.EMAIL_URL or settings.DEBUG:
        return []
    return [
        Warning(
            "EMAIL_URL is not set: password reset e-mails are printed on the console, not sent.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587, and DEFAULT_FROM_EMAIL.",
            id="results.W003",
        )
    ]
