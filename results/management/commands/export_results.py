from datetime import UTC, datetime

from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from races.problems import InputProblems
from races.services import results_state_now
from results.management.output_file import check_writable, write_output
from results.management.progress_bar import TerminalProgress
from results.publishing.exports import results_csv, results_json
from results.publishing.pdf.book import results_book
from results.publishing.pdf.fonts import MissingFont
from results.publishing.pdf.printed_race import printed_race
from results.standings.race_results import RaceResults
from results.standings.selectors import standings_for_race


class Command(ContractCommand):
    help = _(
        "Export the standings: JSON (times in ms, stdout without --output), CSV, or PDF (the "
        "printable results book; needs --output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--format", choices=["json", "csv", "pdf"], default="json")
        parser.add_argument("--output", help=_("file to write; default: standard output (not for pdf)"))

    def handle(self, *args, race_slug, format, output, **options):
        race = self.race(race_slug)
        if format == "pdf" and not output:
            raise InputProblems([_("--format pdf writes a file: give --output FILE.pdf.")])
        if output:
            check_writable(output)
        results = standings_for_race(race)
        if format == "pdf":
            content = self.book(race, results)
        else:
            content = (
                results_json(results, results_state_now(race))
                if format == "json"
                else results_csv(race, results)
            )
        if not output:
            self.stdout.write(content, ending="")
            return
        write_output(output, content)
        self.stdout.write(_("wrote %s") % output)

    def book(self, race, results: RaceResults) -> bytes:
        progress = TerminalProgress(self.stdout, _("results book"))
        try:
            book = results_book(printed_race(race), results, made_at=datetime.now(UTC), progress=progress)
        except MissingFont as exc:
            raise InputProblems([str(exc)]) from None
        progress.finish()
        return book
