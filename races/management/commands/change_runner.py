from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.services import runner_change


class Command(ContractCommand):
    help = _(
        "A runner change (substitution): a new runner for one leg of a team. The category's rules are "
        "checked again; after the race's changes deadline it needs --reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("bib", help=_("the team's bib"))
        parser.add_argument("leg", help=_("the leg number, from 1"))
        parser.add_argument("--name", required=True, help=_("the new runner's name"))
        parser.add_argument("--gender", required=True, help="F, M or X")
        parser.add_argument("--birth-date", required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--reason", default="", help=_("why, for the officials and the audit trail; never public")
        )

    def handle(self, *args, race_slug, bib, leg, name, gender, birth_date, reason, **options):
        done = runner_change(
            race=self.race(race_slug),
            bib=bib,
            leg=leg,
            name=name,
            gender=gender,
            birth_date=birth_date,
            reason=reason,
            actor=Actor.command_line(),
        )
        (before,), (after,) = done.before, done.after
        if not done.changed:
            self.stdout.write(
                _("team %(bib)s: %(name)s already runs leg %(leg)d; nothing changed.")
                % {"bib": done.team.bib, "name": after.name, "leg": after.leg}
            )
            return
        self.stdout.write(
            _("team %(bib)s, leg %(leg)d: %(before)s → %(after)s.")
            % {"bib": done.team.bib, "leg": after.leg, "before": before.name, "after": after.name}
        )
