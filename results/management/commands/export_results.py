from pathlib import Path

from django.utils.translation import gettext as _

from races.management.contract import ContractCommand
from races.problems import InputProblems
from results.exports import results_csv, results_json
from results.selectors import standings_for_race


class Command(ContractCommand):
    help = _("Export the standings: JSON (times in ms, stdout without --output) or CSV.")

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help=_("file to write; default: standard output"))

    def handle(self, *args, race_slug, format, output, **options):
        race = self.race(race_slug)
        results = standings_for_race(race)
        text = results_json(results) if format == "json" else results_csv(race, results)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputProblems(
                [_("%(path)s: cannot be written (%(error)s).") % {"path": output, "error": exc.strerror}]
            ) from None
        self.stdout.write(_("wrote %s") % output)
