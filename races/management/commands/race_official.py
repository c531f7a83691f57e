from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.models import OfficialRole
from races.problems import InputProblems
from races.services import race_official_name, race_official_remove, user_named


class Command(ContractCommand):
    help = _(
        "Name a user's role for one race: organiser, results desk, or station official at the "
        "given stations. Rights are per race. With --remove, take the role (or those stations) away."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("username")
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--organiser", action="store_true", help=_("everything of this race"))
        role.add_argument(
            "--results-desk", action="store_true", help=_("corrects, uploads chip files and prints")
        )
        role.add_argument(
            "--station",
            action="append",
            metavar="CODE",
            help=_("records and corrects at this station; give it once per station"),
        )
        parser.add_argument("--remove", action="store_true", help=_("take the role or the stations away"))

    def handle(self, *args, race_slug, username, organiser, results_desk, station, remove, **options):
        race = self.race(race_slug)
        user = user_named(username)
        role = (
            OfficialRole.ORGANISER
            if organiser
            else OfficialRole.RESULTS_DESK
            if results_desk
            else OfficialRole.STATION
        )
        actor = Actor.command_line(doing="race_official")
        if remove:
            left = race_official_remove(
                race=race, user=user, role=role, station_codes=station or (), actor=actor
            )
            if left is None:
                message = _("%(user)s no longer works %(race)s.")
            else:
                message = _("%(user)s now records at %(stations)s on %(race)s.")
            self.stdout.write(
                message % {"user": user.get_username(), "race": race.slug, "stations": self._codes(left)}
            )
            return
        if not station and role == OfficialRole.STATION:
            raise InputProblems([_("give --organiser, --results-desk or --station CODE.")])
        official = race_official_name(
            race=race, user=user, role=role, station_codes=station or (), actor=actor
        )
        shown = official.get_role_display()
        if role == OfficialRole.STATION:
            shown = f"{shown} ({self._codes(official)})"
        self.stdout.write(
            _("%(user)s: %(role)s of %(race)s.")
            % {"user": user.get_username(), "role": shown, "race": race.slug}
        )

    @staticmethod
    def _codes(official) -> str:
        if official is None:
            return ""
        return ", ".join(official.stations.order_by("position").values_list("code", flat=True))
