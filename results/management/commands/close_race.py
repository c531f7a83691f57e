from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from results.standings.closing import race_close_counting_dnf


class Command(ContractCommand):
    help = _("Mark the race final (teams still out become DNF), or --reopen it.")

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--reopen", action="store_true")

    def handle(self, *args, race_slug, reopen, **options):
        outcome = race_close_counting_dnf(
            race=self.race(race_slug), reopen=reopen, actor=Actor.command_line()
        )
        self.stdout.write(str(outcome))
