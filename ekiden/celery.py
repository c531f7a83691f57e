"""The Celery app: tasks are found in each app's tasks.py; settings use the CELERY_ prefix."""

import os

from celery import Celery

from ekiden import activity_log  # noqa: F401 - one log line per task, through Celery's signals
from ekiden.startup import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ekiden.settings")

app = Celery("ekiden")


def _settings_or_exit(sender, **kwargs) -> None:
    # Before Celery reads its configuration from the settings: a worker started without
    # SECRET_KEY says so in one line instead of a traceback.
    settings_or_exit()


app.on_configure.connect(_settings_or_exit)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
