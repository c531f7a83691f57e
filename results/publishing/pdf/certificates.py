"""Certificates: a page per runner of a finished team, or a page per team listing its runners.

A finished team is one with status FIN: only those have a team time and places to print. The
input is the typed results, so a certificate says exactly what the results say.
"""

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable, HRFlowable

from results.publishing.pdf import fonts
from results.publishing.pdf.certificate_page import BORDER, CertificateDocument, TeamMark
from results.publishing.pdf.fonts import SANS_BOLD, draw_text, text_width
from results.publishing.pdf.layout import (
    ACCENT,
    INK,
    LINE,
    MUTED,
    Progress,
    Span,
    TextBox,
    date_label,
    fitted,
    km_label,
)
from results.publishing.pdf.printed_race import PrintedRace
from results.standings.display import LEG_WINNER_MARK, NEW_RECORD_MARK, UNKNOWN, format_short_duration
from results.standings.leg_honours import LegHonours, category_leg_places_of, leg_honours
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults

WIDTH, HEIGHT = A4


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


@dataclass(frozen=True)
class Certificates:
    #: The PDF (or, from certificates_zip, the ZIP of a PDF per team).
    content: bytes
    #: Pages actually drawn: one per certificate, whatever the names' length.
    pages: int


def certificates_pdf(race: PrintedRace, results: RaceResults, teams: list[TeamResults], **options) -> bytes:
    """The PDF alone of `certificates(...)`, which takes the same options."""
    return certificates(race, results, teams, **options).content


def certificates(
    race: PrintedRace,
    results: RaceResults,
    teams: list[TeamResults],
    *,
    runner_pages: bool = True,
    team_pages: bool = False,
    progress: Progress | None = None,
    made_at: datetime | None = None,
) -> Certificates:
    """The certificates and the number of pages drawn, in the race's language (names as entered).
    `made_at`: the file's creation date (None: a fixed date, so the same results give the same file)."""
    fonts.register()
    with translation.override(race.language):
        counts = _Counts.of(results, race)
        story: list[Flowable] = []
        document = CertificateDocument(BytesIO(), race=race, progress=progress, made_at=made_at)
        for team in teams:
            if team_pages:
                story += [_page(document, team, _team_page(race, team, counts)), PageBreak()]
            if runner_pages:
                for leg in team.legs:
                    story += [_page(document, team, _runner_page(race, team, leg, counts)), PageBreak()]
        if story:
            story.pop()  # no blank page after the last certificate
        document.pages_total = sum(isinstance(f, PageBreak) for f in story) + 1
        document.build(story)
        return Certificates(document.filename.getvalue(), document.page)


def _page(document: "CertificateDocument", team: TeamResults, content: list[Flowable]) -> Flowable:
    """A certificate's content, shrunk as a whole should it ever overflow: one page, always."""
    return KeepInFrame(
        document.frame.width, document.frame.height, [TeamMark(team.bib), *content], mode="shrink"
    )


