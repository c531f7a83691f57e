"""Leg places within a category and the leg honours (区間賞, 区間新): worked by hand, then through
the race file's records, the race archive and the team page."""

import json
import shutil
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from races.models import Race
from races.services import race_import
from results.archive.exporting import race_archive_write
from results.standings.engine import StationResult, Status
from results.standings.leg_honours import CourseRecords, Record, category_leg_places, leg_honours
from results.standings.race_results import RunnerLeg, TeamResults
from results.standings.selectors import standings_for_race
from tests.commands import run, write
from tests.conftest import EXAMPLES
from tests.printing import load_mini_ekiden

MINUTE = 60_000


def team(
    bib: str, category: str, legs: list[tuple[int | None, int | None]], status=Status.FIN
) -> TeamResults:
    """A team from (leg time in minutes, overall leg place) per leg."""
    return TeamResults(
        bib=bib,
        name=f"Team {bib}",
        category=category,
        status=status,
        total_ms=None,
        rank=None,
        category_rank=None,
        legs=tuple(
            RunnerLeg(n, f"Runner {bib}.{n}", None if t is None else t * MINUTE, rank, False)
            for n, (t, rank) in enumerate(legs, 1)
        ),
        stations=(StationResult("FINISH", None, None),),
    )


# Leg 1 of six teams, worked on paper. Overall: 20 (1), 21 (2), 22 (3), 22 (3), 25 (5); 301 is
# disqualified (its 19 has no place). Mixed: 102 21 → 1, 104 22 → 2, 105 22 → 2 (shared), 106 25 → 4;
# 301's 19 does not count. Women: 101 20 → 1, 103 (no time) → no place.
HAND_WORKED = [
    team("101", "W", [(20, 1)]),
    team("102", "MX", [(21, 2)]),
    team("103", "W", [(None, None)]),
    team("104", "MX", [(22, 3)]),
    team("105", "MX", [(22, 3)]),
    team("106", "MX", [(25, 5)]),
    team("301", "MX", [(19, None)], status=Status.DQ),
]


class CategoryLegPlacesTest(SimpleTestCase):
    def test_the_places_of_the_mixed_category_on_leg_1_as_worked_by_hand(self):
        mixed = category_leg_places(t for t in HAND_WORKED if t.category == "MX")
        self.assertEqual(mixed, {("102", 1): 1, ("104", 1): 2, ("105", 1): 2, ("106", 1): 4})

    def test_a_leg_without_time_has_no_place_and_a_disqualified_team_none(self):
        women = category_leg_places(t for t in HAND_WORKED if t.category == "W")
        self.assertEqual(women, {("101", 1): 1})


class LegHonoursTest(SimpleTestCase):
    def test_the_leg_winner_is_the_fastest_of_all_placed_teams(self):
        honours = leg_honours(HAND_WORKED)
        winners = [t.bib for t in HAND_WORKED if honours.leg_winner(t, 1)]
        self.assertEqual(winners, ["101"])  # not 301: disqualified, its 19 minutes win nothing

    def test_each_category_has_its_own_leg_winner(self):
        honours = leg_honours(HAND_WORKED)
        self.assertEqual([t.bib for t in HAND_WORKED if honours.category_leg_winner(t, 1)], ["101", "102"])

    def test_a_new_record_is_faster_than_the_record_not_equal_to_it(self):
        records = CourseRecords(legs={1: Record(21 * MINUTE, "Aiko Tan", "KL Striders", 2019)})
        honours = leg_honours(HAND_WORKED, records)
        self.assertEqual(
            [t.bib for t in HAND_WORKED if honours.new_leg_record(t, 1)], ["101"]
        )  # 102 equals it


RECORDS = {
    "course": {"time": "1:40:00", "team": "KL Striders", "year": 2022},
    "legs": [
        {"leg": 1, "time": "0:30:00", "runner": "Aiko Tan", "team": "KL Striders", "year": 2019},
        {"leg": 2, "time": "0:20:00", "runner": "Siti Rahman", "year": 2021},
    ],
}


