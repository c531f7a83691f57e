from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.problems import InputProblems, Problem
from results.standings.closing import race_close_counting_dnf


class Command(ContractCommand):
    help = _(
        "Close the race: teams still out become DNF and the results are provisional until the "
        "protest window ends (--official: official at once); or --reopen it, with a --reason."
    )
    warns_of_changed_results = False

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument(
            "--official",
            action="store_true",
            help=_("Make the results official now (no protest may be pending)."),
        )
        parser.add_argument("--reopen", action="store_true", help=_("Open the race again; needs --reason."))
        parser.add_argument("--reason", default="", help=_("Why: kept in the audit trail."))

    def handle(self, *args, race_slug, official, reopen, reason, **options):
        if official and reopen:
            raise InputProblems([Problem(_("--official and --reopen contradict each other; give one."))])
        outcome = race_close_counting_dnf(
            race=self.race(race_slug),
            reopen=reopen,
            official=official,
            reason=reason,
            actor=Actor.command_line(),
        )
        self.stdout.write(str(outcome))
