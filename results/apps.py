from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Timing and results")

    def ready(self) -> None:
        from results import checks, receivers  # noqa: F401  (registers the checks, connects the signals)
