"""Category eligibility: who may run in Men Open, Mixed Senior and the rest.

One service used by the entries import, the admin and the registration form, so a rule is
written once and every screen explains a refusal in the same words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RunnerFacts:
    leg: int
    name: str
    gender: str
    birth_date: date


@dataclass(frozen=True)
class CategoryRules:
    code: str
    name: str
    min_women: int | None = None
    min_men: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_age_sum: int | None = None

    @classmethod
    def of(cls, category) -> "CategoryRules":
        return cls(
            code=category.code,
            name=category.name,
            min_women=category.min_women,
            min_men=category.min_men,
            min_age=category.min_age,
            max_age=category.max_age,
            min_age_sum=category.min_age_sum,
        )


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on `day`: a runner born on that date 40 years earlier is 40.

    Someone born on 29 February has their birthday on 1 March in a common year.
    """
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def birth_date_problem(birth_date: date, race_date: date) -> str | None:
    """A birth date on or after race day is a typo in the year, whatever the category."""
    if birth_date >= race_date:
        return _("%s is not before the race date; check the year.") % birth_date.isoformat()
    return None


# Nobody runs a relay leg at this age or older: a runner change giving it mistyped the year.
OLDEST_PLAUSIBLE_AGE = 120


def implausible_age_problem(birth_date: date, race_date: date) -> str | None:
    """A birth date that makes the runner 120 or older on race day (1800 for 1980)."""
    age = age_on(birth_date, race_date)
    if age < OLDEST_PLAUSIBLE_AGE:
        return None
    return _("%(born)s makes the runner %(age)d on race day; check the year.") % {
        "born": birth_date.isoformat(),
        "age": age,
    }


# The public form's bounds. A child of 3 or a runner of 101 on a relay leg is, in practice, a
# mistyped year (2021 for 1921, 1925 for 1995); the organisers can still enter such a runner
# with the entries file, which keeps only the birth-date check above.
REGISTRATION_MIN_AGE = 4
REGISTRATION_MAX_AGE = 100


def registration_age_problem(birth_date: date, race_date: date) -> str | None:
    """On the public form, a runner must be 4 to 100 years old on race day."""
    age = age_on(birth_date, race_date)
    if REGISTRATION_MIN_AGE <= age <= REGISTRATION_MAX_AGE:
        return None
    return _(
        "%(born)s makes the runner %(age)d on race day (%(day)s); runners must be %(min)d to %(max)d. "
        "Check the year; for anyone outside these ages, ask the organisers."
    ) % {
        "born": birth_date.isoformat(),
        "age": age,
        "day": race_date.isoformat(),
        "min": REGISTRATION_MIN_AGE,
        "max": REGISTRATION_MAX_AGE,
    }


def registration_birth_date_problem(birth_date: date, race_date: date) -> str | None:
    """The public form's check of a birth date: the entries file's, then the age bounds."""
    return birth_date_problem(birth_date, race_date) or registration_age_problem(birth_date, race_date)


def eligibility_problems(rules: CategoryRules, runners: Sequence[RunnerFacts], race_date: date) -> list[str]:
    """Every rule of the category the team breaks, each naming the rule and the runner."""
    problems: list[str] = []
    label = f"{rules.code} ({rules.name})"
    women = sum(1 for r in runners if r.gender == "F")
    men = sum(1 for r in runners if r.gender == "M")
    if rules.min_women is not None and women < rules.min_women:
        problems.append(
            _("category %(cat)s needs at least %(n)d women; the team has %(have)d.")
            % {"cat": label, "n": rules.min_women, "have": women}
        )
    if rules.min_men is not None and men < rules.min_men:
        problems.append(
            _("category %(cat)s needs at least %(n)d men; the team has %(have)d.")
            % {"cat": label, "n": rules.min_men, "have": men}
        )
    ages = {r.leg: age_on(r.birth_date, race_date) for r in runners}
    for runner in sorted(runners, key=lambda r: r.leg):
        age = ages[runner.leg]
        if rules.min_age is not None and age < rules.min_age:
            problems.append(
                _(
                    "category %(cat)s needs every runner to be at least %(n)d on race day "
                    "(%(day)s); leg %(leg)d runner %(name)s will be %(age)d."
                )
                % {
                    "cat": label,
                    "n": rules.min_age,
                    "day": race_date.isoformat(),
                    "leg": runner.leg,
                    "name": runner.name,
                    "age": age,
                }
            )
        if rules.max_age is not None and age > rules.max_age:
            problems.append(
                _(
                    "category %(cat)s allows runners up to %(n)d on race day (%(day)s); "
                    "leg %(leg)d runner %(name)s will be %(age)d."
                )
                % {
                    "cat": label,
                    "n": rules.max_age,
                    "day": race_date.isoformat(),
                    "leg": runner.leg,
                    "name": runner.name,
                    "age": age,
                }
            )
    if rules.min_age_sum is not None and sum(ages.values()) < rules.min_age_sum:
        problems.append(
            _(
                "category %(cat)s needs the runners' ages to add up to at least %(n)d; they add up to %(have)d."
            )
            % {"cat": label, "n": rules.min_age_sum, "have": sum(ages.values())}
        )
    return problems
