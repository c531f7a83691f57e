"""The families' phone (issue 24): what the public pages say before the gun, on the course and
at a tie; the clubs' embed and the only page that may be framed; the favicon; the chips."""

import json
import time
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from ekiden import memo
from races.audit import Actor
from races.services import entries_import, gun_set, race_close, race_import, team_status_set
from results.publishing.search import what_matched
from results.standings.selectors import TEAM_PROJECTION_LAG_SECONDS
from results.timing.services import timing_import
from tests.test_live_pages import listed_team
from tests.test_pages import RACE, build_hand_race, entries_csv

KL = ZoneInfo("Asia/Kuala_Lumpur")


def on_race_day(clock: str) -> datetime:
    """The hand race's day (23 November 2025) at this time on Kuala Lumpur's clock."""
    return datetime.fromisoformat(f"2025-11-23T{clock}").replace(tzinfo=KL)


def fresh():
    cache.clear()
    memo.forget_all()


def upcoming_race():
    """The hand race's teams, registered for a race on 6 April 2027 at 06:30 (Kuala Lumpur)."""
    race, _ = race_import(payload={**RACE, "slug": "april", "name": "April race", "date": "2027-04-06"})
    entries_import(race=race, raw=entries_csv(), filename="entries.csv")
    return race


class UpcomingRaceTest(TestCase):
    """Before the gun, a family opens the race their daughter runs next April."""

    @classmethod
    def setUpTestData(cls):
        cls.race = upcoming_race()

    def setUp(self):
        fresh()

    def test_the_page_is_a_start_list_by_category_with_the_runners_and_no_status(self):
        body = self.client.get("/races/april/").content.decode()
        self.assertIn("Start list", body)
        for category in ("Mixed", "Mixed Senior", "Men"):
            self.assertIn(f"{category} <span", body)
        self.assertIn("Harimau Striders", body)
        self.assertIn("Siti Aminah", body)  # 103's first runner
        self.assertIn("Runner 106.3", body)
        self.assertNotIn("DNS", body)
        self.assertNotIn('class="badge', body)
        self.assertLess(body.index("Harimau Striders"), body.index("Mixed Senior <span"))

    def test_the_header_says_when_it_starts_on_the_race_s_clock_and_not_live(self):
        body = self.client.get("/races/april/").content.decode()
        self.assertIn("Starts 6 April, 06:30", body)
        self.assertNotIn("Live", body)
        self.assertNotIn("updated", body)

    def test_a_team_page_says_starts_and_not_did_not_start(self):
        body = self.client.get(
            reverse("results:team", kwargs={"slug": "april", "bib": "101"})
        ).content.decode()
        self.assertIn("<dd>Starts 6 April, 06:30</dd>", body)
        self.assertNotIn("Did not start", body)
        self.assertNotIn("Live", body)
        self.assertIn("Runner 101.2", body)  # who runs which leg

    def test_at_the_gun_the_same_address_becomes_the_live_standings(self):
        before = self.client.get("/races/april/")
        after_gun = datetime(2027, 4, 6, 6, 31, tzinfo=KL)
        with mock.patch("django.utils.timezone.now", return_value=after_gun):
            after = self.client.get("/races/april/", HTTP_IF_NONE_MATCH=before["ETag"])
        self.assertEqual(after.status_code, 200)  # not a 304 of the start list
        body = after.content.decode()
        self.assertIn("Live", body)
        self.assertNotIn("Start list", body)


class JustAfterTheGunTest(TestCase):
    """Ten minutes after the gun nobody has reached R1: every team is out on leg 1. Rule 6 calls
    a team with no split DNS, and the exports say so; a family's page says it is on the course
    until a split or an official says otherwise."""

    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload={**RACE, "slug": "early"})
        entries_import(race=cls.race, raw=entries_csv(), filename="entries.csv")
        team_status_set(race=cls.race, bib="107", status="DNS", reason="ill", actor=Actor("olivia"))

    def setUp(self):
        fresh()

    def get(self, path: str, clock: str = "06:40:00"):
        with mock.patch("django.utils.timezone.now", return_value=on_race_day(clock).astimezone(UTC)):
            return self.client.get(path)

    def test_the_standings_show_every_team_on_the_course_but_the_one_an_official_called_dns(self):
        table = self.get("/races/early/").context["table"]
        badges = {row.record.team.bib: table.render_name(None, row.record) for row in table.paginated_rows}
        assert len(badges) == 7
        for bib, cell in badges.items():
            with self.subTest(bib=bib):
                if bib == "107":
                    assert 'class="badge badge-dns" title="Did not start">DNS<' in cell
                else:
                    assert 'class="badge badge-run" title="On the course: no split yet">RUN<' in cell

    def test_a_team_page_says_on_the_course_and_not_did_not_start(self):
        body = self.get("/races/early/teams/101/").content.decode()
        assert "<dd>On the course: no split yet</dd>" in body
        assert "Did not start" not in body
        assert "<dd>Did not start</dd>" in self.get("/races/early/teams/107/").content.decode()

    def test_the_export_keeps_rule_6(self):
        document = json.loads(self.get("/api/v1/races/early/results").content)
        assert {team["bib"]: team["status"] for team in document["teams"]}["101"] == "DNS"

    def test_once_closed_a_team_never_seen_did_not_start(self):
        race_close(race=self.race, actor=Actor("olivia"))
        body = self.get("/races/early/teams/101/", clock="10:00:00").content.decode()
        assert "<dd>Did not start</dd>" in body


