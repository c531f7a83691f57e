"""What the printed results share: colours, paragraph styles, how values read, page counting."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.flowables import Flowable

from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text, text_width

# Streams in binary rather than ASCII85 text: a sixth smaller and quicker to write, and every
# PDF reader takes them. (A ReportLab setting for the whole process; nothing else here prints.)
rl_config.useA85 = 0

# Called with (done, total) as the work advances; the tasks turn it into a percentage.
Progress = Callable[[int, int], None]

INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#5f6368")
ACCENT = colors.HexColor("#b3261e")  # the site's header colour
LINE = colors.HexColor("#d0d0d0")
TINT = colors.HexColor("#f3f3f3")

# `invariant` keeps ReportLab from stamping its own clock into the file, so the same standings
# always give the same bytes; the initial font is ours, or the file would list a Helvetica it
# never embeds.
DOCUMENT_OPTIONS = {"creator": "Tasuki", "invariant": True, "initialFontName": SANS.name}


def pdf_metadata(title: str, race, made_at: datetime | None) -> dict:
    """A document's title, author (the organiser who signs, else the race), subject and language,
    as BaseDocTemplate takes them; `made_at` is given to `dated` for the creation date."""
    return {"title": title, "author": race.author or race.name, "subject": race.slug, "lang": race.language}


def dated(canvas: Canvas, made_at: datetime | None) -> None:
    """The file's creation date: when it was made, not ReportLab's fixed one. The rest of the
    file stays invariant, so the same results made at the same moment give the same bytes."""
    if made_at is None:
        return
    moment = made_at.astimezone(UTC)
    stamp = f"D:{moment:%Y%m%d%H%M%S}+00'00'"
    canvas.setDateFormatter(lambda *_fixed: stamp)


class Bookmark(Flowable):
    """Takes no room: a bookmark (an outline entry) to the page where it falls."""

    def __init__(self, title: str, key: str, level: int = 0):
        super().__init__()
        self.title, self.key, self.level = title, key, level

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level)


def style(name: str, size: float, *, bold: bool = False, colour=INK, **extra) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=SANS_BOLD.name if bold else SANS.name,
        fontSize=size,
        leading=size * 1.25,
        textColor=colour,
        **extra,
    )


def km_label(km: Decimal) -> str:
    """5.0000 as "5", 21.0975 as "21.0975": the distance as the organisers wrote it."""
    return format(km.normalize(), "f")


def date_label(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def made_label(made_at: datetime, zone: ZoneInfo) -> str:
    local = made_at.astimezone(zone)
    return _("made %(when)s (%(zone)s)") % {"when": local.strftime("%Y-%m-%d %H:%M"), "zone": zone.key}


def place_label(place: int | None) -> str:
    return "" if place is None else str(place)


def page_counting_canvas(decorate: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so `decorate(canvas, page, pages)` can
    write "page X of Y" on each: the total is known only once everything is laid out."""

    class PageCountingCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []
            self._page_bookmarks: list[str] = []

        def bookmarkPage(self, key, **kwargs):
            # A bookmark names the page it is on, which exists only once the page is released.
            self._page_bookmarks.append(key)

        def showPage(self):
            self._held_pages.append(dict(self.__dict__))
            self._page_bookmarks = []
            self._startPage()

        def save(self):
            pages = len(self._held_pages)
            for number, state in enumerate(self._held_pages, 1):
                self.__dict__.update(state)
                decorate(self, number, pages)
                for key in self._page_bookmarks:
                    Canvas.bookmarkPage(self, key)
                super().showPage()
            super().save()

    return PageCountingCanvas


# --- text set run by run ------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    text: str
    size: float
    bold: bool = False
    colour: object = INK

    @property
    def font(self) -> str:
        return SANS_BOLD.name if self.bold else SANS.name

    def width(self) -> float:
        return text_width(self.text, self.size, self.font)


class TextBox(Flowable):
    """Lines of plain text, each drawn run by run in a font that has its glyphs.

    A stand-in for Paragraph where there are thousands of names (a book's tables, a thousand
    certificates): Paragraph parses markup for each, which made a 300-team book take seconds.
    A line of one span wraps at spaces (or anywhere, for a word wider than the box); a line of
    several spans (a time and its small place) stays on one line.
    """

    LEADING = 1.22

    def __init__(self, *lines: Span | Sequence[Span], align: str = "left"):
        super().__init__()
        self.lines = [[line] if isinstance(line, Span) else list(line) for line in lines]
        self.align = align
        self._laid: list[list[Span]] = []

    def wrap(self, avail_width, avail_height):
        self._laid = []
        for spans in self.lines:
            if len(spans) == 1:
                self._laid += [[piece] for piece in _wrapped(spans[0], avail_width)]
            else:
                self._laid.append(spans)
        self.width = avail_width
        self.height = sum(max(s.size for s in line) * self.LEADING for line in self._laid)
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        top = self.height
        for line in self._laid:
            size = max(s.size for s in line)
            top -= size * self.LEADING
            baseline = top + size * 0.25
            x = 0.0
            if self.align != "left":
                line_width = sum(s.width() for s in line)
                x = (self.width - line_width) / (2 if self.align == "centre" else 1)
            for span in line:
                x += draw_text(canvas, x, baseline, span.text, span.size, span.font, colour=span.colour)


def _wrapped(span: Span, width: float) -> list[Span]:
    if span.width() <= width:
        return [span]
    return [
        Span(line, span.size, span.bold, span.colour)
        for line in wrapped_lines(span.text, span.size, span.font, width)
    ]


def wrapped_lines(text: str, size: float, font: str, width: float) -> list[str]:
    """`text` in lines no wider than `width`: broken at spaces, and a word wider than a line
    (a long name with no spaces) broken where it must, with a hyphen after a Latin letter."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    pieces: list[str] = []
    for line in lines:
        while text_width(line, size, font) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_width(_broken(line, cut), size, font) > width:
                cut -= 1
            pieces.append(_broken(line, cut))
            line = line[cut:]
        pieces.append(line)
    return pieces


def _broken(line: str, cut: int) -> str:
    """The first `cut` characters of a word broken at the end of a line: a hyphen marks the break
    between two letters of an alphabet (Han and kana break anywhere without one)."""
    before, after = line[cut - 1], line[cut]
    latin = before.isalnum() and after.isalnum() and ord(before) < 0x2E80 and ord(after) < 0x2E80
    return line[:cut] + ("-" if latin else "")


def fitted(
    text: str, width: float, *, largest: float, smallest: float, lines: int, bold: bool = False, colour=INK
) -> list[Span]:
    """`text` set as large as it fits in `lines` lines of the type's largest size: the type shrinks
    for a long name, down to `smallest`; past that, the last line is cut with "…" (a name
    longer than any the entries allow). The lines' height never exceeds `lines` lines at `largest`."""
    font = SANS_BOLD.name if bold else SANS.name
    room = largest * lines
    size = largest
    while True:
        laid = wrapped_lines(text, size, font, width)
        if len(laid) * size <= room or size <= smallest:
            break
        size = max(smallest, size - 0.5)
    most = max(1, int(room // size))
    if len(laid) > most:
        laid = laid[:most]
        last = laid[-1]
        while len(last) > 1 and text_width(last + "…", size, font) > width:
            last = last[:-1]
        laid[-1] = last + "…"
    return [Span(line, size, bold, colour) for line in laid]
