"""A certificate's page: the frame, the "Provisional" band until the results are official, the
logo, the signature or else the race and its place, and a QR code to the team's public page."""

from datetime import datetime
from io import BytesIO

from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
)
from reportlab.platypus.flowables import Flowable

from results.publishing.pdf.fonts import SANS_BOLD, draw_text
from results.publishing.pdf.layout import (
    ACCENT,
    DOCUMENT_OPTIONS,
    INK,
    LINE,
    MUTED,
    Progress,
    date_label,
    dated,
    fitted,
    pdf_metadata,
)
from results.publishing.pdf.printed_race import PrintedRace

WIDTH, HEIGHT = A4
BORDER = 12 * mm
LOGO_BOX = (70 * mm, 28 * mm)  # the most a logo may take: width, height
SIGNATURE_Y = 42 * mm
BAND = 16 * mm  # "Provisional", across the page until the results are official
QR_SIZE = 26 * mm


class TeamMark(Flowable):
    """Takes no room; tells the page's decoration whose certificate it is (for the QR code)."""

    # Drawn although it takes no room: a KeepInFrame skips flowables of no height without it,
    # and every QR code then read ".../teams//".
    _ZEROSIZE = True

    def __init__(self, bib: str):
        super().__init__()
        self.bib = bib

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.canv._tasuki_bib = self.bib


