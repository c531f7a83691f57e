from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from races.services import race_import_json


class Command(ContractCommand):
    help = _("Create a race from a JSON file, or update it if its slug exists.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("race JSON (docs/commands.md, import_race)"))

    def handle(self, *args, file, **options):
        race, created = race_import_json(raw=self.read_file(file), filename=file)
        verb = _("created") if created else _("updated")
        self.stdout.write(
            _("%(verb)s race %(slug)s: %(stations)d stations, %(legs)d legs, %(cats)d categories.")
            % {
                "verb": verb,
                "slug": race.slug,
                "stations": len(race.course),
                "legs": len(race.legs),
                "cats": race.categories.count(),
            }
        )