class TeamOnTheCourseTest(TestCase):
    """A team still out says where and when race control expects it next."""

    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()

    def setUp(self):
        fresh()

    def team_page(self, at: datetime, **headers):
        with mock.patch("django.utils.timezone.now", return_value=at.astimezone(UTC)):
            return self.client.get(reverse("results:team", kwargs={"slug": "hand", "bib": "107"}), **headers)

    def test_expected_at_the_next_station_from_race_control_s_projection(self):
        # 107: R1 at 07:02, 32 minutes for 5 km from the 06:30 gun; R2 is 5 km further.
        for moment in ("07:20:00", "07:34:59"):
            with self.subTest(now=moment):
                body = self.team_page(on_race_day(moment)).content.decode()
                self.assertIn("Expected at R2 about 07:34</strong>", body)
                self.assertNotIn("not recorded there yet", body)

    def test_once_the_expected_minute_has_passed_it_says_not_recorded_yet(self):
        before = self.team_page(on_race_day("07:20:00"))
        after = self.team_page(on_race_day("07:35:00"), HTTP_IF_NONE_MATCH=before["ETag"])
        self.assertEqual(after.status_code, 200, "the cached page is not kept past its minute")
        self.assertIn("Expected at R2 about 07:34: not recorded there yet", after.content.decode())

    def test_after_a_gun_correction_the_forecast_follows_within_half_a_minute(self):
        assert "Expected at R2 about 07:34<" in self.team_page(on_race_day("07:20:00")).content.decode()
        gun_set(
            race=self.race, at=self.race.gun + timedelta(minutes=5), reason="late start", actor=Actor("o")
        )
        # 107 ran 5 km in 27 minutes from the new gun: due at R2 at 07:29. The team page reads
        # race control's projections at most 30 s behind (TEAM_PROJECTION_LAG_SECONDS).
        real_time = time.time
        with mock.patch("time.time", lambda: real_time() + TEAM_PROJECTION_LAG_SECONDS):
            body = self.team_page(on_race_day("07:21:00")).content.decode()
        assert "Expected at R2 about 07:29<" in body

    def test_a_finished_team_or_one_out_of_the_race_is_expected_nowhere(self):
        for bib in ("101", "105"):  # finished, disqualified
            with self.subTest(bib=bib):
                body = self.client.get(reverse("results:team", kwargs={"slug": "hand", "bib": bib})).content
                self.assertNotIn(b"Expected at", body)

    def test_a_team_never_seen_is_expected_at_the_first_station_until_an_official_calls_it_dns(self):
        # 104 has no split at all; the others reached R1 after 30 to 32 minutes.
        page = self.client.get(
            reverse("results:team", kwargs={"slug": "hand", "bib": "104"})
        ).content.decode()
        assert "<dd>On the course: no split yet</dd>" in page
        assert "Expected at R1 about " in page and "not recorded there yet" in page
        team_status_set(
            race=self.race, bib="104", status="DNS", reason="never started", actor=Actor("olivia")
        )
        fresh()
        page = self.client.get(
            reverse("results:team", kwargs={"slug": "hand", "bib": "104"})
        ).content.decode()
        assert "<dd>Did not start</dd>" in page and "Expected at" not in page


class SameSecondTest(TestCase):
    """Two teams 0.8 s apart at the finish: both show 1:10:01, and the second is "+0:00"."""

    @classmethod
    def setUpTestData(cls):
        race, _ = race_import(payload={**RACE, "slug": "tie"})
        entries_import(race=race, raw=entries_csv(), filename="entries.csv")
        timing = ["bib,station,time"]
        for bib, finish in (("101", "07:40:00.100"), ("102", "07:40:00.900")):
            timing += [f"{bib},R1,06:50:00", f"{bib},R2,07:10:00", f"{bib},FINISH,{finish}"]
        timing_import(race=race, raw=("\n".join(timing) + "\n").encode(), filename="timing.csv")
        for bib in ("103", "104", "105", "106", "107"):
            team_status_set(race=race, bib=bib, status="DNS", reason="", actor=Actor("olivia"))

    def setUp(self):
        fresh()

    def test_the_standings_show_plus_zero_for_the_second_team(self):
        table = self.client.get("/races/tie/").context["table"]
        self.assertEqual(
            [(r.record.team.bib, r.record.gap) for r in table.paginated_rows[:2]],
            [("101", ""), ("102", "+0:00")],
        )

    def test_the_team_page_shows_plus_zero_to_the_leader_and_to_the_team_ahead(self):
        body = self.client.get(reverse("results:team", kwargs={"slug": "tie", "bib": "102"})).content.decode()
        self.assertIn("<dd>+0:00 <span", body)
        self.assertNotIn("leading", body)


