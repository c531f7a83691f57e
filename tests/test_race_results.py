"""The typed results every reader takes, and the display rules they are shown by."""

import pickle
from types import SimpleNamespace

from django.test import SimpleTestCase

from races.course import counts_as_handoff, handoff_points
from races.models import OfficialStatus, ResultsState
from results.publishing.exports import results_document
from results.standings.display import (
    STATUS_LABELS,
    displayed_gap,
    format_duration,
    format_gap,
    format_pace,
    gap_behind,
    leg_time_label,
    natural_bib_order,
    status_label,
)
from results.standings.engine import Course, Split, StationSpec, Status, TeamEntry, compute_standings
from results.standings.race_results import race_results_of

MIN = 60_000
GUN = 1_000_000_000


def small_race():
    """Three teams over START, R1 (carry-over after 10 minutes), FINISH: 101 finishes, 102 is
    carried over at R1 and still out, 103 is disqualified; 102 named no runner for leg 2."""
    course = Course(
        gun_ms=GUN,
        stations=(
            StationSpec("START", True, None),
            StationSpec("R1", True, 10 * MIN),
            StationSpec("FINISH", True, None),
        ),
        closed=False,
    )
    entries = [
        TeamEntry(
            1, "101", "MX", None, (Split("R1", GUN + 20 * MIN + 1), Split("FINISH", GUN + 41 * MIN + 500))
        ),
        TeamEntry(2, "102", "WO", None, (Split("R1", GUN + 35 * MIN),)),
        TeamEntry(3, "103", "MX", "DQ", (Split("R1", GUN + 19 * MIN),)),
    ]
    standings = compute_standings(course, entries)
    return race_results_of(
        "small",
        ["START", "R1", "FINISH"],
        standings.teams,
        names={1: "Alpha", 2: "Beta", 3: "Gamma"},
        runners={1: {1: "Ann", 2: "Bea"}, 2: {1: "Cat"}, 3: {1: "Dee", 2: "Eve"}},
    )


class RaceResultsTest(SimpleTestCase):
    def test_the_teams_are_typed_in_listing_order_with_their_runners(self):
        results = small_race()
        self.assertEqual([t.bib for t in results.teams], ["101", "102", "103"])
        alpha, beta, gamma = results.teams
        self.assertIs(alpha.status, Status.FIN)
        self.assertTrue(alpha.finished)
        self.assertEqual((alpha.rank, alpha.category_rank, alpha.total_ms), (1, 1, 41 * MIN + 500))
        self.assertEqual([leg.runner for leg in alpha.legs], ["Ann", "Bea"])
        self.assertEqual(beta.leg(2).runner, None)
        self.assertTrue(beta.has_kuriage and beta.leg(2).kuriage)
        self.assertEqual(beta.at("R1").cumulative_ms, 35 * MIN)
        self.assertEqual((gamma.status, gamma.at("R1").rank), (Status.DQ, None))
        self.assertEqual(results.team("102"), beta)
        self.assertIsNone(results.team("999"))
        self.assertEqual(results.finishers, [alpha])

    def test_the_results_come_back_unchanged_from_the_cache(self):
        results = small_race()
        again = pickle.loads(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
        self.assertEqual(again, results)
        self.assertIs(again.teams[0].status, Status.FIN)
        self.assertEqual(
            results_document(again, ResultsState.LIVE), results_document(results, ResultsState.LIVE)
        )

    def test_the_export_document_spells_the_contract_s_keys(self):
        document = results_document(small_race(), ResultsState.LIVE)
        self.assertEqual(document["state"], "live")
        self.assertEqual(document["race"], "small")
        self.assertEqual(document["stations"], ["START", "R1", "FINISH"])
        beta = document["teams"][1]
        self.assertEqual(
            beta,
            {
                "bib": "102",
                "name": "Beta",
                "category": "WO",
                "status": "RUN",
                "total_ms": None,
                "rank": None,
                "category_rank": None,
                "legs": [
                    # Second on the leg overall, first of the Women Open teams (the only one).
                    {
                        "leg": 1,
                        "runner": "Cat",
                        "time_ms": 35 * MIN,
                        "rank": 2,
                        "category_rank": 1,
                        "kuriage": False,
                    },
                    {
                        "leg": 2,
                        "runner": None,
                        "time_ms": None,
                        "rank": None,
                        "category_rank": None,
                        "kuriage": True,
                    },
                ],
                "stations": [
                    {"station": "R1", "cumulative_ms": 35 * MIN, "rank": 2},
                    {"station": "FINISH", "cumulative_ms": None, "rank": None},
                ],
            },
        )
        self.assertIs(type(beta["status"]), str)


class DisplayTest(SimpleTestCase):
    def test_times_are_rounded_up_to_the_whole_second(self):
        self.assertEqual(format_duration(70 * MIN + 1), "1:10:01")
        self.assertEqual(format_duration(70 * MIN), "1:10:00")
        self.assertEqual(format_duration(None), "")

    def test_gaps_are_between_the_times_as_shown(self):
        # 1:48:40.145 and 1:50:01.001 show as 1:48:41 and 1:50:02: 1:21 apart.
        self.assertEqual(displayed_gap(6_601_001, 6_520_145), 81_000)
        self.assertEqual(format_gap(81_000), "+1:21")
        self.assertEqual(format_gap(3_600_001), "+1:00:01")
        self.assertEqual(format_gap(None), "")  # the leader

    def test_a_team_behind_within_the_same_second_shows_plus_zero(self):
        # 1:10:00.100 wins; 1:10:00.900 is second, both shown 1:10:01: "+0:00", not level.
        self.assertEqual(gap_behind(4_200_900, 4_200_100), 0)
        self.assertEqual(format_gap(gap_behind(4_200_900, 4_200_100)), "+0:00")
        # The winner itself, and a team on exactly the same time (sharing the place), show none.
        self.assertEqual(format_gap(gap_behind(4_200_100, 4_200_100)), "")
        self.assertEqual(format_pace(299_001), "5:00")

    def test_a_carry_over_start_is_marked_even_without_a_time(self):
        self.assertEqual(leg_time_label(20 * MIN, True), "0:20:00 *")
        self.assertEqual(leg_time_label(None, True), "– *")
        self.assertEqual(leg_time_label(None, False), "")

    def test_every_status_has_one_label_and_the_officials_ones_are_the_models(self):
        self.assertEqual(set(STATUS_LABELS), set(Status))
        for choice in (OfficialStatus.DQ, OfficialStatus.DNS, OfficialStatus.DNF):
            self.assertEqual(status_label(Status(choice.value)), choice.label)
        self.assertEqual(str(status_label("FIN")), "Finished")

    def test_bibs_sort_naturally(self):
        self.assertEqual(sorted(["100", "99", "A1", "7"], key=natural_bib_order), ["7", "99", "100", "A1"])


class CourseTest(SimpleTestCase):
    def test_the_start_and_the_finish_are_always_handoff_points(self):
        flags = [("START", False), ("CP1", False), ("R1", True), ("FINISH", False)]
        course = [SimpleNamespace(code=code, handoff=flag) for code, flag in flags]
        self.assertEqual([s.code for s in handoff_points(course)], ["START", "R1", "FINISH"])
        self.assertTrue(counts_as_handoff(0, 4, False))
        self.assertFalse(counts_as_handoff(1, 4, False))
