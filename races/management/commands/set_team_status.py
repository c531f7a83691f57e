from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.services import team_status_set


class Command(ContractCommand):
    help = _("Set a team's status (DQ, DNS, DNF) or AUTO to derive it from the splits again.")

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("bib")
        parser.add_argument("status", help="DQ, DNS, DNF or AUTO")
        parser.add_argument(
            "--reason", default="", help=_("why, for the officials and the audit trail; never public")
        )
        parser.add_argument(
            "--public-note",
            default="",
            help=_("shown beside the status on the public pages, e.g. 'withdrew before leg 3'"),
        )

    def handle(self, *args, race_slug, bib, status, reason, public_note, **options):
        team = team_status_set(
            race=self.race(race_slug),
            bib=bib,
            status=status,
            reason=reason,
            public_note=public_note,
            actor=Actor.command_line(),
        )
        shown = team.official_status or "AUTO"
        self.stdout.write(_("team %(bib)s: status %(status)s.") % {"bib": team.bib, "status": shown})