def mini_race_file(**changes) -> dict:
    payload = json.loads((EXAMPLES / "mini-ekiden" / "race.json").read_text(encoding="utf-8"))
    return {**payload, **changes}


class RaceFileRecordsTest(TestCase):
    def test_records_are_stored_in_milliseconds_and_kept_in_the_archive(self):
        race, _created = race_import(payload=mini_race_file(records=RECORDS))
        race.refresh_from_db()
        self.assertEqual(
            race.records,
            {
                "course": {"time_ms": 6_000_000, "team": "KL Striders", "year": 2022},
                "legs": [
                    {
                        "leg": 1,
                        "time_ms": 1_800_000,
                        "runner": "Aiko Tan",
                        "team": "KL Striders",
                        "year": 2019,
                    },
                    {"leg": 2, "time_ms": 1_200_000, "runner": "Siti Rahman", "year": 2021},
                ],
            },
        )
        archive = BytesIO()
        race_archive_write(race, archive)
        with zipfile.ZipFile(archive) as opened:
            race_json = json.loads(opened.read("race.json"))
        self.assertEqual(race_json["race"]["records"], race.records)

    def test_a_file_without_records_leaves_them_and_null_clears_them(self):
        race_import(payload=mini_race_file(records=RECORDS))
        race_import(payload=mini_race_file())
        self.assertEqual(len(Race.objects.get(slug="mini-ekiden").records["legs"]), 2)
        race_import(payload=mini_race_file(records=None))
        self.assertEqual(Race.objects.get(slug="mini-ekiden").records, {})

    def test_bad_records_are_refused_each_by_its_place_in_the_file_and_nothing_is_stored(self):
        bad = {
            "course": {"time": "fast"},
            "legs": [
                {"leg": 9, "time": "0:15:02"},
                {"leg": 1, "time": "15:02", "year": "2019"},
                {"leg": 2, "time": "0:15:02", "coach": "x"},
            ],
        }
        folder = Path(tempfile.mkdtemp(prefix="tasuki-records-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        outcome = run("import_race", write(folder, "race.json", json.dumps(mini_race_file(records=bad))))
        self.assertFalse(outcome.ok)
        problems = "\n".join(outcome.problems)
        for expected in (
            "records.course.time",
            "'fast' is not a time; write it as H:MM:SS",
            "records.legs[0].leg",
            "9 is not a leg of this course: a leg number from 1 to 4",
            "records.legs[1].time",
            "records.legs[1].year",
            "records.legs[2].coach",
        ):
            self.assertIn(expected, problems)
        self.assertFalse(Race.objects.filter(slug="mini-ekiden").exists())


class TeamPageBadgeTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()

    def test_the_leg_winner_and_a_new_leg_record_carry_a_badge(self):
        results = standings_for_race(self.race)
        winner = next(t for t in results.teams if t.legs[0].rank == 1)  # the day's fastest on leg 1
        slower = next(t for t in results.teams if t.legs[0].rank and t.legs[0].rank > 1)
        page = self.client.get(reverse("results:team", kwargs={"slug": self.race.slug, "bib": winner.bib}))
        self.assertContains(page, '<span class="honour">Leg winner</span>', count=1)
        self.assertNotContains(page, "New leg record")
        other = self.client.get(reverse("results:team", kwargs={"slug": self.race.slug, "bib": slower.bib}))
        self.assertNotContains(other, 'class="honour">Leg winner')

        record = {"legs": [{"leg": 1, "time_ms": winner.legs[0].time_ms + 1000, "runner": "Aiko Tan"}]}
        Race.objects.filter(pk=self.race.pk).update(records=record)
        self.race.bump_standings_version()
        page = self.client.get(reverse("results:team", kwargs={"slug": self.race.slug, "bib": winner.bib}))
        self.assertContains(page, '<span class="honour">New leg record</span>', count=1)
