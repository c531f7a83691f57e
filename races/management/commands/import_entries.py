from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.services import entries_import


class Command(ContractCommand):
    help = _("Register or update teams from an entries CSV (one row per runner).")

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("file", help=_("entries CSV (docs/commands.md, import_entries)"))

    def handle(self, *args, race_slug, file, **options):
        race = self.race(race_slug)
        summary = entries_import(
            race=race, raw=self.read_file(file), filename=file, actor=Actor.command_line()
        )
        self.stdout.write(str(summary))
