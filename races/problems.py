"""Problems with what a person handed us: a file, a form, a command's arguments."""

from collections.abc import Iterable

from django.utils.formats import number_format


class InputProblems(Exception):
    """Bad input, one message per problem; raising it means nothing was stored."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def at_line(line: int, field: str | None, message: str) -> str:
    """A message about one row, numbered as an editor shows it (the header is line 1)."""
    where = f"line {line}" + (f", {field}" if field else "")
    return f"{where}: {message}"


# A file of 12,000 bad lines usually has one mistake repeated: the first ones show it, and a
# page of all of them would be megabytes.
PROBLEMS_SHOWN = 200


def problems_shown(problems: list[str]) -> dict:
    """Template context for a refused upload: the first problems and how many there are in all."""
    return {
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_total": len(problems),
        "problems_total_display": number_format(len(problems), force_grouping=True),
        "problems_not_shown": max(0, len(problems) - PROBLEMS_SHOWN),
    }
