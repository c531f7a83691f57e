"""The public pages a spectator reads on a phone: standings by category, leg and station, a team.

The race is the hand-worked example (examples/hand-worked): three legs, carry-over starts at
both relays, a tie for first, a DQ team, a team still out and one that never started.
"""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.services import entries_import, race_import, team_status_set
from results.timing.services import timing_import

RACE = {
    "slug": "hand",
    "name": "Hand race",
    "date": "2025-11-23",
    "timezone": "Asia/Kuala_Lumpur",
    "start_time": "06:30:00",
    "kuriage_minutes": 10,
    "stations": [
        {"code": "START", "name": "Start", "km": 0},
        {"code": "R1", "name": "Relay 1", "km": 5, "kuriage_minutes": 5},
        {"code": "R2", "name": "Relay 2", "km": 10},
        {"code": "FINISH", "name": "Finish", "km": 15},
    ],
    "categories": [
        {"code": "MX", "name": "Mixed"},
        {"code": "MXS", "name": "Mixed Senior"},
        {"code": "MO", "name": "Men"},
    ],
}

GENDERS = {"MX": "FMF", "MXS": "FMF", "MO": "MMM"}
TEAMS = {"101": "MX", "102": "MX", "103": "MXS", "104": "MO", "105": "MO", "106": "MO", "107": "MX"}
NAMES = {"101": "Harimau Striders", "106": "高橋 & Friends"}


def entries_csv() -> bytes:
    lines = ["team_bib,team_name,category,leg,runner_name,gender,birth_date,runner_bib"]
    for bib, category in TEAMS.items():
        for leg in (1, 2, 3):
            runner = "Siti Aminah" if (bib, leg) == ("103", 1) else f"Runner {bib}.{leg}"
            gender = GENDERS[category][leg - 1]
            team = NAMES.get(bib, f"Team {bib}")
            lines.append(f"{bib},{team},{category},{leg},{runner},{gender},1970-01-01,{bib}-{leg}")
    return ("\n".join(lines) + "\n").encode()


TIMING = b"""bib,station,time,source,read_id
101,R1,2025-11-22T23:00:00Z,chip,a1
101,R2,07:20:00,tablet,
101,R2,07:20:05,tablet,
101,FINISH,07:40:00.000,chip,a2
102-1,R1,07:06:00,tablet,
102,R2,07:40:00,tablet,
102,FINISH,08:00:00,tablet,
103,R2,07:35:00,tablet,
103,FINISH,07:55:00,tablet,
105,R1,06:59:00,tablet,
105,R2,07:10:00,tablet,
105,FINISH,07:30:00,tablet,
106,R1,07:01:00,tablet,
106,R2,07:21:00,tablet,
106,FINISH,2025-11-23T07:40:00.000+08:00,tablet,
107,R1,07:02:00,tablet,
"""


def build_hand_race():
    race, _ = race_import(payload=RACE)
    entries_import(race=race, raw=entries_csv(), filename="entries.csv")
    timing_import(race=race, raw=TIMING, filename="timing.csv")
    team_status_set(race=race, bib="105", status="DQ", reason="cut the course", actor=Actor("olivia"))
    return race


def bibs_in_order(response) -> list[str]:
    """The bib column of the rendered table, top to bottom."""
    table = response.context["table"]
    return [row.record.team.bib for row in table.paginated_rows]


def places(response, column: str) -> list:
    table = response.context["table"]
    return [row.get_cell_value(column) for row in table.paginated_rows]


