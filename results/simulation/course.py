"""The course and the categories of a simulated race, in the race file's shape (docs/commands.md).

Legs of 5 km with a longer last one (a half marathon over four legs), timing-only checkpoints
halfway through a leg, a carry-over cutoff for the race and a shorter one at the first relay,
where the field is still close together (as at Hakone). The categories' rules scale with the
number of legs, so every team drawn for one can be eligible.
"""

from dataclasses import dataclass

LEG_KM = 5.0
#: The last leg runs on to the half marathon's 21.0975 km (over four legs).
LAST_LEG_EXTRA_KM = 1.0975
KURIAGE_MINUTES = 20
FIRST_RELAY_KURIAGE_MINUTES = 15


@dataclass(frozen=True)
class Category:
    """A category of the race file, and the share of the teams that enter it."""

    code: str
    name: str
    share: float
    rules: tuple[tuple[str, int], ...] = ()

    def as_race_file(self) -> dict:
        return {"code": self.code, "name": self.name, **dict(self.rules)}

    def rule(self, name: str, default: int | None = None) -> int | None:
        return dict(self.rules).get(name, default)


def stations(legs: int, checkpoints: int = 0) -> list[dict]:
    """START, relays R1…, checkpoints CP1… (from the second leg on, wrapping round), FINISH."""
    per_leg = [0] * legs
    for k in range(checkpoints):
        per_leg[(1 + k) % legs] += 1
    course: list[dict] = [{"code": "START", "name": "Start", "km": 0.0}]
    number = 0
    for leg in range(legs):
        for j in range(per_leg[leg]):
            number += 1
            km = round(leg * LEG_KM + LEG_KM * (j + 1) / (per_leg[leg] + 1), 3)
            course.append(
                {"code": f"CP{number}", "name": f"Checkpoint {km:g} km", "km": km, "handoff": False}
            )
        if leg == legs - 1:
            course.append(
                {"code": "FINISH", "name": "Finish", "km": round(legs * LEG_KM + LAST_LEG_EXTRA_KM, 4)}
            )
        else:
            relay: dict = {"code": f"R{leg + 1}", "name": f"Relay {leg + 1}", "km": (leg + 1) * LEG_KM}
            if leg == 0:
                relay["kuriage_minutes"] = FIRST_RELAY_KURIAGE_MINUTES
            course.append(relay)
    return course


def open_categories(legs: int) -> tuple[Category, ...]:
    """Men, women, mixed (two women and a man, as far as the team has runners for it), seniors."""
    mixed: tuple[tuple[str, int], ...] = (("min_women", 2), ("min_men", 1))
    if legs == 2:
        mixed = (("min_women", 1), ("min_men", 1))
    elif legs == 1:
        mixed = (("min_women", 1),)
    return (
        Category("MO", "Men Open", 0.36, (("min_men", legs),)),
        Category("WO", "Women Open", 0.20, (("min_women", legs),)),
        Category("MX", "Mixed Open", 0.30, mixed),
        Category("MXS", "Mixed Senior", 0.14, (*mixed, ("min_age", 40))),
    )


def every_rule_categories(legs: int) -> tuple[Category, ...]:
    """The open categories and two more, so that every rule of the race file is used."""
    men, women, mixed, senior = open_categories(legs)
    return (
        Category(men.code, men.name, 0.35, men.rules),
        Category(women.code, women.name, 0.15, women.rules),
        Category(mixed.code, mixed.name, 0.25, mixed.rules),
        Category(senior.code, senior.name, 0.10, senior.rules),
        Category("VET", "Veterans", 0.10, (("min_age_sum", 50 * legs),)),
        Category("U23", "Under 23", 0.05, (("max_age", 22),)),
    )
