from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RacesConfig(AppConfig):
    name = "races"
    verbose_name = _("Race set-up")

    def ready(self) -> None:
        from ekiden.embedded import database_folders_create

        # The first of the project's apps to start: the SQLite file's folder must exist before
        # anything connects (the settings no longer make it on import).
        database_folders_create()