class CertificateDocument(BaseDocTemplate):
    def __init__(
        self, buffer: BytesIO, *, race: PrintedRace, progress: Progress | None, made_at: datetime | None
    ):
        super().__init__(
            buffer,
            pagesize=A4,
            **pdf_metadata(_("Certificates: %s") % race.name, race, made_at),
            **DOCUMENT_OPTIONS,
        )
        self.race = race
        self.made_at = made_at
        self.logo = ImageReader(BytesIO(race.logo)) if race.logo else None
        self.progress = progress
        self.pages_total = 1
        self.qr_forms: dict[str, str] = {}  # a team's page address -> its QR code's form
        top = HEIGHT - BORDER - 8 * mm
        top -= LOGO_BOX[1] + 6 * mm if self.logo else 0
        top -= 0 if race.official else BAND + 4 * mm
        bottom = SIGNATURE_Y + 14 * mm
        self.frame = Frame(BORDER + 12 * mm, bottom, WIDTH - 2 * BORDER - 24 * mm, top - bottom)
        self.addPageTemplates(
            [
                PageTemplate(
                    id="certificate", frames=[self.frame], onPage=self._decorate, onPageEnd=self._finish
                )
            ]
        )

    def beforeDocument(self):
        dated(self.canv, self.made_at)

    def _decorate(self, canvas, document) -> None:
        """The frame, the band, the logo, the signature or the race: the same on every page, so
        drawn once as a form that each page places (a 1,200-page file stays small)."""
        if not canvas.hasForm("decoration"):
            canvas.beginForm("decoration")
            self._draw_decoration(canvas)
            canvas.endForm()
        canvas.doForm("decoration")

    def _draw_decoration(self, canvas) -> None:
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.rect(BORDER, BORDER, WIDTH - 2 * BORDER, HEIGHT - 2 * BORDER)
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.4)
        inset = BORDER + 2 * mm
        canvas.rect(inset, inset, WIDTH - 2 * inset, HEIGHT - 2 * inset)
        if self.logo:
            self._draw_logo(canvas)
        if not self.race.official:
            self._draw_provisional_band(canvas)
        if self.race.signature_name:
            canvas.setStrokeColor(INK)
            canvas.setLineWidth(0.5)
            canvas.line(WIDTH / 2 - 40 * mm, SIGNATURE_Y, WIDTH / 2 + 40 * mm, SIGNATURE_Y)
            canvas.setFillColor(INK)
            draw_text(canvas, WIDTH / 2, SIGNATURE_Y - 5 * mm, self.race.signature_name, 10, align="centre")
        else:
            self._draw_race_and_place(canvas)
        canvas.restoreState()

    def _draw_provisional_band(self, canvas) -> None:
        """Across the page, below the logo: until official a certificate certifies nothing final."""
        top = HEIGHT - BORDER - 4 * mm - (LOGO_BOX[1] + 6 * mm if self.logo else 0)
        inset = BORDER + 2 * mm
        canvas.setFillColor(ACCENT)
        canvas.rect(inset, top - BAND, WIDTH - 2 * inset, BAND, stroke=0, fill=1)
        draw_text(
            canvas,
            WIDTH / 2,
            top - BAND / 2 - 1 * mm,
            _("Provisional"),
            18,
            base=SANS_BOLD.name,
            align="centre",
            colour=colors.white,
        )
        note = _("Results not yet official: this certificate is valid only once they are.")
        draw_text(canvas, WIDTH / 2, top - BAND + 2 * mm, note, 8, align="centre", colour=colors.white)

    def _draw_race_and_place(self, canvas) -> None:
        """No signature: the race, where and when, in the space a signature would take."""
        race = self.race
        width = WIDTH - 2 * BORDER - 2 * QR_SIZE - 24 * mm
        y = SIGNATURE_Y + 2 * mm
        for span in fitted(race.name, width, largest=11, smallest=7, lines=2, bold=True):
            draw_text(
                canvas, WIDTH / 2, y, span.text, span.size, base=SANS_BOLD.name, align="centre", colour=INK
            )
            y -= span.size * 1.25
        where = " · ".join(part for part in (race.place, date_label(race.date)) if part)
        for span in fitted(where, width, largest=9, smallest=7, lines=2):
            draw_text(canvas, WIDTH / 2, y, span.text, span.size, align="centre", colour=MUTED)
            y -= span.size * 1.25

    def _finish(self, canvas, document) -> None:
        """After the page's content: the QR code to the team's public page, bottom right."""
        url = self.race.team_url(getattr(canvas, "_tasuki_bib", ""))
        if not url:
            return
        x = WIDTH - BORDER - 6 * mm - QR_SIZE
        canvas.saveState()
        canvas.translate(x, BORDER + 7 * mm)
        canvas.doForm(self._qr_form(canvas, url))
        canvas.restoreState()
        canvas.saveState()
        draw_text(
            canvas,
            x + QR_SIZE / 2,
            BORDER + 4 * mm,
            _("The team's results"),
            6.5,
            align="centre",
            colour=MUTED,
        )
        canvas.restoreState()

    def _qr_form(self, canvas, url: str) -> str:
        """The QR code of `url`, encoded and drawn once per file as a form that each of the
        team's pages places (the encoding, a search of eight masks, cost more than the page)."""
        name = self.qr_forms.get(url)
        if name is None:
            name = self.qr_forms[url] = f"qr{len(self.qr_forms)}"
            code = QrCode(url, qrLevel="M")
            # Drawn in modules (a version-v code is 4v + 17 wide, plus the quiet zone on each
            # side), then scaled: whole numbers keep the file small. Drawing encodes it, once.
            code.qr.version = code.qr.calculate_version()
            code.width = code.height = 4 * code.qr.version + 17 + 2 * code.qrBorder
            canvas.beginForm(name, lowerx=0, lowery=0, upperx=QR_SIZE, uppery=QR_SIZE)
            canvas.setFillColor(colors.black)
            canvas.scale(QR_SIZE / code.width, QR_SIZE / code.height)
            code.drawOn(canvas, 0, 0)
            canvas.endForm()
        return name

    def _draw_logo(self, canvas) -> None:
        width, height = self.logo.getSize()
        scale = min(LOGO_BOX[0] / width, LOGO_BOX[1] / height)
        w, h = width * scale, height * scale
        canvas.drawImage(self.logo, (WIDTH - w) / 2, HEIGHT - BORDER - 8 * mm - h, w, h, mask="auto")

    def afterPage(self):
        if self.progress:
            self.progress(self.page, self.pages_total)
