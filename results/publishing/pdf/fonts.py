"""Fonts that carry every runner's name: Latin with diacritics, Japanese and Chinese.

ReportLab embeds TrueType outlines only, so the CFF-based Noto CJK OpenType files will not do
(docs/decisions/pdf-fonts.md). No single font here has every name's glyphs, so a name is set
in runs: the Latin font wherever it has the glyph, and each run it lacks in the first CJK
font that has the whole run, so the characters of one name never come from two fonts.
ReportLab subsets each font to the glyphs a document uses and writes a ToUnicode map, so the
files stay small and every name can be searched and copied out of the PDF.
"""

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class FontFile:
    name: str  # the name the PDF markup uses
    path: str
    package: str  # the Debian package that installs it


SANS = FontFile("Tasuki-Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core")
SANS_BOLD = FontFile(
    "Tasuki-Sans-Bold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"
)
JAPANESE = FontFile(
    "Tasuki-Japanese", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", "fonts-ipaexfont-gothic"
)
CHINESE = FontFile(
    "Tasuki-Chinese", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"
)
FONTS = (SANS, SANS_BOLD, JAPANESE, CHINESE)

# Kana can only be Japanese. A name of Han characters alone is read as Chinese first (most such
# names at a Malaysian race are), so its characters take Chinese forms; Japanese forms when the
# name has kana, or when only the Japanese font has all of its characters.
KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))


class MissingFont(RuntimeError):
    """A font file is not installed; the message names the Debian package to install."""


def missing_fonts() -> list[str]:
    """One sentence per font file that is not on this machine."""
    return [
        _(
            "The PDF font %(path)s is missing: install the Debian package %(package)s (apt-get install %(package)s)."
        )
        % {"path": font.path, "package": font.package}
        for font in FONTS
        if not Path(font.path).is_file()
    ]


@cache
def register() -> None:
    """Load the fonts into ReportLab once per process; raises MissingFont if one is absent."""
    problems = missing_fonts()
    if problems:
        raise MissingFont(" ".join(problems))
    for font in FONTS:
        pdfmetrics.registerFont(TTFont(font.name, font.path))
    # <b> in markup picks the family's bold; the CJK fonts have none, so bold is the same font.
    for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(SANS.name, bold, italic, SANS_BOLD.name if bold else SANS.name)
        for font in (SANS_BOLD, JAPANESE, CHINESE):
            addMapping(font.name, bold, italic, font.name)


@cache
def _glyphs(font_name: str) -> dict[int, int]:
    return pdfmetrics.getFont(font_name).face.charToGlyph


def _has_kana(text: str) -> bool:
    return any(low <= ord(ch) <= high for ch in text for low, high in KANA)


@lru_cache(maxsize=20_000)  # a book prints each runner's name twice, each team's more often
def font_runs(text: str, base: str = SANS.name) -> tuple[tuple[str, str], ...]:
    """`text` as (font name, characters) runs: `base` wherever it has the glyph, else CJK."""
    register()
    text = unicodedata.normalize("NFC", text)
    in_base = _glyphs(base)
    fallbacks = (JAPANESE.name, CHINESE.name) if _has_kana(text) else (CHINESE.name, JAPANESE.name)
    runs: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        j = i
        if ord(text[i]) in in_base:
            while j < len(text) and ord(text[j]) in in_base:
                j += 1
            _append(runs, base, text[i:j])
        else:
            while j < len(text) and ord(text[j]) not in in_base:
                j += 1
            for font, chunk in _cjk_runs(text[i:j], fallbacks, base):
                _append(runs, font, chunk)
        i = j
    return tuple(runs)


def _cjk_runs(chunk: str, fallbacks: tuple[str, ...], base: str) -> list[tuple[str, str]]:
    """The whole chunk in one font if one has it all; else each character in the first that has it."""
    for font in fallbacks:
        glyphs = _glyphs(font)
        if all(ord(ch) in glyphs for ch in chunk):
            return [(font, chunk)]
    # A character no font has stays in the base font: a blank box, but the text is still there.
    return [(next((f for f in fallbacks if ord(ch) in _glyphs(f)), base), ch) for ch in chunk]


def _append(runs: list[tuple[str, str]], font: str, chunk: str) -> None:
    if runs and runs[-1][0] == font:
        runs[-1] = (font, runs[-1][1] + chunk)
    else:
        runs.append((font, chunk))


def markup(text: str, base: str = SANS.name) -> str:
    """Paragraph markup for plain text: escaped, each run the base font lacks in a <font> tag."""
    return "".join(
        escape(chunk) if font == base else f'<font name="{font}">{escape(chunk)}</font>'
        for font, chunk in font_runs(text, base)
    )


@lru_cache(maxsize=50_000)
def _width(chunk: str, font: str, size: float) -> float:
    # ReportLab measures a TrueType string glyph by glyph in Python; names and labels repeat.
    return pdfmetrics.stringWidth(chunk, font, size)


def text_width(text: str, size: float, base: str = SANS.name) -> float:
    return sum(_width(chunk, font, size) for font, chunk in font_runs(text, base))


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    base: str = SANS.name,
    align: str = "left",
    colour=None,
) -> float:
    """Draw one line straight on the canvas, run by run; returns its width.

    The CJK fonts have no bold, so in a bold line their runs are drawn with a thin outline of
    their own colour: a runner's name in kanji stands out as much as one in Latin letters.
    """
    runs = font_runs(text, base)
    width = sum(_width(chunk, font, size) for font, chunk in runs)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    if colour is not None:
        canvas.setFillColor(colour)
    for font, chunk in runs:
        if base == SANS_BOLD.name and font != base:
            _draw_emboldened(canvas, x, y, chunk, font, size, colour)
        else:
            canvas.setFont(font, size)
            canvas.drawString(x, y, chunk)
        x += _width(chunk, font, size)
    return width


def _draw_emboldened(canvas: Canvas, x: float, y: float, chunk: str, font: str, size: float, colour) -> None:
    canvas.saveState()
    if colour is not None:
        canvas.setStrokeColor(colour)
    canvas.setLineWidth(size * 0.035)
    line = canvas.beginText(x, y)
    line.setFont(font, size)
    line.setTextRenderMode(2)  # fill, then stroke the outline
    line.textOut(chunk)
    canvas.drawText(line)
    canvas.restoreState()
