from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from results.timing.device_tokens import device_token_create, stations_by_code


class Command(ContractCommand):
    help = _(
        "Make a token for a timing device, allowed to post splits for the given stations only. "
        "The token is the last line printed and is not shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument(
            "--station",
            action="append",
            required=True,
            dest="stations",
            metavar="CODE",
            help=_("a station the device may post for; repeat for more"),
        )
        parser.add_argument("--name", required=True, help=_("which device, e.g. 'R1 tablet'"))

    def handle(self, *args, race_slug, stations, name, **options):
        race = self.race(race_slug)
        token, plain = device_token_create(
            race=race, name=name, stations=stations_by_code(race, stations), actor=Actor.command_line()
        )
        codes = ", ".join(token.stations.order_by("position").values_list("code", flat=True))
        self.stdout.write(
            _(
                "Device token %(name)r for %(race)s at %(codes)s; it is shown only now, store it on the device:"
            )
            % {"name": token.name, "race": race.slug, "codes": codes}
        )
        self.stdout.write(plain)
