"""Certificates: a page per runner of a finished team, or a page per team listing its runners.

A finished team is one with status FIN: only those have a team time and places to print. The
input is the typed results, so a certificate says exactly what the results say.
"""

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from results.publishing.pdf import fonts
from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text
from results.publishing.pdf.layout import (
    ACCENT,
    DOCUMENT_OPTIONS,
    INK,
    LINE,
    MUTED,
    Progress,
    Span,
    TextBox,
    date_label,
    km_label,
)
from results.publishing.pdf.printed_race import PrintedRace
from results.standings.display import UNKNOWN, format_duration
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults

WIDTH, HEIGHT = A4
BORDER = 12 * mm
LOGO_BOX = (70 * mm, 28 * mm)  # the most a logo may take: width, height
SIGNATURE_Y = 42 * mm


def finished_teams(
    results: RaceResults, *, category: str | None = None, bib: str | None = None
) -> list[TeamResults]:
    """The teams that get certificates, in the order of the results."""
    return [
        team
        for team in results.finishers
        if (category is None or team.category == category) and (bib is None or team.bib == bib)
    ]


def no_finishers_message(race_name: str, category_name: str | None = None) -> str:
    if category_name is None:
        return _("No team of %s has finished, so there are no certificates.") % race_name
    return _("No team of %(race)s in %(category)s has finished, so there are no certificates.") % {
        "race": race_name,
        "category": category_name,
    }


def certificates_pdf(
    race: PrintedRace,
    results: RaceResults,
    teams: list[TeamResults],
    *,
    runner_pages: bool = True,
    team_pages: bool = False,
    progress: Progress | None = None,
) -> bytes:
    """Certificates of `teams` (finished teams of `results`): for each team its team page and/or
    a page per runner, in that order."""
    fonts.register()
    counts = _Counts.of(results)
    story: list[Flowable] = []
    for team in teams:
        if team_pages:
            story += [*_team_page(race, team, counts), PageBreak()]
        if runner_pages:
            for leg in team.legs:
                story += [*_runner_page(race, team, leg, counts), PageBreak()]
    if story:
        story.pop()  # no blank page after the last certificate
    buffer = BytesIO()
    document = _CertificateDocument(buffer, race=race, progress=progress)
    document.pages_total = sum(isinstance(f, PageBreak) for f in story) + 1
    document.build(story)
    return buffer.getvalue()


def certificates_zip(
    race: PrintedRace, results: RaceResults, teams: list[TeamResults], *, progress: Progress | None = None
) -> bytes:
    """One PDF per team (its team page, then a page per runner) in a ZIP, named by bib and team."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, team in enumerate(teams):
            pdf = certificates_pdf(race, results, [team], team_pages=True)
            info = zipfile.ZipInfo(
                certificate_filename(race, team), date_time=(*race.date.timetuple()[:3], 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, pdf)
            if progress:
                progress(done + 1, len(teams))
    return buffer.getvalue()


def certificate_filename(race: PrintedRace, team: TeamResults) -> str:
    """`<race>-<bib>-<team>.pdf`; the team's name is kept to letters, digits and dashes of any script."""
    name = re.sub(r"[^\w]+", "-", team.name).strip("-_")[:60]
    return f"{race.slug}-{team.bib}-{name}.pdf" if name else f"{race.slug}-{team.bib}.pdf"


@dataclass(frozen=True)
class _Counts:
    """How many were ranked, to print "place 3 of 41"."""

    finishers: int
    category_finishers: Counter
    leg_ranked: Counter

    @classmethod
    def of(cls, results: RaceResults) -> "_Counts":
        finished = results.finishers
        return cls(
            finishers=len(finished),
            category_finishers=Counter(t.category for t in finished),
            leg_ranked=Counter(leg.number for t in results.teams for leg in t.legs if leg.rank is not None),
        )


