from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.services import entries_import, race_import, team_status_set
from results.simulation.demo import DEMO_TEAMS, demo_race
from results.timing.models import TimingRecord
from results.timing.services import timing_import

DEMO_USERNAME = "organiser"
DEMO_PASSWORD = "ekiden-demo"  # published on purpose: a login for a local demo


class Command(ContractCommand):
    help = _(
        "Load the ALEPS EKIDEN demo race (slug aleps-demo: %(teams)d teams, live, the last still out) "
        "through the same import services as an organiser's files. Running it again changes nothing. "
        "Unless a user 'organiser' exists, also creates the superuser organiser / ekiden-demo: "
        "for a local demo only, and only with DEBUG on (skip it with --no-user)."
    ) % {"teams": DEMO_TEAMS}

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-user",
            action="store_true",
            help=_("do not create the demo superuser 'organiser'"),
        )

    @transaction.atomic
    def handle(self, *args, no_user, **options):
        demo = demo_race()
        actor = Actor.command_line(doing="load_demo")
        race, _created = race_import(payload=demo.payload)
        entries = entries_import(race=race, raw=demo.entries_csv, filename="demo entries.csv", actor=actor)
        timing = timing_import(race=race, raw=demo.timing_csv, filename="demo timing.csv", actor=actor)
        changed = 0
        teams = {t.bib: t for t in race.teams.filter(bib__in=[s.bib for s in demo.statuses])}
        for decision in demo.statuses:
            team = teams[decision.bib]
            # Set only what differs: every call is an audit entry, and a re-run is not a decision.
            if (team.official_status, team.status_reason) != (decision.status, decision.reason):
                team_status_set(
                    race=race, bib=decision.bib, status=decision.status, reason=decision.reason, actor=actor
                )
                changed += 1

        self.stdout.write(
            _(
                "Demo race %(slug)s: %(teams)d teams, %(runners)d runners (%(new_runners)d new), "
                "%(records)d timing records (%(new_records)d new), %(statuses)d statuses set; "
                "see /races/%(slug)s/."
            )
            % {
                "slug": race.slug,
                "teams": race.teams.count(),
                "runners": race.runners.count(),
                "new_runners": entries.runners_created,
                "records": TimingRecord.objects.filter(race=race).count(),
                "new_records": timing.added,
                "statuses": changed,
            }
        )
        if not no_user:
            self._create_demo_user()

    def _create_demo_user(self) -> None:
        if not settings.DEBUG:
            # The password is in the README: on a server others reach, it would open the admin.
            # The race itself is harmless, so it stays loaded and the command succeeds.
            self.stderr.write(
                _(
                    "Demo login not created: DEBUG is off, so this may be a server others can reach, "
                    "and the demo password is published. Create an organiser with createsuperuser, "
                    "or pass --no-user."
                )
            )
            return
        users = get_user_model()
        if users.objects.filter(username=DEMO_USERNAME).exists():
            return
        users.objects.create_superuser(username=DEMO_USERNAME, email="", password=DEMO_PASSWORD)
        self.stdout.write(
            _("Demo login (this machine only): %(user)s / %(password)s at /admin/.")
            % {"user": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )
