"""The paper backup sheets: one section per station, one line per team, blank columns to write in.

Drawn straight on the canvas: every line is one row of fixed height, tall enough to write a
time against on a clipboard, so the pages of each station are known before drawing and each
page can say "page x of y" for its own station (the stack one station works through).
"""

from io import BytesIO

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text, register, text_width
from results.publishing.pdf.layout import (
    DOCUMENT_OPTIONS,
    INK,
    LINE,
    MUTED,
    TINT,
    date_label,
    km_label,
)
from results.publishing.station_sheets import RunnerRole, SheetRow, SheetsDocument, StationSheet

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 32
HEADER_HEIGHT = 74
ROW_HEIGHT = 27  # about 9.5 mm: room for a handwritten time
TEXT_SIZE = 12
TWO_LINES = 10  # a name too long for one line is set on two at this size
SMALLEST_TEXT = 7  # and shrinks down to this, then is cut
BODY_TOP = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT
ROWS_PER_PAGE = int((BODY_TOP - MARGIN - ROW_HEIGHT) // ROW_HEIGHT)  # the column heads take a row

# (width in points, what the column holds); the two last are left blank for the pen.
BIB, TEAM, CATEGORY, RUNNER, TIME, NOTES = 40, 165, 38, 150, 80, 58


def station_sheets_pdf(document: SheetsDocument) -> bytes:
    register()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, **DOCUMENT_OPTIONS)
    canvas.setTitle(_("Station sheets · %s") % document.race_name)
    for sheet in document.sheets:
        pages = _pages(sheet.rows)
        for number, rows in enumerate(pages, 1):
            _header(canvas, document, sheet, number, len(pages))
            _table(canvas, sheet, rows)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _pages(rows: tuple[SheetRow, ...]) -> list[tuple[SheetRow, ...]]:
    # A station nobody is expected at still gets its page, which says so.
    return [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [()]


def runner_heading(role: RunnerRole, leg: int) -> str:
    if role == RunnerRole.TAKES_OVER:
        return _("Takes the tasuki (leg %d)") % leg
    if role == RunnerRole.FINISHES:
        return _("Finishing runner (leg %d)") % leg
    return _("Running (leg %d)") % leg


def _header(canvas: Canvas, document: SheetsDocument, sheet: StationSheet, page: int, pages: int) -> None:
    top = PAGE_HEIGHT - MARGIN - 14
    right = PAGE_WIDTH - MARGIN
    draw_text(canvas, MARGIN, top, document.race_name, 14, SANS_BOLD.name, colour=INK)
    draw_text(canvas, right, top, date_label(document.race_date), 12, align="right", colour=INK)
    station = _("%(code)s · %(name)s · %(km)s km") % {
        "code": sheet.code,
        "name": sheet.name,
        "km": km_label(sheet.km),
    }
    draw_text(canvas, MARGIN, top - 24, station, 18, SANS_BOLD.name, colour=INK)
    draw_text(
        canvas,
        right,
        top - 24,
        _("%(code)s page %(page)d of %(pages)d") % {"code": sheet.code, "page": page, "pages": pages},
        12,
        SANS_BOLD.name,
        align="right",
        colour=INK,
    )
    instructions = _(
        "%(teams)d teams expected. Write the time of day (HH:MM:SS) each team arrives; "
        "give the sheet to the results desk."
    ) % {"teams": len(sheet.rows)}
    draw_text(canvas, MARGIN, top - 44, instructions, 9, colour=MUTED)


def _table(canvas: Canvas, sheet: StationSheet, rows: tuple[SheetRow, ...]) -> None:
    columns = (
        (BIB, _("Bib")),
        (TEAM, _("Team")),
        (CATEGORY, _("Cat.")),
        (RUNNER, runner_heading(sheet.runner_role, sheet.leg)),
        (TIME, _("Time")),
        (NOTES, _("Notes")),
    )
    width = sum(w for w, _heading in columns)
    y = BODY_TOP
    canvas.setFillColor(TINT)
    canvas.rect(MARGIN, y - ROW_HEIGHT, width, ROW_HEIGHT, stroke=0, fill=1)
    x = MARGIN
    for column_width, heading in columns:
        _cell(canvas, x, y, column_width, heading, 9, SANS_BOLD.name)
        x += column_width
    y -= ROW_HEIGHT
    if not rows:
        draw_text(canvas, MARGIN + 4, y - 18, _("No team is expected here."), TEXT_SIZE, colour=MUTED)
    for row in rows:
        x = MARGIN
        for (column_width, _heading), value, font in zip(
            columns,
            (row.bib, row.team, row.category, row.runner),
            (SANS_BOLD.name, SANS.name, SANS.name, SANS.name),
            strict=False,
        ):
            _cell(canvas, x, y, column_width, value, TEXT_SIZE, font)
            x += column_width
        y -= ROW_HEIGHT
    # The grid: rows to write on, columns to keep the writing apart.
    bottom = y
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.6)
    for line in range(len(rows) + 2):
        canvas.line(MARGIN, BODY_TOP - line * ROW_HEIGHT, MARGIN + width, BODY_TOP - line * ROW_HEIGHT)
    x = MARGIN
    for column_width, _heading in ((0, ""), *columns):
        x += column_width
        canvas.line(x, BODY_TOP, x, bottom)


def _cell(canvas: Canvas, x: float, y: float, width: float, text: str, size: float, font: str) -> None:
    """A value in its cell: on one line; else on two, smaller (the end of "Road Runners 5" tells
    two teams apart, so it must not be cut); else shrunk, and cut with "…" only at the smallest."""
    room = width - 8
    middle = y - ROW_HEIGHT / 2
    if text_width(text, size, font) <= room:
        draw_text(canvas, x + 4, middle - size * 0.35, text, size, font, colour=INK)
        return
    lines = _two_lines(text, font, room)
    if lines is not None:
        size = max(
            SMALLEST_TEXT,
            min(TWO_LINES, *(TWO_LINES * room / text_width(line, TWO_LINES, font) for line in lines)),
        )
        if all(text_width(line, size, font) <= room for line in lines):
            for line, baseline in zip(lines, (middle + size * 0.2, middle - size * 0.95), strict=True):
                draw_text(canvas, x + 4, baseline, line, size, font, colour=INK)
            return
    size = max(SMALLEST_TEXT, size * room / text_width(text, size, font))
    while len(text) > 1 and text_width(text, size, font) > room:
        text = text[:-2] + "…"
    draw_text(canvas, x + 4, middle - size * 0.35, text, size, font, colour=INK)


def _two_lines(text: str, font: str, room: float) -> tuple[str, str] | None:
    """The split at a space that leaves the wider line narrowest; None for a single word."""
    words = text.split(" ")
    if len(words) < 2:
        return None
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return min(splits, key=lambda pair: max(text_width(part, TWO_LINES, font) for part in pair))