class StandingsPageTest(TestCase):
    """A spectator at the roadside opens the live standings on a phone."""

    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()
        cls.url = reverse("results:standings", kwargs={"slug": "hand"})

    def setUp(self):
        # Results are cached by race pk, and SQLite may hand a rolled-back pk out again.
        cache.clear()

    def test_race_list_links_to_the_standings(self):
        response = self.client.get(reverse("races:list"))
        self.assertContains(response, "Hand race")
        self.assertContains(response, self.url)

    def test_overall_standings_follow_the_listing_order(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        # The tie for first shares the place; DQ and DNS teams come last.
        self.assertEqual(bibs_in_order(response), ["101", "106", "103", "102", "107", "104", "105"])
        self.assertEqual(places(response, "rank")[:4], [1, 1, 3, 4])
        self.assertContains(response, "1:10:00")
        self.assertContains(response, "高橋 &amp; Friends")

    def test_each_team_links_to_its_page(self):
        response = self.client.get(self.url)
        team_url = reverse("results:team", kwargs={"slug": "hand", "bib": "102"})
        self.assertContains(response, f'<a href="{team_url}">Team 102</a>', html=True)

    def test_the_phone_table_shows_only_the_columns_that_explain_the_order(self):
        response = self.client.get(self.url)
        table = response.context["table"]
        # The status is a badge beside the name where it is not a plain finish (issue 16).
        self.assertEqual(
            [column.name for column in table.columns], ["rank", "bib", "name", "category", "total", "gap"]
        )
        self.assertTrue(all(column.orderable for column in table.columns))

    def test_category_standings_show_the_category_place(self):
        response = self.client.get(self.url, {"category": "MX"})
        self.assertEqual(bibs_in_order(response), ["101", "102", "107"])
        self.assertEqual(places(response, "category_rank"), [1, 2, None])
        self.assertEqual(response.context["table"].columns[0].name, "category_rank")

    def test_leg_standings_order_by_leg_place_and_mark_carry_over_starts(self):
        response = self.client.get(self.url, {"leg": "2"})
        # Leg 2: 101 and 106 20:00, 102 35:00 (kuriage); DQ 105 has no place; the unranked follow.
        self.assertEqual(bibs_in_order(response)[:3], ["101", "106", "102"])
        self.assertEqual(places(response, "leg2_rank")[:3], [1, 1, 3])
        self.assertEqual(set(bibs_in_order(response)[3:]), {"103", "107", "104", "105"})
        self.assertContains(response, "0:35:00 *")
        self.assertContains(response, "carry-over start (kuriage)")

    def test_leg_standings_without_carry_over_have_no_legend(self):
        response = self.client.get(self.url, {"leg": "1"})
        self.assertEqual(bibs_in_order(response)[:4], ["101", "106", "107", "102"])
        self.assertNotContains(response, "carry-over start (kuriage)")

    def test_station_standings_order_by_place_there(self):
        response = self.client.get(self.url, {"station": "R2"})
        self.assertEqual(bibs_in_order(response)[:4], ["101", "106", "103", "102"])
        self.assertEqual(places(response, "at_R2_rank")[:4], [1, 2, 3, 4])
        self.assertContains(response, "1:05:00")

    def test_search_finds_a_bib_a_team_or_a_runner(self):
        self.assertEqual(bibs_in_order(self.client.get(self.url, {"q": "104"})), ["104"])
        self.assertEqual(bibs_in_order(self.client.get(self.url, {"q": "harimau"})), ["101"])
        self.assertEqual(bibs_in_order(self.client.get(self.url, {"q": "siti aminah"})), ["103"])
        self.assertEqual(bibs_in_order(self.client.get(self.url, {"q": "高橋"})), ["106"])

    def test_a_search_without_a_match_says_so(self):
        response = self.client.get(self.url, {"q": "nobody at all"})
        self.assertEqual(bibs_in_order(response), [])
        self.assertContains(response, "No team matches.")

    def test_category_and_search_combine(self):
        response = self.client.get(self.url, {"category": "MO", "q": "Team"})
        self.assertEqual(bibs_in_order(response), ["104", "105"])

    def test_junk_parameters_are_ignored_with_a_note(self):
        response = self.client.get(
            self.url, {"category": "XX", "leg": "nine", "station": "START", "page": "last", "per_page": "0"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(bibs_in_order(response)), 7)
        self.assertContains(response, "There is no category “XX” in this race; it was ignored.")
        self.assertContains(response, "There is no leg “nine” in this race; it was ignored.")
        self.assertContains(response, "There is no station “START” after the start; it was ignored.")

    def test_out_of_range_leg_and_page_are_ignored(self):
        for params in ({"leg": "0"}, {"leg": "4"}, {"leg": "-1"}, {"page": "999"}, {"q": "x" * 500}):
            with self.subTest(params=params):
                response = self.client.get(self.url, params)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(bibs_in_order(response)), 7)

    def test_a_search_too_long_says_so_with_its_limit_and_shows_every_team(self):
        too_long = (
            "The search is too long (300 characters; at most 100): it was not applied, so every team "
            "is shown. Search for a bib, a team or a runner&#x27;s name."
        )
        embed = reverse("results:embed", kwargs={"slug": "hand"})
        for url in (self.url, embed):
            with self.subTest(url=url):
                response = self.client.get(url, {"q": "Harimau " * 37 + "Stri"})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(bibs_in_order(response)), 7)
                self.assertContains(response, f'<p class="note">{too_long}</p>', html=False)

    def test_a_leg_and_a_station_together_show_the_leg(self):
        response = self.client.get(self.url, {"leg": "2", "station": "R1"})
        self.assertEqual(response.context["table"].columns[0].name, "leg2_rank")
        self.assertContains(response, "Choose a leg or a station, not both")

    def test_unknown_race_is_not_found(self):
        response = self.client.get(reverse("results:standings", kwargs={"slug": "no-such-race"}))
        self.assertEqual(response.status_code, 404)

    def test_page_works_without_any_external_asset(self):
        body = self.client.get(self.url).content.decode()
        self.assertNotIn("https://", body)
        self.assertIn('name="viewport"', body)


