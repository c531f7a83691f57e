"""The demo race live today (load_demo), its splits arriving as the clock passes them
(simulate_demo), and the finished demo (load_demo --finished), all with a frozen clock."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from unittest import mock, skipUnless

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max, Min
from django.test import SimpleTestCase, TestCase, override_settings

from races.audit import Actor
from races.models import Race, Team
from results.management.commands.simulate_demo import DemoFeed
from results.simulation.demo import DEMO_SLUG, demo_race, live_gun, read_at, reads_due, statuses_due
from results.standings.feed import compute_results
from results.timing import services as timing_services
from results.timing.models import TimingRecord
from tests.test_demo import KL, NOW, frozen_clock, row_counts


def load_demo(*args: str, now: datetime = NOW) -> str:
    out = StringIO()
    with frozen_clock(now):
        call_command("load_demo", "--no-user", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def stored_times(race: Race) -> list[datetime]:
    return list(TimingRecord.objects.filter(race=race).values_list("at", flat=True))


class LiveGunTests(SimpleTestCase):
    def test_the_gun_is_an_hour_before_now_to_the_minute_in_kuala_lumpur(self):
        self.assertEqual(
            live_gun(datetime(2026, 3, 14, 1, 59, 48, tzinfo=KL)), datetime(2026, 3, 14, 0, 59, tzinfo=KL)
        )
        # 18:30 UTC is 02:30 the next day in Kuala Lumpur: the race is dated there.
        self.assertEqual(
            live_gun(datetime(2026, 3, 13, 18, 30, tzinfo=UTC)), datetime(2026, 3, 14, 1, 30, tzinfo=KL)
        )

    def test_just_after_midnight_the_race_started_at_midnight_today(self):
        self.assertEqual(
            live_gun(datetime(2026, 3, 14, 0, 20, tzinfo=KL)), datetime(2026, 3, 14, 0, 0, tzinfo=KL)
        )

    def test_a_read_after_midnight_carries_its_date(self):
        gun = datetime(2026, 3, 14, 23, 0, tzinfo=KL)
        moments = [read_at(row, gun.date()) for row in demo_race(gun=gun).timing]
        # A time of day after midnight would be read on the race date, before the gun.
        self.assertGreaterEqual(min(moments), gun)
        self.assertTrue(any(moment.astimezone(KL).date() == date(2026, 3, 15) for moment in moments))


class StatusesDueTests(SimpleTestCase):
    def test_a_team_is_given_up_once_its_last_split_is_past(self):
        gun = datetime(2026, 3, 14, 9, 0, tzinfo=KL)
        demo = demo_race(gun=gun)
        at_the_gun = {decision.status for decision in statuses_due(demo, until=gun)}
        self.assertEqual(at_the_gun, {"DNS", "DQ"})
        (given_up,) = [decision for decision in demo.statuses if decision.status == "DNF"]
        team_bibs = {row["runner_bib"]: row["team_bib"] for row in demo.entries}
        team_bibs |= {row["chip_id"]: row["team_bib"] for row in demo.entries}
        last = max(
            read_at(row, gun.date())
            for row in demo.timing
            if team_bibs.get(row["bib"], row["bib"]) == given_up.bib
        )
        self.assertNotIn(given_up, list(statuses_due(demo, until=last - timedelta(seconds=1))))
        self.assertIn(given_up, list(statuses_due(demo, until=last)))


class LiveDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = load_demo()
        cls.race = Race.objects.get(slug=DEMO_SLUG)

    def test_the_race_is_today_in_kuala_lumpur_with_the_gun_an_hour_ago(self):
        self.assertEqual((self.race.date, self.race.timezone), (date(2026, 3, 14), "Asia/Kuala_Lumpur"))
        self.assertEqual(self.race.gun, datetime(2026, 3, 14, 9, 0, tzinfo=KL))
        self.assertFalse(self.race.is_closed)
        self.assertIn("live", self.output)

    def test_an_hour_of_splits_none_later_than_now(self):
        times = TimingRecord.objects.filter(race=self.race).aggregate(first=Min("at"), last=Max("at"))
        self.assertGreater(times["first"], self.race.gun)
        self.assertLessEqual(times["last"], NOW)
        self.assertGreater(times["last"], NOW - timedelta(minutes=2), "the splits stop well before now")
        reached = set(TimingRecord.objects.filter(race=self.race).values_list("station__code", flat=True))
        self.assertEqual(reached, {"R1", "CP1", "R2"}, "an hour in, the leaders are on leg 3")

    def test_teams_are_on_the_course_and_none_home(self):
        statuses = Counter(team.status for team in compute_results(self.race).teams)
        self.assertEqual(statuses["FIN"], 0)
        self.assertGreater(statuses["RUN"], 290)

    def test_a_second_load_the_same_day_changes_nothing(self):
        before, gun = row_counts(), self.race.gun
        output = load_demo(now=NOW + timedelta(seconds=1))
        self.assertEqual(row_counts(), before)
        self.assertEqual(Race.objects.get(slug=DEMO_SLUG).gun, gun)
        self.assertIn("(0 new)", output)
        self.assertIn("0 statuses set", output)

    def test_later_the_same_day_the_race_goes_on_with_the_splits_due_since(self):
        before, later = row_counts(), NOW + timedelta(minutes=10)
        load_demo(now=later)
        race = Race.objects.get(slug=DEMO_SLUG)
        self.assertEqual((race.pk, race.gun), (self.race.pk, self.race.gun))
        after = row_counts()
        self.assertEqual((after["Team"], after["Runner"]), (before["Team"], before["Runner"]))
        self.assertGreater(after["TimingRecord"], before["TimingRecord"])
        self.assertLessEqual(max(stored_times(race)), later)

    def test_a_later_day_moves_the_race_to_that_day_without_doubling_anything(self):
        before = row_counts()
        next_day = NOW + timedelta(days=3)
        load_demo(now=next_day)
        race = Race.objects.get(slug=DEMO_SLUG)
        self.assertEqual((race.date, race.gun), (date(2026, 3, 17), datetime(2026, 3, 17, 9, 0, tzinfo=KL)))
        after = row_counts()
        for model in ("Race", "Team", "Runner", "TimingRecord"):
            self.assertEqual(after[model], before[model], model)
        self.assertLessEqual(max(stored_times(race)), next_day)
        self.assertGreater(min(stored_times(race)), race.gun)

    def test_the_keypad_takes_a_tap_at_now(self):
        with frozen_clock(NOW + timedelta(seconds=30)):
            record, created = timing_services.timing_record_create(
                race=self.race, bib="101", station="R3", time="10:00:20", source="tablet"
            )
        self.assertTrue(created)
        self.assertEqual(record.at, datetime(2026, 3, 14, 10, 0, 20, tzinfo=KL))


class DemoFeedTests(TestCase):
    """simulate_demo's tick: the next due splits, through the timing services, never a future one."""

    @classmethod
    def setUpTestData(cls):
        load_demo()
        cls.race = Race.objects.get(slug=DEMO_SLUG)
        cls.demo = demo_race(gun=cls.race.gun)

    def tick(self, feed: DemoFeed, now: datetime) -> tuple[int, bool]:
        with frozen_clock(now):
            return feed.tick(now)

    def test_a_tick_stores_the_splits_due_since_and_none_later(self):
        later = NOW + timedelta(minutes=3)
        feed = DemoFeed(Actor.command_line(doing="simulate_demo"))
        self.tick(feed, NOW)  # catches up: everything is stored already
        with mock.patch(
            "results.timing.demo_feed.timing_record_create", wraps=timing_services.timing_record_create
        ) as create:
            added, going_on = self.tick(feed, later)
        due = reads_due(self.demo, after=NOW, until=later)
        self.assertTrue(going_on)
        self.assertGreater(added, 10)
        self.assertEqual(create.call_count, len(due))
        new = {at for at in stored_times(self.race) if at > NOW}
        self.assertEqual(new, {read_at(row, self.race.date) for row in due})
        self.assertLessEqual(max(new), later)

    def test_the_same_moment_again_adds_nothing(self):
        feed = DemoFeed(Actor.command_line(doing="simulate_demo"))
        self.tick(feed, NOW + timedelta(minutes=1))
        before = row_counts()
        self.assertEqual(self.tick(feed, NOW + timedelta(minutes=1))[0], 0)
        self.assertEqual(DemoFeed(Actor.command_line(doing="again")).tick(NOW + timedelta(minutes=1))[0], 0)
        self.assertEqual(row_counts(), before)

    def test_it_stops_after_the_last_split_with_every_team_through(self):
        feed = DemoFeed(Actor.command_line(doing="simulate_demo"))
        added, going_on = self.tick(feed, NOW + timedelta(hours=3))
        self.assertFalse(going_on)
        self.assertGreater(added, 500)
        self.assertGreater(Counter(t.status for t in compute_results(self.race).teams)["FIN"], 280)

    def test_a_closed_race_gets_no_more_splits(self):
        Race.objects.filter(pk=self.race.pk).update(is_closed=True)
        before = row_counts()
        self.assertEqual(
            self.tick(DemoFeed(Actor.command_line(doing="x")), NOW + timedelta(minutes=5)), (0, False)
        )
        self.assertEqual(row_counts(), before)

    @skipUnless(connection.vendor == "sqlite", "simulate_demo runs in embedded mode only")
    def test_the_command_stores_what_is_due_once(self):
        out = StringIO()
        with frozen_clock(NOW + timedelta(minutes=2)):
            call_command("simulate_demo", "--once", stdout=out, stderr=StringIO())
        self.assertRegex(out.getvalue(), r"demo: \d+ new splits")
        self.assertLessEqual(max(stored_times(self.race)), NOW + timedelta(minutes=2))

    @override_settings(REDIS_URL="redis://127.0.0.1:6379/11")
    def test_production_mode_refuses_it_and_stores_nothing(self):
        before = row_counts()
        with (
            frozen_clock(NOW + timedelta(minutes=5)),
            self.assertRaisesMessage(CommandError, "embedded mode only"),
        ):
            call_command("simulate_demo", "--once", stdout=StringIO(), stderr=StringIO())
        self.assertEqual(row_counts(), before)