class _CertificateDocument(BaseDocTemplate):
    def __init__(self, buffer: BytesIO, *, race: PrintedRace, progress: Progress | None):
        super().__init__(
            buffer,
            pagesize=A4,
            title=_("Certificates: %s") % race.name,
            subject=race.slug,
            **DOCUMENT_OPTIONS,
        )
        self.race = race
        self.logo = ImageReader(BytesIO(race.logo)) if race.logo else None
        self.progress = progress
        self.pages_total = 1
        top = HEIGHT - BORDER - 8 * mm - (LOGO_BOX[1] + 6 * mm if self.logo else 0)
        frame = Frame(
            BORDER + 12 * mm, SIGNATURE_Y + 14 * mm, WIDTH - 2 * BORDER - 24 * mm, top - SIGNATURE_Y - 14 * mm
        )
        self.addPageTemplates([PageTemplate(id="certificate", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas, document) -> None:
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
        if self.race.signature_name:
            canvas.setStrokeColor(INK)
            canvas.setLineWidth(0.5)
            canvas.line(WIDTH / 2 - 40 * mm, SIGNATURE_Y, WIDTH / 2 + 40 * mm, SIGNATURE_Y)
            canvas.setFillColor(INK)
            draw_text(canvas, WIDTH / 2, SIGNATURE_Y - 5 * mm, self.race.signature_name, 10, align="centre")
        canvas.restoreState()

    def _draw_logo(self, canvas) -> None:
        width, height = self.logo.getSize()
        scale = min(LOGO_BOX[0] / width, LOGO_BOX[1] / height)
        w, h = width * scale, height * scale
        canvas.drawImage(self.logo, (WIDTH - w) / 2, HEIGHT - BORDER - 8 * mm - h, w, h, mask="auto")

    def afterPage(self):
        if self.progress:
            self.progress(self.page, self.pages_total)


class _Facts(Flowable):
    """Labels above values, side by side, centred: what a runner looks for first."""

    COLUMN = 45 * mm

    def __init__(self, facts: list[tuple[str, str]]):
        super().__init__()
        self.facts = facts

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, 11 * mm
        return self.width, self.height

    def draw(self):
        left = (self.width - self.COLUMN * len(self.facts)) / 2 + self.COLUMN / 2
        for i, (label, value) in enumerate(self.facts):
            x = left + i * self.COLUMN
            draw_text(self.canv, x, self.height - 8.5, label, 8.5, align="centre", colour=MUTED)
            draw_text(self.canv, x, 0, value, 16, base=SANS_BOLD.name, align="centre", colour=INK)


# --- the pages ----------------------------------------------------------------------------


def _centred(*lines: Span | list[Span]) -> TextBox:
    return TextBox(*lines, align="centre")


def _heading(race: PrintedRace, title: str) -> list[Flowable]:
    return [
        _centred(Span(race.name, 15, bold=True)),
        _centred(
            Span(f"{date_label(race.date)} · {_('%s km') % km_label(race.distance_km)}", 10, colour=MUTED)
        ),
        Spacer(1, 30 * mm),
        _centred(Span(title, 30, colour=ACCENT)),
        Spacer(1, 4 * mm),
        HRFlowable(width=30 * mm, thickness=1, color=ACCENT, hAlign="CENTER"),
        Spacer(1, 12 * mm),
    ]


def _runner_page(race: PrintedRace, team: TeamResults, leg: RunnerLeg, counts: "_Counts") -> list[Flowable]:
    course = race.leg(leg.number)
    if course:
        where = _("ran leg %(n)d (%(start)s – %(end)s, %(km)s km) for") % {
            "n": leg.number,
            "start": course.start,
            "end": course.end,
            "km": km_label(course.km),
        }
    else:
        where = _("ran leg %d for") % leg.number
    story = [
        *_heading(race, _("Certificate of finish")),
        _centred(Span(_("This certifies that"), 11, colour=MUTED)),
        Spacer(1, 5 * mm),
        _centred(Span(leg.runner or UNKNOWN, 28, bold=True)),
        Spacer(1, 5 * mm),
        _centred(Span(where, 11, colour=MUTED)),
        Spacer(1, 4 * mm),
        _centred(Span(team.name, 18, bold=True)),
        Spacer(1, 1 * mm),
        _centred(Span(_team_line(race, team), 10, colour=MUTED)),
        Spacer(1, 20 * mm),
        _Facts(
            [
                (_("Leg time"), format_duration(leg.time_ms) or UNKNOWN),
                (_("Leg place"), _of(leg.rank, counts.leg_ranked[leg.number])),
            ]
        ),
        Spacer(1, 10 * mm),
        _team_facts(team, counts),
    ]
    if leg.kuriage:
        story += [
            Spacer(1, 10 * mm),
            _centred(
                Span(
                    _(
                        "Carry-over start (kuriage): this leg started at the cutoff, without the team's tasuki."
                    ),
                    8.5,
                    colour=MUTED,
                )
            ),
        ]
    return story


def _team_page(race: PrintedRace, team: TeamResults, counts: "_Counts") -> list[Flowable]:
    heads = [
        (_("Leg"), "left"),
        (_("km"), "left"),
        (_("Runner"), "left"),
        (_("Time"), "right"),
        (_("Place"), "right"),
    ]
    rows: list[list] = [[TextBox(Span(h, 8, bold=True, colour=MUTED), align=align) for h, align in heads]]
    for leg in team.legs:
        course = race.leg(leg.number)
        rows.append(
            [
                str(leg.number),
                km_label(course.km) if course else "",
                TextBox(Span(leg.runner or UNKNOWN, 11)),
                format_duration(leg.time_ms) or UNKNOWN,
                _of(leg.rank, counts.leg_ranked[leg.number]),
            ]
        )
    runners = Table(rows, colWidths=[12 * mm, 18 * mm, 70 * mm, 24 * mm, 28 * mm])
    runners.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS.name, 11),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    return [
        *_heading(race, _("Team certificate")),
        _centred(Span(team.name, 24, bold=True)),
        Spacer(1, 2 * mm),
        _centred(Span(_team_line(race, team), 10, colour=MUTED)),
        Spacer(1, 14 * mm),
        runners,
        Spacer(1, 16 * mm),
        _team_facts(team, counts),
    ]


def _team_line(race: PrintedRace, team: TeamResults) -> str:
    return _("bib %(bib)s · %(category)s") % {
        "bib": team.bib,
        "category": race.category_name(team.category),
    }


def _team_facts(team: TeamResults, counts: "_Counts") -> _Facts:
    return _Facts(
        [
            (_("Team time"), format_duration(team.total_ms)),
            (_("Overall place"), _of(team.rank, counts.finishers)),
            (_("Category place"), _of(team.category_rank, counts.category_finishers[team.category])),
        ]
    )


def _of(place: int | None, ranked: int) -> str:
    return UNKNOWN if place is None else _("%(place)d of %(ranked)d") % {"place": place, "ranked": ranked}
