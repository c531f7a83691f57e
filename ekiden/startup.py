"""A site that cannot start says why in one line, whichever process it is.

A production start without SECRET_KEY or ALLOWED_HOSTS (or with a setting that makes no sense)
raises ImproperlyConfigured while the settings are read. Left alone, that is a traceback of
fifty lines in which the one that matters is last, printed by manage.py, by each gunicorn worker
and by the Celery worker alike. Each entry point reads the settings first through here: the
message alone goes to stderr and the process exits.
"""

import sys

from django.core.exceptions import ImproperlyConfigured

#: gunicorn stops the whole server (not only the worker, which it would start again and again)
#: when a worker exits with this code: "App failed to load."
GUNICORN_APP_LOAD_ERROR = 4


def settings_or_exit(*, exit_code: int = 1) -> None:
    """Read the settings; on a misconfiguration print its one line and exit with `exit_code`."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - the first read imports the settings module
    except ImproperlyConfigured as problem:
        sys.stderr.write(f"Tasuki cannot start: {problem}\n")
        sys.stderr.flush()
        raise SystemExit(exit_code) from None