class WhereTheFeederRunsTests(SimpleTestCase):
    """`make run` starts simulate_demo beside runserver; `make test`, `make serve` and the
    Procfile never do."""

    def test_only_make_run_starts_it(self):
        root = Path(__file__).resolve().parent.parent
        targets: dict[str, str] = {}
        name = ""
        for line in (root / "Makefile").read_text().splitlines():
            if line and not line[0].isspace() and ":" in line and not line.startswith((".", "#")):
                name = line.split(":")[0]
            elif line.startswith("\t") and name:
                targets[name] = targets.get(name, "") + line
        self.assertIn("simulate_demo &", targets["run"])
        self.assertIn("runserver", targets["run"])
        for target in ("test", "serve", "loadtest", "bench"):
            self.assertNotIn("simulate_demo", targets[target], target)
        self.assertNotIn("simulate_demo", (root / "Procfile").read_text())


class FinishedDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = load_demo("--finished")
        cls.race = Race.objects.get(slug=DEMO_SLUG)
        cls.results = compute_results(cls.race)

    def test_it_is_this_mornings_race_closed_with_every_split_in(self):
        self.assertTrue(self.race.is_closed)
        self.assertEqual(self.race.gun, datetime(2026, 3, 14, 6, 30, tzinfo=KL))
        self.assertLessEqual(max(stored_times(self.race)), NOW)
        self.assertIn("finished", self.output)
        statuses = Counter(t.status for t in self.results.teams)
        self.assertEqual(set(statuses), {"FIN", "DNF", "DNS", "DQ"})
        self.assertGreater(statuses["FIN"], 280)

    def test_before_the_race_is_over_it_is_yesterdays(self):
        load_demo("--finished", now=datetime(2026, 3, 15, 7, 0, tzinfo=KL))
        race = Race.objects.get(slug=DEMO_SLUG)
        self.assertEqual((race.date, race.is_closed), (date(2026, 3, 14), True))
        self.assertEqual(Team.objects.count(), 300)

    def test_live_after_finished_loads_it_live_again(self):
        load_demo()
        race = Race.objects.get(slug=DEMO_SLUG)
        self.assertFalse(race.is_closed)
        self.assertEqual(race.gun, datetime(2026, 3, 14, 9, 0, tzinfo=KL))
        self.assertLessEqual(max(stored_times(race)), NOW)

    def test_slow_teams_get_a_carry_over_start(self):
        carried = [t.bib for t in self.results.teams if any(leg.kuriage for leg in t.legs)]
        self.assertGreater(len(carried), 0)
        self.assertLess(len(carried), 60, "kuriage should be for the slow few, not the field")

    def test_a_missed_split_is_bridged_by_the_next_station(self):
        bridged = [
            t.bib
            for t in self.results.teams
            if t.status == "FIN"
            and any(
                here.cumulative_ms is None and after.cumulative_ms is not None
                for here, after in zip(t.stations, t.stations[1:], strict=False)
            )
        ]
        self.assertTrue(bridged)
