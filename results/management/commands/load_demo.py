from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import Actor
from races.command_line import ContractCommand
from races.models import Race, Team
from races.services import entries_import, race_import
from results.simulation.demo import DEMO_SLUG, DEMO_TEAMS, ZONE, demo_race, finished_gun, live_gun
from results.standings.closing import race_close_counting_dnf
from results.timing.demo_feed import demo_reads_stored, demo_statuses_set
from results.timing.models import TimingRecord

DEMO_USERNAME = "organiser"
DEMO_PASSWORD = "ekiden-demo"  # published on purpose: a login for a local demo


class Command(ContractCommand):
    help = _(
        "Load the ALEPS EKIDEN demo race (slug aleps-demo: %(teams)d teams) live today: the gun about an "
        "hour ago in the race's zone (Asia/Kuala_Lumpur), the splits made since then stored through the "
        "same services as an organiser's files and devices; while `make run` serves, simulate_demo "
        "stores the next ones as the clock passes them. Running it again the same day changes nothing "
        "(bar the splits due since); on a later day it loads the race again, for today. With --finished "
        "the race is this morning's (or yesterday's), every split in, and closed: the results states "
        "provisional and official arrive with another change. Unless a user 'organiser' exists, also "
        "creates the superuser organiser / ekiden-demo: for a local demo only, and only with DEBUG on "
        "(skip it with --no-user)."
    ) % {"teams": DEMO_TEAMS}

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-user",
            action="store_true",
            help=_("do not create the demo superuser 'organiser'"),
        )
        parser.add_argument(
            "--finished",
            action="store_true",
            help=_("load the race finished and closed, for printing the book and the certificates"),
        )

    @transaction.atomic
    def handle(self, *args, no_user, finished, **options):
        now = timezone.now()
        actor = Actor.command_line(doing="load_demo")
        existing = Race.objects.filter(slug=DEMO_SLUG).first()
        gun = self._gun(existing, now, finished=finished)
        reloaded = existing is not None and (existing.gun != gun or existing.is_closed != finished)
        if reloaded:
            # Another day's demo (or live where finished is wanted): loaded again, not moved, so
            # that its splits are the day's own. The demo's rows go with it.
            existing.delete()
        elif existing is not None and finished:
            # Its results are official: they take nothing more, and have every split already.
            self.stdout.write(_("Demo race %s is already loaded, finished; nothing changed.") % DEMO_SLUG)
            return
        demo = demo_race(gun=gun)
        race, _created = race_import(payload=demo.payload)
        entries = entries_import(race=race, raw=demo.entries_csv, filename="demo entries.csv", actor=actor)
        _give_captains_phones(race)
        added = demo_reads_stored(race=race, demo=demo, until=now, actor=actor)
        changed = demo_statuses_set(race=race, demo=demo, until=now, actor=actor)
        if finished:
            race_close_counting_dnf(race=race, official=True, actor=actor)

        self.stdout.write(
            _(
                "Demo race %(slug)s, %(state)s, gun %(gun)s: %(teams)d teams, %(runners)d runners "
                "(%(new_runners)d new), %(records)d timing records (%(new_records)d new), "
                "%(statuses)d statuses set; see /races/%(slug)s/."
            )
            % {
                "slug": race.slug,
                "state": _("finished") if finished else _("live"),
                "gun": race.local_time_label(race.gun),
                "teams": race.teams.count(),
                "runners": race.runners.count(),
                "new_runners": entries.runners_created,
                "records": TimingRecord.objects.filter(race=race).count(),
                "new_records": added,
                "statuses": changed,
            }
        )
        if not no_user:
            self._create_demo_user()

    @staticmethod
    def _gun(existing: Race | None, now: datetime, *, finished: bool) -> datetime:
        if finished:
            return finished_gun(now, demo_race(gun=live_gun(now)))
        today = now.astimezone(ZONE).date()
        if existing is not None and not existing.is_closed and existing.date == today and existing.gun <= now:
            return existing.gun  # live today already: the same race goes on
        return live_gun(now)

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


def _give_captains_phones(race: Race) -> None:
    """Made-up numbers (+60 11-0000 …, not in service) so race control's overdue list shows how
    a captain is called; entry files do not carry them, the admin's team form does."""
    teams = list(race.teams.filter(captain_phone=""))
    for team in teams:
        team.captain_phone = f"+60 11-0000 {int(team.bib) % 10000:04d}" if team.bib.isdigit() else ""
    Team.objects.bulk_update(teams, ["captain_phone"])
