"""Problems with what a person handed us: a file, a form, a command's arguments."""

from collections.abc import Iterable


class InputProblems(Exception):
    """Bad input, one message per problem; raising it means nothing was stored."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def at_line(line: int, field: str | None, message: str) -> str:
    """A message about one row, numbered as an editor shows it (the header is line 1)."""
    where = f"line {line}" + (f", {field}" if field else "")
    return f"{where}: {message}"
