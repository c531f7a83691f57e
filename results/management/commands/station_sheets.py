from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from races.problems import InputProblems
from results.management.output_file import check_writable, write_output
from results.publishing.pdf.fonts import MissingFont
from results.publishing.pdf.station_sheets import station_sheets_pdf
from results.publishing.station_sheets import sheet_stations, station_sheets


class Command(ContractCommand):
    help = _(
        "The paper backup of the relay stations: a PDF with, per station, every team expected "
        "there (not DQ/DNS) in bib order, the runner who takes the tasuki, and blank columns "
        "for the time written by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--output", required=True, help=_("the PDF file to write"))
        parser.add_argument(
            "--station",
            dest="station_code",
            help=_("only this station (its code); default: every relay station"),
        )

    def handle(self, *args, race_slug, output, station_code, **options):
        race = self.race(race_slug)
        stations = sheet_stations(race, station_code)
        if not stations:
            raise InputProblems([_("race %s has no station after the start: nothing to print.") % race.slug])
        check_writable(output)
        document = station_sheets(race, stations)
        try:
            content = station_sheets_pdf(document)
        except MissingFont as exc:
            raise InputProblems([str(exc)]) from None
        write_output(output, content)
        self.stdout.write(
            _("wrote %(file)s: %(stations)s, %(teams)d team(s) expected.")
            % {
                "file": output,
                "stations": ", ".join(sheet.code for sheet in document.sheets),
                "teams": len(document.sheets[0].rows),
            }
        )