def certificates_zip(
    race: PrintedRace,
    results: RaceResults,
    teams: list[TeamResults],
    *,
    progress: Progress | None = None,
    made_at: datetime | None = None,
) -> Certificates:
    """One PDF per team (its team page, then a page per runner) in a ZIP, named by bib and team."""
    buffer = BytesIO()
    pages = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, team in enumerate(teams):
            made = certificates(race, results, [team], team_pages=True, made_at=made_at)
            pages += made.pages
            info = zipfile.ZipInfo(
                certificate_filename(race, team), date_time=(*race.date.timetuple()[:3], 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, made.content)
            if progress:
                progress(done + 1, len(teams))
    return Certificates(buffer.getvalue(), pages)


def certificate_filename(race: PrintedRace, team: TeamResults) -> str:
    """`<race>-<bib>-<team>.pdf`; the team's name is kept to letters, digits and dashes of any script."""
    name = re.sub(r"[^\w]+", "-", team.name).strip("-_")[:60]
    return f"{race.slug}-{team.bib}-{name}.pdf" if name else f"{race.slug}-{team.bib}.pdf"


@dataclass(frozen=True)
class _Counts:
    """How many were ranked, to print "place 3 of 41", the category leg places and the honours."""

    finishers: int
    category_finishers: Counter
    leg_ranked: Counter
    #: (category, leg) -> legs placed in the category.
    category_leg_ranked: Counter
    category_places: dict
    honours: LegHonours

    @classmethod
    def of(cls, results: RaceResults, race: PrintedRace) -> "_Counts":
        finished = results.finishers
        placed = [(t, leg) for t in results.teams for leg in t.legs if leg.rank is not None]
        places = category_leg_places_of(results)
        return cls(
            finishers=len(finished),
            category_finishers=Counter(t.category for t in finished),
            leg_ranked=Counter(leg.number for _t, leg in placed),
            category_leg_ranked=Counter((t.category, leg.number) for t, leg in placed),
            category_places=places,
            honours=leg_honours(results.teams, race.records),
        )


class _Facts(Flowable):
    """Labels above values, side by side, centred: what a runner looks for first."""

    COLUMN = 45 * mm
    VALUE_SIZE = 16

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
            draw_text(
                self.canv,
                x,
                0,
                value,
                self.value_size(value),
                base=SANS_BOLD.name,
                align="centre",
                colour=INK,
            )

    def value_size(self, value: str) -> float:
        """16 pt, smaller for a value wider than its column ("12,345 of 25,000" in a big race)."""
        room = self.COLUMN - 3 * mm
        return min(
            self.VALUE_SIZE,
            self.VALUE_SIZE * room / max(text_width(value, self.VALUE_SIZE, SANS_BOLD.name), 1),
        )


# --- the pages ----------------------------------------------------------------------------


def _centred(*lines: Span | list[Span]) -> TextBox:
    return TextBox(*lines, align="centre")


#: The width the frame gives a certificate's lines (names shrink to fit it).
TEXT_WIDTH = WIDTH - 2 * BORDER - 24 * mm - 12 * mm
#: The team page's table: leg, km, runner, time, category place, place; the places get the room
#: of "171 of 292" at full size (the reference race's 300 teams).
TEAM_PAGE_COLUMNS = [17 * mm, 20 * mm, 40 * mm, 21 * mm, 26 * mm, 26 * mm]
CELL_PADDING = 6  # points each side, ReportLab's default, said here as the texts' room counts it


def _name(text: str, largest: float, *, lines: int = 2, bold: bool = True, colour=INK) -> TextBox:
    """A name as large as it fits in `lines` lines: a 200-character name shrinks, never spills."""
    spans = fitted(text, TEXT_WIDTH, largest=largest, smallest=7, lines=lines, bold=bold, colour=colour)
    return _centred(*spans)


def _heading(race: PrintedRace, title: str) -> list[Flowable]:
    return [
        _name(race.name, 15),
        _centred(
            Span(f"{date_label(race.date)} · {_('%s km') % km_label(race.distance_km)}", 10, colour=MUTED)
        ),
        Spacer(1, 18 * mm),
        _centred(Span(title, 30, colour=ACCENT)),
        Spacer(1, 4 * mm),
        HRFlowable(width=30 * mm, thickness=1, color=ACCENT, hAlign="CENTER"),
        Spacer(1, 10 * mm),
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
    category_place = counts.category_places.get((team.bib, leg.number))
    story = [
        *_heading(race, _("Certificate of finish")),
        _centred(Span(_("This certifies that"), 11, colour=MUTED)),
        Spacer(1, 5 * mm),
        _name(leg.runner or UNKNOWN, 28),
        Spacer(1, 5 * mm),
        _name(where, 11, bold=False, colour=MUTED),
        Spacer(1, 4 * mm),
        _name(team.name, 18),
        Spacer(1, 1 * mm),
        _name(_team_line(race, team), 10, bold=False, colour=MUTED),
        Spacer(1, 14 * mm),
        _Facts(
            [
                (_("Leg time"), format_short_duration(leg.time_ms) or UNKNOWN),
                (
                    _("Leg place in the category"),
                    _of(category_place, counts.category_leg_ranked[(team.category, leg.number)]),
                ),
                (_("Leg place, all teams"), _of(leg.rank, counts.leg_ranked[leg.number])),
            ]
        ),
        Spacer(1, 10 * mm),
        _team_facts(team, counts),
    ]
    honours = _honours(race, team, leg, counts.honours)
    if honours:
        story += [Spacer(1, 8 * mm), *[_name(line, 12, lines=2, colour=ACCENT) for line in honours]]
    if leg.kuriage:
        story += [
            Spacer(1, 8 * mm),
            _name(
                _("Carry-over start (kuriage): this leg started at the cutoff, without the team's tasuki."),
                8.5,
                bold=False,
                colour=MUTED,
            ),
        ]
    return story


def _honours(race: PrintedRace, team: TeamResults, leg: RunnerLeg, honours: LegHonours) -> list[str]:
    """The leg's honours in words: leg winner (区間賞), category leg winner, new leg record (区間新)."""
    lines = []
    if honours.leg_winner(team, leg.number):
        lines.append(_("Leg winner: the fastest of all teams on leg %d") % leg.number)
    elif honours.category_leg_winner(team, leg.number):
        lines.append(
            _("Category leg winner: the fastest of %(category)s on leg %(n)d")
            % {"category": race.category_name(team.category), "n": leg.number}
        )
    if honours.new_leg_record(team, leg.number):
        lines.append(_record_line(_("New leg record"), race.records.legs[leg.number]))
    return lines


def _record_line(title: str, record) -> str:
    by = ", ".join(str(part) for part in (record.runner, record.team, record.year) if part)
    before = format_short_duration(record.time_ms) + (f" ({by})" if by else "")
    return _("%(title)s (the record was %(before)s)") % {"title": title, "before": before}


def _team_page(race: PrintedRace, team: TeamResults, counts: "_Counts") -> list[Flowable]:
    heads = [
        (_("Leg"), "left"),
        (_("km"), "left"),
        (_("Runner"), "left"),
        (_("Time"), "right"),
        (_("Cat. place"), "right"),
        (_("Place"), "right"),
    ]
    room = [width - 2 * CELL_PADDING for width in TEAM_PAGE_COLUMNS]
    rows: list[list] = [
        [
            TextBox(Span(h, _heading_size(h, width), bold=True, colour=MUTED), align=align)
            for (h, align), width in zip(heads, room, strict=True)
        ]
    ]
    for leg in team.legs:
        course = race.leg(leg.number)
        time = format_short_duration(leg.time_ms) or UNKNOWN
        if counts.honours.leg_winner(team, leg.number):
            time = f"{LEG_WINNER_MARK} {time}"
        if counts.honours.new_leg_record(team, leg.number):
            time = f"{NEW_RECORD_MARK} {time}"
        category_place = _of(
            counts.category_places.get((team.bib, leg.number)),
            counts.category_leg_ranked[(team.category, leg.number)],
        )
        rows.append(
            [
                TextBox(Span(str(leg.number), 11)),
                TextBox(*_one_line(km_label(course.km) if course else "", room[1])),
                TextBox(*fitted(leg.runner or UNKNOWN, room[2], largest=11, smallest=7, lines=2)),
                # A distance, a time or a place on one line ("171 of 292", not "171 of" over
                # "292"): smaller type where a big field's places or both marks need it.
                TextBox(*_one_line(time, room[3]), align="right"),
                TextBox(*_one_line(category_place, room[4]), align="right"),
                TextBox(*_one_line(_of(leg.rank, counts.leg_ranked[leg.number]), room[5]), align="right"),
            ]
        )
    runners = Table(rows, colWidths=TEAM_PAGE_COLUMNS)
    runners.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    story = [
        *_heading(race, _("Team certificate")),
        _name(team.name, 24),
        Spacer(1, 2 * mm),
        _name(_team_line(race, team), 10, bold=False, colour=MUTED),
        Spacer(1, 10 * mm),
        runners,
    ]
    honours = counts.honours
    marks = []
    if any(honours.leg_winner(team, leg.number) for leg in team.legs):
        marks.append(f"{LEG_WINNER_MARK} {_('leg winner: the fastest of all teams on the leg')}")
    if any(honours.new_leg_record(team, leg.number) for leg in team.legs):
        marks.append(f"{NEW_RECORD_MARK} {_('new leg record')}")
    if marks:
        story += [Spacer(1, 2 * mm), _name(" · ".join(marks), 8, bold=False, colour=MUTED)]
    if counts.honours.new_course_record(team) and race.records.course:
        story += [
            Spacer(1, 4 * mm),
            _name(_record_line(_("New course record"), race.records.course), 12, colour=ACCENT),
        ]
    story += [Spacer(1, 12 * mm), _team_facts(team, counts)]
    return story


def _heading_size(heading: str, width: float, largest: float = 8, smallest: float = 6) -> float:
    """A column's heading wraps between its words, never inside one: the type shrinks until its
    longest word fits (Malay's "Peringkat" in the leg column)."""
    longest = max(text_width(word, largest, SANS_BOLD.name) for word in heading.split() or [heading])
    return max(smallest, min(largest, largest * width / longest))


def _one_line(text: str, width: float) -> list[Span]:
    return fitted(text, width, largest=11, smallest=7, lines=1)


def _team_line(race: PrintedRace, team: TeamResults) -> str:
    return _("bib %(bib)s · %(category)s") % {
        "bib": team.bib,
        "category": race.category_name(team.category),
    }


def _team_facts(team: TeamResults, counts: "_Counts") -> _Facts:
    return _Facts(
        [
            (_("Team time"), format_short_duration(team.total_ms)),
            (_("Overall place"), _of(team.rank, counts.finishers)),
            (_("Category place"), _of(team.category_rank, counts.category_finishers[team.category])),
        ]
    )


def _of(place: int | None, ranked: int) -> str:
    return UNKNOWN if place is None else _("%(place)d of %(ranked)d") % {"place": place, "ranked": ranked}
