"""Category rules: age in whole years on race day, counts by gender, the sum of ages."""

from datetime import date

from django.test import SimpleTestCase

from races.eligibility import (
    CategoryRules,
    RunnerFacts,
    age_on,
    eligibility_problems,
    implausible_age_problem,
)

RACE_DAY = date(2025, 11, 23)
MIXED_SENIOR = CategoryRules("MXS", "Mixed Senior", min_women=2, min_men=1, min_age=40)


def team(*births: date, genders: str = "FFMX") -> list[RunnerFacts]:
    return [RunnerFacts(i + 1, f"Runner {i + 1}", genders[i], b) for i, b in enumerate(births)]


class AgeOnRaceDayTests(SimpleTestCase):
    def test_a_runner_born_on_the_race_date_forty_years_earlier_is_forty(self):
        self.assertEqual(age_on(date(1985, 11, 23), RACE_DAY), 40)

    def test_one_day_younger_is_still_thirty_nine(self):
        self.assertEqual(age_on(date(1985, 11, 24), RACE_DAY), 39)

    def test_a_leap_day_birthday_comes_on_the_first_of_march_in_a_common_year(self):
        self.assertEqual(age_on(date(1984, 2, 29), date(2025, 2, 28)), 40)
        self.assertEqual(age_on(date(1984, 2, 29), date(2025, 3, 1)), 41)


class ImplausibleAgeTests(SimpleTestCase):
    def test_119_on_race_day_may_be_right_and_120_is_a_mistyped_year(self):
        self.assertIsNone(implausible_age_problem(date(1905, 11, 24), RACE_DAY))
        self.assertEqual(
            implausible_age_problem(date(1905, 11, 23), RACE_DAY),
            "1905-11-23 makes the runner 120 on race day; check the year.",
        )


class MixedSeniorTests(SimpleTestCase):
    def test_everyone_forty_on_race_day_is_eligible(self):
        births = [date(1985, 11, 23)] * 4
        self.assertEqual(eligibility_problems(MIXED_SENIOR, team(*births), RACE_DAY), [])

    def test_a_runner_forty_the_day_after_names_the_runner_and_the_rule(self):
        births = [date(1980, 1, 1), date(1985, 11, 24), date(1970, 5, 5), date(1975, 1, 1)]
        self.assertEqual(
            eligibility_problems(MIXED_SENIOR, team(*births), RACE_DAY),
            [
                "category MXS (Mixed Senior) needs every runner to be at least 40 on race day "
                "(2025-11-23); leg 2 runner Runner 2 will be 39."
            ],
        )

    def test_a_non_binary_runner_counts_towards_neither_minimum(self):
        problems = eligibility_problems(MIXED_SENIOR, team(*[date(1970, 1, 1)] * 4, genders="FXXX"), RACE_DAY)
        self.assertEqual(
            problems,
            [
                "category MXS (Mixed Senior) needs at least 2 women; the team has 1.",
                "category MXS (Mixed Senior) needs at least 1 men; the team has 0.",
            ],
        )


class AgeRulesTests(SimpleTestCase):
    def test_maximum_age_and_age_sum(self):
        rules = CategoryRules("U23", "Under 23", max_age=22, min_age_sum=90)
        # 23 on race day, then 21, 21 and 20: the sum is 85.
        births = [date(2002, 11, 23), date(2003, 11, 24), date(2004, 1, 1), date(2005, 1, 1)]
        self.assertEqual(
            eligibility_problems(rules, team(*births), RACE_DAY),
            [
                "category U23 (Under 23) allows runners up to 22 on race day (2025-11-23); "
                "leg 1 runner Runner 1 will be 23.",
                "category U23 (Under 23) needs the runners' ages to add up to at least 90; they add up to 85.",
            ],
        )


class AgeSumBoundaryTests(SimpleTestCase):
    # Four runners who are 40 on race day: their ages add up to 160.
    FORTIES = [date(1985, 11, 23)] * 4

    def test_a_sum_exactly_at_the_minimum_is_eligible(self):
        rules = CategoryRules("V160", "Veterans 160", min_age_sum=160)
        self.assertEqual(eligibility_problems(rules, team(*self.FORTIES), RACE_DAY), [])

    def test_a_sum_one_year_short_is_not(self):
        rules = CategoryRules("V161", "Veterans 161", min_age_sum=161)
        self.assertEqual(
            eligibility_problems(rules, team(*self.FORTIES), RACE_DAY),
            [
                "category V161 (Veterans 161) needs the runners' ages to add up to at least 161; they add up to 160."
            ],
        )
