from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from results.timing.services import timing_import


class Command(ContractCommand):
    help = _("Store the reads of a timing CSV (bib,station,time[,source,read_id]); all or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("file", help=_("timing CSV (docs/commands.md, import_timing)"))

    def handle(self, *args, race_slug, file, **options):
        race = self.race(race_slug)
        # One transaction, as the contract says: all of the file or nothing (docs/decisions/bounded-uploads.md).
        with self.opened(file) as chip_file:
            summary = timing_import(race=race, raw=chip_file, filename=file, actor=Actor.command_line())
        self.stdout.write(str(summary))
