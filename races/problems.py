"""Problems with what a person handed us: a file, a form, a command's arguments, a device's reads.

A problem is a message and where it is: the field or column at fault, the file line, the
position in a device's batch. Each screen places it from those: a command prints it as one
line, a form shows it beside its field, the device API answers it as JSON. Nothing reads the
place back out of the words, which a translation is free to change.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """What is wrong (`message`, a sentence for people) and where.

    `field`: the field, column or JSON path at fault, as the input names it (None: the input
    as a whole). `line`: a file's line as an editor shows it, the header being line 1.
    `index`: the position of a read in a device's batch, from 0.
    """

    message: str
    field: str | None = None
    line: int | None = None
    index: int | None = None

    def __str__(self) -> str:
        return problem_line(self)


def problem_line(problem: Problem) -> str:
    """The problem in one line, as a command prints it and a page lists it ("line 3, gender: ...").

    Each shape is one format, so a translation words (and orders) the whole line.
    """
    values = asdict(problem)
    if problem.line is not None:
        if problem.field:
            return _("line %(line)d, %(field)s: %(message)s") % values
        return _("line %(line)d: %(message)s") % values
    if problem.index is not None:
        if problem.field:
            return _("index %(index)d, %(field)s: %(message)s") % values
        return _("index %(index)d: %(message)s") % values
    if problem.field:
        return _("%(field)s: %(message)s") % values
    return problem.message


class InputProblems(Exception):
    """Bad input, every problem found; raising it means nothing was stored.

    A plain string is a problem with the input as a whole.
    """

    def __init__(self, problems: Iterable[Problem | str]):
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(map(str, self.problems)))


def add_to_form(form, problems: Iterable[Problem]) -> None:
    """Each problem beside the form's field it names; the others, whole, above the form."""
    for problem in problems:
        if problem.field in form.fields and problem.line is None and problem.index is None:
            form.add_error(problem.field, problem.message)
        else:
            form.add_error(None, str(problem))


# A file of 12,000 bad lines usually has one mistake repeated: the first ones show it, and a
# page of all of them would be megabytes.
PROBLEMS_SHOWN = 200


def problems_shown(problems: list[Problem]) -> dict:
    """Template context for a refused upload: the first problems and how many there are in all."""
    return {
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_total": len(problems),
        "problems_total_display": number_format(len(problems), force_grouping=True),
        "problems_not_shown": max(0, len(problems) - PROBLEMS_SHOWN),
    }


def problems_document(problems: Iterable[Problem], *, indexed: bool = False) -> dict:
    """Problems as a JSON answer: `{"errors": [{"field", "message"}]}`, each with the read's
    `index` in a batch (None: the request as a whole) where the answer is to a batch (the device
    API). The officials' keypad and the device API answer in this one shape."""
    return {
        "errors": [
            {"index": problem.index, "field": problem.field, "message": problem.message}
            if indexed
            else {"field": problem.field, "message": problem.message}
            for problem in problems
        ]
    }