class TeamPageTest(TestCase):
    """A runner's family follows one team: every leg and every station."""

    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()

    def setUp(self):
        cache.clear()

    def team_page(self, bib: str):
        return self.client.get(reverse("results:team", kwargs={"slug": "hand", "bib": bib}))

    def test_a_finished_team_shows_total_places_legs_and_stations(self):
        response = self.team_page("102")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Team 102")
        self.assertContains(response, "Finished")
        self.assertContains(response, "1:41:00")
        legs = response.context["legs_table"]
        self.assertEqual(
            [(r.get_cell_value("runner"), r.get_cell("time"), r.get_cell_value("rank")) for r in legs.rows],
            [
                ("Runner 102.1", "0:36:00", 4),
                ("Runner 102.2", "0:35:00 *", 3),
                ("Runner 102.3", "0:30:00 *", 4),
            ],
        )
        stations = response.context["stations_table"]
        self.assertEqual(
            [(r.get_cell_value("station"), r.get_cell("cumulative")) for r in stations.rows],
            [("Relay 1", "0:36:00"), ("Relay 2", "1:11:00"), ("Finish", "1:41:00")],
        )
        self.assertContains(response, "carry-over start (kuriage)")

    def test_a_missing_split_leaves_gaps_but_keeps_the_total(self):
        response = self.team_page("103")
        legs = response.context["legs_table"]
        self.assertEqual([r.get_cell("time") for r in legs.rows], ["–", "–", "0:25:00 *"])
        self.assertContains(response, "1:30:00")

    def test_a_disqualified_team_shows_the_status_and_no_place_but_not_the_officials_reason(self):
        response = self.team_page("105")
        self.assertContains(response, "<dd>Disqualified</dd>", html=True)
        self.assertNotContains(response, "cut the course")
        self.assertEqual(response.context["standing"].rank, None)

    def test_a_team_still_out_is_on_the_course(self):
        self.assertContains(self.team_page("107"), "On the course")

    def test_unknown_team_and_race_are_not_found(self):
        self.assertEqual(self.team_page("999").status_code, 404)
        response = self.client.get(reverse("results:team", kwargs={"slug": "nope", "bib": "101"}))
        self.assertEqual(response.status_code, 404)
