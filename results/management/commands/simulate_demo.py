import os
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit import Actor
from races.command_line import ContractCommand
from races.models import Race
from races.problems import InputProblems
from results.simulation.demo import DEMO_SLUG, demo_race, last_read_at
from results.simulation.race import SimulatedRace
from results.timing.demo_feed import demo_reads_stored, demo_statuses_set


def embedded_mode() -> bool:
    """SQLite and no Redis: `make run` on a developer's machine, never a server."""
    return not settings.REDIS_URL and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


class DemoFeed:
    """The live demo's next reads, stored as the clock passes them (one `tick` at a time)."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.race_gun: tuple[int, datetime] | None = None
        self.demo: SimulatedRace | None = None
        self.fed_until: datetime | None = None

    def tick(self, now: datetime) -> tuple[int, bool]:
        """Store what is due by `now`; returns (reads added, whether the race goes on)."""
        race = Race.objects.filter(slug=DEMO_SLUG).first()
        if race is None or race.is_closed:
            return 0, False
        if self.race_gun != (race.pk, race.gun):  # first tick, or load_demo loaded it again
            self.race_gun, self.demo, self.fed_until = (race.pk, race.gun), demo_race(gun=race.gun), None
        added = demo_reads_stored(
            race=race, demo=self.demo, after=self.fed_until, until=now, actor=self.actor
        )
        demo_statuses_set(race=race, demo=self.demo, until=now, actor=self.actor)
        self.fed_until = now
        return added, now < last_read_at(self.demo)


class Command(ContractCommand):
    help = _(
        "Embedded mode only (make run starts it beside runserver): store the live demo race's next "
        "splits through the timing services as the clock passes them; it waits while the race is over "
        "or closed, and stops with the process that started it. Refused with DATABASE_URL or REDIS_URL set (production mode)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=5.0, help=_("seconds between two looks at the clock (default 5)")
        )
        parser.add_argument("--once", action="store_true", help=_("store what is due now, then stop"))

    def handle(self, *args, every, once, **options):
        if not embedded_mode():
            raise CommandError(
                _(
                    "simulate_demo runs in embedded mode only (make run): DATABASE_URL or REDIS_URL is "
                    "set, so this is production mode, where only real devices store splits."
                ),
                returncode=2,
            )
        if every <= 0:
            raise CommandError(_("--every: give a number of seconds above 0, e.g. --every 5."), returncode=2)
        feed = DemoFeed(Actor.command_line(doing="simulate_demo"))
        parent, idle = os.getppid(), False
        while True:
            try:
                added, going_on = feed.tick(timezone.now())
            except (DatabaseError, InputProblems) as problem:
                # The database busy with the server, or a split refused: said, and tried again.
                self.stderr.write(_("demo splits not stored this time: %s") % problem)
                added, going_on = 0, True
            if added:
                self.stdout.write(ngettext("demo: %d new split", "demo: %d new splits", added) % added)
            if not going_on and not idle:
                # It waits: load_demo may load the race live again while the server runs.
                self.stdout.write(_("The demo race is over or closed: no more splits to store for now."))
            idle = not going_on
            if once or os.getppid() != parent:  # stops with the `make run` that started it
                return
            time.sleep(every)
