"""What every contract command shares: bad input is reported line by line, never a traceback."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from races.models import Race
from races.problems import InputProblems


class ContractCommand(BaseCommand):
    """A command organisers script: problems go to stderr one per line, exit status 1."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except InputProblems as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%d problem(s) found; nothing was changed.") % len(exc.problems), returncode=1
            ) from None

    def read_file(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise InputProblems(
                [_("%(path)s: cannot be read (%(error)s).") % {"path": path, "error": exc.strerror}]
            ) from None

    def race(self, slug: str) -> Race:
        race = Race.objects.filter(slug=slug).first()
        if race is None:
            known = ", ".join(Race.objects.values_list("slug", flat=True)) or _("none yet")
            raise InputProblems(
                [_("race %(slug)r does not exist; known races: %(known)s.") % {"slug": slug, "known": known}]
            )
        return race
