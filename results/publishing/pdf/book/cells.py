"""The book's type sizes, paragraph styles and table cells."""

from reportlab.lib.units import mm
from reportlab.platypus import (
    Table,
    TableStyle,
)

from results.publishing.pdf.fonts import SANS
from results.publishing.pdf.layout import (
    ACCENT,
    INK,
    LINE,
    MUTED,
    Span,
    TextBox,
    style,
)

MARGIN = 14 * mm
HEADING = style("heading", 14, bold=True, colour=ACCENT, spaceBefore=12, spaceAfter=6)
BODY = style("body", 10, spaceBefore=6, spaceAfter=4)
NOTE = style("note", 8, colour=MUTED, spaceBefore=4)
LEGEND = style("legend", 7.5, colour=MUTED)
CELL_SIZE = 7.5
PLACE_SIZE = 7  # leg and station places: small, but never below 7 pt


def cell(
    text: str, size: float = CELL_SIZE, *, bold: bool = False, align: str = "left", colour=INK
) -> TextBox:
    """Every table cell is set run by run, so a Japanese or Chinese word in it (a translated
    heading's 区, a team's name) is drawn from a font that has it, never as a box."""
    return TextBox(Span(text, size, bold, colour), align=align)


def head_cells(*heads: str) -> list[TextBox]:
    return [cell(h, 6.5, bold=True, colour=MUTED) for h in heads]


def small_table(rows: list[list], widths: list[float], *, lines: bool = True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if lines else 0)
    commands = [("FONT", (0, 0), (-1, -1), SANS.name, 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if lines:
        commands += [("LINEBELOW", (0, 0), (-1, 0), 0.6, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE)]
    table.setStyle(TableStyle(commands))
    return table
