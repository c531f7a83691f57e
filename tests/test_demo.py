"""load_demo: the ALEPS EKIDEN demo race, loaded through the organisers' own import services."""

import csv
import io
from collections import Counter
from datetime import datetime
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase, override_settings

from races import services as race_services
from races.eligibility import CategoryRules, RunnerFacts, eligibility_problems
from races.models import AuditEntry, Race, Runner, Team
from results.simulation.demo import DEMO_SLUG, DEMO_TEAMS, demo_race
from results.standings.feed import compute_results
from results.timing import services as timing_services
from results.timing.models import TimingRecord

COMMAND = "results.management.commands.load_demo"
FEED = "results.timing.demo_feed"
KL = ZoneInfo("Asia/Kuala_Lumpur")
#: 'Now' in the tests that load the demo: a Saturday morning in Kuala Lumpur.
NOW = datetime(2026, 3, 14, 10, 0, tzinfo=KL)


def frozen_clock(now: datetime = NOW):
    return mock.patch("django.utils.timezone.now", return_value=now)


def load_demo(*args: str, stderr: StringIO | None = None) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Race, Team, Runner, TimingRecord, AuditEntry)}


class DemoFilesTests(SimpleTestCase):
    """The generator alone: the files an organiser would hand in, the same every time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = demo_race()
        cls.reads = list(csv.DictReader(io.StringIO(cls.demo.timing_csv.decode("utf-8"))))
        cls.entries = list(csv.DictReader(io.StringIO(cls.demo.entries_csv.decode("utf-8-sig"))))

    def test_the_same_seed_gives_the_same_files(self):
        again = demo_race()
        self.assertEqual(again.payload, self.demo.payload)
        self.assertEqual(again.entries_csv, self.demo.entries_csv)
        self.assertEqual(again.timing_csv, self.demo.timing_csv)
        self.assertEqual(again.statuses, self.demo.statuses)

    def test_runners_carry_unique_chips_and_names_from_all_four_communities(self):
        chips = [row["chip_id"] for row in self.entries]
        self.assertEqual(len(chips), len(set(chips)))
        names = " ".join(row["runner_name"] for row in self.entries)
        for mark in (" bin ", " binti ", " a/l ", " d/o ", "李", "佐藤", "Tan "):
            self.assertIn(mark, names)
        self.assertLessEqual({"MY", "JP", "SG", "IN"}, {row["nationality"] for row in self.entries})

    def test_timing_reads_come_from_chips_and_tablets_by_every_kind_of_bib(self):
        bibs = {row["bib"] for row in self.reads}
        self.assertTrue(bibs & {row["team_bib"] for row in self.entries})
        self.assertTrue(bibs & {row["runner_bib"] for row in self.entries})
        self.assertTrue(bibs & {row["chip_id"] for row in self.entries})
        self.assertEqual({row["source"] for row in self.reads}, {"chip", "tablet", ""})
        times = [row["time"] for row in self.reads]
        self.assertTrue(any(t.endswith("Z") for t in times))
        self.assertTrue(any(t.endswith("+08:00") for t in times))
        self.assertTrue(any(len(t) == len("07:01:02.345") for t in times))
        self.assertTrue(any(len(t) == len("07:01:02") for t in times))

    def test_a_reader_resends_reads_and_reads_a_chip_twice(self):
        read_ids = Counter(row["read_id"] for row in self.reads if row["read_id"])
        self.assertTrue(any(n > 1 for n in read_ids.values()), "no read re-sent with its read_id")
        chip_passes = Counter((row["bib"], row["station"]) for row in self.reads if row["source"] == "chip")
        twice = [key for key, n in chip_passes.items() if n > 1]
        self.assertTrue(
            any(len({r["read_id"] for r in self.reads if (r["bib"], r["station"]) == k}) > 1 for k in twice),
            "no chip read a second time under a new read_id",
        )


@override_settings(DEBUG=True)  # a developer's machine: the demo login is created
class LoadDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with (
            mock.patch(f"{COMMAND}.race_import", wraps=race_services.race_import) as race_import,
            mock.patch(f"{COMMAND}.entries_import", wraps=race_services.entries_import) as entries_import,
            mock.patch(f"{FEED}.timing_import", wraps=timing_services.timing_import) as timing_import,
            mock.patch(f"{FEED}.team_status_set", wraps=race_services.team_status_set) as status_set,
            frozen_clock(),
        ):
            cls.output = load_demo()
        cls.service_calls = {
            "race_import": race_import.call_count,
            "entries_import": entries_import.call_count,
            "timing_import": timing_import.call_count,
            "team_status_set": status_set.call_count,
        }
        cls.race = Race.objects.get(slug=DEMO_SLUG)
        cls.results = compute_results(cls.race)

    def setUp(self):
        cache.clear()
        clock = frozen_clock()
        clock.start()
        self.addCleanup(clock.stop)

    def test_the_demo_goes_through_the_import_services(self):
        # The splits so far as one file; the withdrawal, the disqualification and the team given
        # up at 09:4x (the others are still running) as the officials set them.
        self.assertEqual(
            self.service_calls,
            {"race_import": 1, "entries_import": 1, "timing_import": 1, "team_status_set": 3},
        )

    def test_the_race_is_the_aleps_half_marathon_still_open(self):
        race = self.race
        self.assertEqual(race.name, "ALEPS EKIDEN Half Marathon (demo)")
        self.assertEqual((race.date.isoformat(), race.timezone), ("2026-03-14", "Asia/Kuala_Lumpur"))
        self.assertEqual(race.kuriage_minutes, 20)
        self.assertFalse(race.is_closed)
        self.assertEqual([s.code for s in race.course], ["START", "R1", "CP1", "R2", "R3", "FINISH"])
        self.assertEqual(len(race.legs), 4)
        self.assertEqual(race.stations.get(code="R1").kuriage_minutes, 15)

    def test_the_demo_teams_of_four_in_the_four_categories(self):
        per_category = Counter(self.race.teams.values_list("category__code", flat=True))
        self.assertEqual(set(per_category), {"MO", "WO", "MX", "MXS"})
        self.assertTrue(all(n >= 20 for n in per_category.values()), per_category)
        self.assertEqual(sum(per_category.values()), DEMO_TEAMS)
        self.assertEqual(self.race.runners.count(), 4 * DEMO_TEAMS)

    def test_every_captain_has_a_made_up_phone_for_race_control(self):
        phones = list(self.race.teams.values_list("captain_phone", flat=True))
        self.assertTrue(all(phone.startswith("+60 11-0000 ") for phone in phones), phones[:3])
        self.assertEqual(len(set(phones)), len(phones))

    def test_every_team_is_eligible_for_its_category(self):
        teams = self.race.teams.select_related("category").prefetch_related("runners")
        problems = [
            problem
            for team in teams
            for problem in eligibility_problems(
                CategoryRules.of(team.category),
                [RunnerFacts(r.leg, r.name, r.gender, r.birth_date) for r in team.runners.all()],
                self.race.date,
            )
        ]
        self.assertEqual(problems, [])

    def test_the_standings_show_running_and_officially_stopped_teams_and_none_home_yet(self):
        statuses = Counter(t.status for t in self.results.teams)
        self.assertEqual(set(statuses), {"RUN", "DNF", "DNS", "DQ"})
        self.assertEqual((statuses["DNS"], statuses["DQ"], statuses["DNF"]), (2, 1, 1))
        self.assertGreater(statuses["RUN"], 290)
        dq = self.race.teams.get(official_status="DQ")
        self.assertTrue(dq.status_reason)

    def test_running_it_again_changes_nothing(self):
        before = row_counts()
        output = load_demo()
        self.assertEqual(row_counts(), before)
        self.assertIn("(0 new)", output)
        self.assertIn("0 statuses set", output)

    def test_it_prints_a_summary_and_the_demo_login_once(self):
        lines = self.output.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn(f"{DEMO_TEAMS} teams", lines[0])
        self.assertIn("organiser / ekiden-demo", lines[1])
        organiser = get_user_model().objects.get(username="organiser")
        self.assertTrue(organiser.is_staff and organiser.is_superuser)
        self.assertTrue(organiser.check_password("ekiden-demo"))
        self.assertNotIn("ekiden-demo", load_demo())

    def test_an_existing_organiser_keeps_their_password(self):
        organiser = get_user_model().objects.get(username="organiser")
        organiser.set_password("a better one")
        organiser.save()
        load_demo()
        organiser.refresh_from_db()
        self.assertTrue(organiser.check_password("a better one"))


class LoadDemoWithoutUserTests(TestCase):
    def setUp(self):
        cache.clear()

    def test_no_user_leaves_the_users_alone(self):
        output = load_demo("--no-user")
        self.assertFalse(get_user_model().objects.exists())
        self.assertEqual(len(output.splitlines()), 1)


@override_settings(DEBUG=False)
class LoadDemoOnAServerTests(TestCase):
    """With DEBUG off the site may be reachable by others: no login with a published password."""

    def setUp(self):
        cache.clear()

    def test_the_race_is_loaded_and_the_login_refused_with_one_line_why(self):
        errors = StringIO()
        output = load_demo(stderr=errors)  # returns: the command succeeds (exit status 0)
        self.assertIn(f"{DEMO_TEAMS} teams", output)
        self.assertNotIn("ekiden-demo", output)
        self.assertEqual(Race.objects.get(slug=DEMO_SLUG).teams.count(), DEMO_TEAMS)
        self.assertFalse(get_user_model().objects.exists())
        self.assertEqual(
            errors.getvalue().splitlines(),
            [
                "Demo login not created: DEBUG is off, so this may be a server others can reach, and the "
                "demo password is published. Create an organiser with createsuperuser, or pass --no-user."
            ],
        )