class EmbedTest(TestCase):
    """A club shows the standings on its own site, in an iframe."""

    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()

    def setUp(self):
        fresh()

    def test_the_embed_is_the_table_alone_with_the_same_filters(self):
        response = self.client.get("/races/hand/embed/", {"category": "MX"})
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn("<table", body)
        self.assertNotIn("<details", body)  # no filter, no language switch
        self.assertNotIn('<header class="site"', body)
        self.assertEqual(
            [row.record.team.bib for row in response.context["table"].paginated_rows], ["101", "102", "107"]
        )
        # A team's link opens the full site in a new tab: the site itself may not be framed.
        self.assertIn('href="/races/hand/teams/101/" target="_blank" rel="noopener"', body)

    def test_only_the_embed_may_be_framed(self):
        embed = self.client.get("/races/hand/embed/")
        self.assertNotIn("X-Frame-Options", embed)
        self.assertEqual(embed["Content-Security-Policy"], "frame-ancestors *")
        again = self.client.get("/races/hand/embed/", HTTP_IF_NONE_MATCH=embed["ETag"])
        self.assertEqual(again.status_code, 304)
        self.assertNotIn("X-Frame-Options", again)
        for path in ("/", "/races/hand/", "/races/hand/teams/101/", "/officials/", "/admin/login/"):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response["X-Frame-Options"], "DENY")
                self.assertNotIn("Content-Security-Policy", response)

    def test_an_unknown_race_s_embed_is_not_found(self):
        self.assertEqual(self.client.get("/races/nope/embed/").status_code, 404)


class PageDetailsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()

    def setUp(self):
        fresh()

    def test_the_favicon_is_served(self):
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/vnd.microsoft.icon")
        self.assertEqual(response.content[:4], b"\x00\x00\x01\x00")  # an ICO file
        self.assertIn('rel="icon"', self.client.get("/races/hand/").content.decode())

    def test_the_chips_keep_the_search(self):
        body = self.client.get("/races/hand/", {"q": "runner", "leg": "2"}).content.decode()
        self.assertIn('href="?leg=2&amp;q=runner"', body)  # All categories
        self.assertIn('href="?category=MX&amp;leg=2&amp;q=runner"', body)
        self.assertIn('href="?q=runner"', body)  # Total
        self.assertIn('href="?station=R1&amp;q=runner"', body)

    def test_a_station_named_after_its_distance_is_not_told_it_twice(self):
        race, _ = race_import(
            payload={
                **RACE,
                "slug": "cp",
                "stations": [
                    {"code": "START", "name": "Start", "km": 0},
                    {"code": "R1", "name": "Relay 1", "km": 5},
                    {"code": "CP1", "name": "Checkpoint 7.5 km", "km": 7.5, "handoff": False},
                    {"code": "R2", "name": "Relay 2", "km": 10},
                    {"code": "FINISH", "name": "Finish", "km": 15},
                ],
            }
        )
        entries_import(race=race, raw=entries_csv(), filename="entries.csv")
        timing_import(race=race, raw=b"bib,station,time\n101,R1,06:50:00\n", filename="t.csv")
        body = self.client.get(reverse("results:team", kwargs={"slug": "cp", "bib": "101"})).content.decode()
        self.assertIn('Checkpoint 7.5 km<br><span class="course">CP1</span>', body)
        self.assertIn('Relay 1<br><span class="course">R1 · 5 km</span>', body)
        self.assertNotIn("7.5 km · 7.5 km", body)


class SearchSaysWhatMatchedTest(TestCase):
    def test_a_runner_with_the_leg_a_bib_or_the_team(self):
        team = listed_team("108", "Toyota Tsusho Malaysia 12", ("Aminah", "Tan Boon Hock", "Kenji"))
        runner = what_matched(team, "tan")
        self.assertEqual((runner.found, runner.leg, runner.runner), ("runner", 2, "Tan Boon Hock"))
        self.assertEqual(what_matched(team, "108").found, "bib")
        self.assertEqual(what_matched(team, "toyota").found, "team")
        self.assertIsNone(what_matched(team, "nobody"))

    def test_the_row_says_which_runner_and_leg_matched(self):
        build_hand_race()
        fresh()
        body = self.client.get("/races/hand/", {"q": "aminah"}).content.decode()
        self.assertIn('<span class="found">found: leg 1, Siti Aminah</span>', body)
        body = self.client.get("/races/hand/", {"q": "102"}).content.decode()
        self.assertIn('<span class="found">found: bib 102</span>', body)
