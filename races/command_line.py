"""What every contract command shares: bad input is reported line by line, never a traceback;
a database busy with another writer is reported in one line; a change to a closed race's
final results is pointed out."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils.translation import gettext as _

from ekiden.database_busy import DATABASE_BUSY, is_database_busy
from races.models import Race
from races.problems import InputProblems


class ContractCommand(BaseCommand):
    """A command organisers script: problems go to stderr one per line, exit status 1."""

    #: Whether a change to a closed race's results is pointed out (not by close_race itself,
    #: which makes them official on purpose).
    warns_of_changed_results = True

    def execute(self, *args, **options):
        try:
            closed_before = self._closed_races()
            output = super().execute(*args, **options)
        except InputProblems as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%d problem(s) found; nothing was changed.") % len(exc.problems), returncode=1
            ) from None
        except OperationalError as exc:
            if not is_database_busy(exc):
                raise
            # The transaction was rolled back; a script can retry on exit status 1.
            raise CommandError(str(DATABASE_BUSY), returncode=1) from None
        if self.warns_of_changed_results:
            self._warn_of_changed_final_results(closed_before)
        return output

    @staticmethod
    def _closed_races() -> dict[int, tuple[str, int]]:
        """Closed races by id: slug and standings version, which every change of results bumps."""
        rows = Race.objects.filter(is_closed=True).values_list("pk", "slug", "standings_version")
        return {pk: (slug, version) for pk, slug, version in rows}

    def _warn_of_changed_final_results(self, closed_before: dict[int, tuple[str, int]]) -> None:
        """A protest judged after the finish may change a closed race; say so, lest it was a slip."""
        for pk, (slug, version) in sorted(self._closed_races().items()):
            if pk in closed_before and closed_before[pk][1] != version:
                self.stderr.write(
                    _(
                        "warning: race %(slug)s is closed; its results changed after the finish. "
                        "Reopen it with close_race %(slug)s --reopen --reason TEXT if this was not meant."
                    )
                    % {"slug": slug},
                    style_func=self.style.WARNING,
                )

    def read_file(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise InputProblems(
                [_("%(path)s: cannot be read (%(error)s).") % {"path": path, "error": exc.strerror}]
            ) from None

    @contextmanager
    def opened(self, path: str) -> Iterator[BinaryIO]:
        """The file, to be read as a stream: a 20 MB chip file is never held whole in memory."""
        try:
            binary = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputProblems(
                [_("%(path)s: cannot be read (%(error)s).") % {"path": path, "error": exc.strerror}]
            ) from None
        with binary:
            yield binary

    def race(self, slug: str) -> Race:
        race = Race.objects.filter(slug=slug).first()
        if race is None:
            known = ", ".join(Race.objects.values_list("slug", flat=True)) or _("none yet")
            raise InputProblems(
                [_("race %(slug)r does not exist; known races: %(known)s.") % {"slug": slug, "known": known}]
            )
        return race
