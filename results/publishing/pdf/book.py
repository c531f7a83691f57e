"""The results book: a cover, a section per category, the overall list and the leg records.

Input is the typed results (`standings_for_race`), whose teams are already in the order the
standings rules list them: finishers by place, then the teams still out or out of the race.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from io import BytesIO

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from results.publishing.pdf import fonts
from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text, markup
from results.publishing.pdf.layout import (
    ACCENT,
    DOCUMENT_OPTIONS,
    INK,
    LINE,
    MUTED,
    TINT,
    Progress,
    Span,
    TextBox,
    date_label,
    km_label,
    made_label,
    page_counting_canvas,
    place_label,
    style,
)
from results.publishing.pdf.printed_race import PrintedRace
from results.standings.display import KURIAGE_MARK, UNKNOWN, displayed_gap, format_duration, leg_time_label
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults

MARGIN = 14 * mm
HEADING = style("heading", 14, bold=True, colour=ACCENT, spaceBefore=12, spaceAfter=6)
BODY = style("body", 10, spaceBefore=6, spaceAfter=4)
NOTE = style("note", 8, colour=MUTED, spaceBefore=4)
LAST_NOTE = style("last-note", 8, colour=MUTED, spaceBefore=4, spaceAfter=14)  # room before the next section
CELL_SIZE = 7.5


def results_book(
    race: PrintedRace, results: RaceResults, *, made_at: datetime, progress: Progress | None = None
) -> bytes:
    """The whole book as PDF bytes; `made_at` (an aware datetime) is printed on every page."""
    fonts.register()
    teams = list(results.teams)
    story: list[Flowable] = [*_cover(race, teams), NextPageTemplate("landscape"), PageBreak()]
    for code, name in race.categories:
        in_category = [t for t in teams if t.category == code]
        if in_category:
            story += _section(race, _("%(name)s (%(code)s)") % {"name": name, "code": code}, in_category)
    story += _section(race, _("Overall"), teams, overall=True)
    story += [NextPageTemplate("portrait"), PageBreak(), *_leg_records(race, teams)]

    buffer = BytesIO()
    document = _BookDocument(buffer, race=race, progress=progress)
    document.rows_total = sum(len(f._cellvalues) for f in story if isinstance(f, LongTable))
    decorate = partial(_decorate_page, race=race, made_at=made_at)
    document.build(story, canvasmaker=page_counting_canvas(decorate))
    return buffer.getvalue()


class _BookDocument(BaseDocTemplate):
    """Portrait for the cover and the records, landscape where a column per leg needs the room."""

    def __init__(self, buffer: BytesIO, *, race: PrintedRace, progress: Progress | None):
        super().__init__(
            buffer,
            pagesize=A4,
            title=_("Results: %s") % race.name,
            subject=race.slug,
            **DOCUMENT_OPTIONS,
        )
        self.progress = progress
        self.rows_total = 0
        self.rows_done = 0
        self.addPageTemplates([_template("portrait", A4), _template("landscape", landscape(A4))])

    def afterFlowable(self, flowable):
        if self.progress and isinstance(flowable, LongTable):
            self.rows_done += len(flowable._cellvalues)
            self.progress(min(self.rows_done, self.rows_total), self.rows_total or 1)


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    width, height = size
    frame = Frame(MARGIN, MARGIN + 4 * mm, width - 2 * MARGIN, height - 2 * MARGIN - 10 * mm, id=name)
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def _decorate_page(canvas, page: int, pages: int, *, race: PrintedRace, made_at: datetime) -> None:
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setFillColor(MUTED)
    if page > 1:
        top = height - MARGIN + 2 * mm
        draw_text(canvas, MARGIN, top, race.name, 8, base=SANS_BOLD.name, colour=MUTED)
        status = _("Final results") if race.closed else _("Provisional results")
        draw_text(canvas, width - MARGIN, top, f"{date_label(race.date)} · {status}", 8, align="right")
        canvas.setStrokeColor(LINE)
        canvas.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
    bottom = MARGIN - 4 * mm
    draw_text(canvas, MARGIN, bottom, f"Tasuki · {made_label(made_at, race.zone)}", 7)
    draw_text(
        canvas,
        width - MARGIN,
        bottom,
        _("page %(page)d of %(pages)d") % {"page": page, "pages": pages},
        7,
        align="right",
    )
    canvas.restoreState()


# --- the cover ----------------------------------------------------------------------------


def _cover(race: PrintedRace, teams: list[TeamResults]) -> list[Flowable]:
    finishers = [t for t in teams if t.finished]
    facts = [
        (_("Date"), date_label(race.date)),
        (_("Distance"), _("%s km") % km_label(race.distance_km)),
        (_("Legs"), str(len(race.legs))),
        (_("Teams entered"), str(len(teams))),
        (_("Teams finished"), str(len(finishers))),
    ]
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        TextBox(Span(race.name, 24, bold=True)),
        Spacer(1, 2 * mm),
        TextBox(Span(_("Results book") if race.closed else _("Results book: provisional"), 13, colour=MUTED)),
        Spacer(1, 8 * mm),
        _small_table(
            [[TextBox(Span(k, 10, colour=MUTED)), TextBox(Span(v, 10, bold=True))] for k, v in facts],
            [45 * mm, 100 * mm],
            lines=False,
        ),
    ]
    if not race.closed:
        story.append(
            Paragraph(
                markup(_("The race is not closed yet: teams still on the course are listed as RUN.")), BODY
            )
        )
    if not finishers:
        story.append(Paragraph(markup(_("No team has finished, so there are no places to print yet.")), BODY))
    story += [Paragraph(markup(_("Legs")), HEADING), _legs_table(race)]
    story += [Paragraph(markup(_("Categories")), HEADING), _categories_table(race, teams)]
    return story


def _legs_table(race: PrintedRace) -> Table:
    rows = [_heads(_("Leg"), _("From"), _("To"), _("km"))]
    for leg in race.legs:
        rows.append(
            [str(leg.number), TextBox(Span(leg.start, 8)), TextBox(Span(leg.end, 8)), km_label(leg.km)]
        )
    return _small_table(rows, [14 * mm, 60 * mm, 60 * mm, 20 * mm])


def _categories_table(race: PrintedRace, teams: list[TeamResults]) -> Table:
    rows = [_heads(_("Category"), _("Entered"), _("Finished"), _("Winner"), _("Time"))]
    for code, name in race.categories:
        in_category = [t for t in teams if t.category == code]
        winner = next((t for t in in_category if t.category_rank == 1), None)
        rows.append(
            [
                TextBox(Span(f"{name} ({code})", 8)),
                str(len(in_category)),
                str(sum(t.finished for t in in_category)),
                TextBox(Span(winner.name if winner else UNKNOWN, 8)),
                format_duration(winner.total_ms) if winner else "",
            ]
        )
    return _small_table(rows, [50 * mm, 18 * mm, 18 * mm, 70 * mm, 22 * mm])


def _heads(*heads: str) -> list[TextBox]:
    return [TextBox(Span(h, 6.5, bold=True, colour=MUTED)) for h in heads]


def _small_table(rows: list[list], widths: list[float], *, lines: bool = True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if lines else 0)
    commands = [("FONT", (0, 0), (-1, -1), SANS.name, 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if lines:
        commands += [("LINEBELOW", (0, 0), (-1, 0), 0.6, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE)]
    table.setStyle(TableStyle(commands))
    return table


# --- the results tables -------------------------------------------------------------------


def _section(
    race: PrintedRace, title: str, teams: list[TeamResults], *, overall: bool = False
) -> list[Flowable]:
    """The section's table, its title repeated on every page; carry-over starts get a footnote."""
    story: list[Flowable] = [CondPageBreak(50 * mm), _results_table(race, title, teams, overall=overall)]
    if not any(t.finished for t in teams):
        story.append(Paragraph(markup(_("No team has finished here yet.")), BODY))
    notes = []
    if any(t.has_kuriage for t in teams):
        notes.append(
            _(
                "%(mark)s carry-over start (kuriage): the leader was too far ahead, so this "
                "runner set off at the cutoff without the team's tasuki. The lost time still counts."
            )
            % {"mark": KURIAGE_MARK}
        )
    notes.append(
        _(
            "Times are rounded up to the whole second; leg places in brackets. Gap: behind the "
            "first of this list, in displayed seconds. DNF did not finish · DNS did not start · "
            "DQ disqualified · RUN still on the course."
        )
    )
    story += [Paragraph(markup(note), NOTE) for note in notes[:-1]]
    story.append(Paragraph(markup(notes[-1]), LAST_NOTE))
    return story


def _results_table(race: PrintedRace, title: str, teams: list[TeamResults], *, overall: bool) -> LongTable:
    legs = len(race.legs)
    page_width = landscape(A4)[0] - 2 * MARGIN
    fixed = [11 * mm, 10 * mm, 40 * mm] + ([10 * mm, 10 * mm] if overall else []) + [16 * mm, 16 * mm]
    leg_width = (page_width - sum(fixed)) / max(legs, 1)
    widths = fixed[:3] + [leg_width] * legs + fixed[3:]

    heads = [_("Place"), _("Bib"), _("Team")]
    heads += [_("Leg %(n)d · %(km)s km") % {"n": leg.number, "km": km_label(leg.km)} for leg in race.legs]
    heads += ([_("Cat."), _("Cat. place")] if overall else []) + [_("Time"), _("Gap")]
    right = len(heads) - 2
    rows: list[list] = [[TextBox(Span(title, 11, bold=True, colour=ACCENT))] + [""] * (len(widths) - 1)]
    rows.append(
        [
            TextBox(Span(h, 6.5, bold=True, colour=MUTED), align="right" if i >= right else "left")
            for i, h in enumerate(heads)
        ]
    )

    winner = next((t.total_ms for t in teams if t.finished), None)
    for team in teams:
        finished = team.finished
        place = team.rank if overall else team.category_rank
        row = [
            place_label(place) if finished else team.status.value,
            team.bib,
            TextBox(Span(team.name, CELL_SIZE)),
        ]
        row += [_leg_cell(leg) for leg in team.legs]
        if overall:
            row += [team.category, place_label(team.category_rank)]
        row += [format_duration(team.total_ms) if finished else "", _gap(team, winner) if finished else ""]
        rows.append(row)

    table = LongTable(rows, colWidths=widths, repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS.name, CELL_SIZE),
                ("FONT", (0, 2), (0, -1), SANS_BOLD.name, CELL_SIZE),
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (right, 1), (-1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
                ("LINEBELOW", (0, 1), (-1, 1), 0.6, INK),
                ("ROWBACKGROUNDS", (0, 2), (-1, -1), [None, TINT]),
            ]
        )
    )
    return table


def _leg_cell(leg: RunnerLeg) -> TextBox:
    """Runner on the first line; time, carry-over mark and (small) leg place on the second."""
    second = [Span(leg_time_label(leg.time_ms, leg.kuriage) or UNKNOWN, CELL_SIZE)]
    if leg.rank is not None:
        second.append(Span(f" ({leg.rank})", 5.5, colour=MUTED))
    return TextBox(Span(leg.runner or UNKNOWN, CELL_SIZE), second)


def _gap(team: TeamResults, winner_ms: int | None) -> str:
    """Behind the list's winner in displayed (rounded-up) seconds, so gaps and times agree."""
    if winner_ms is None or team.total_ms == winner_ms:
        return ""
    return "+" + format_duration(displayed_gap(team.total_ms, winner_ms))


# --- the leg records ----------------------------------------------------------------------


def _leg_records(race: PrintedRace, teams: list[TeamResults]) -> list[Flowable]:
    heads = [_("Leg"), _("Category"), _("Runner"), _("Team"), _("Bib"), _("Time")]
    rows: list[list] = [
        [TextBox(Span(_("Leg records: the fastest runner of each leg"), 11, bold=True, colour=ACCENT))]
        + [""] * (len(heads) - 1),
        [TextBox(Span(h, 6.5, bold=True, colour=MUTED)) for h in heads],
    ]
    groups = [(_("Overall"), teams)] + [
        (name, [t for t in teams if t.category == code]) for code, name in race.categories
    ]
    for leg in race.legs:
        leg_label = _("%(n)d · %(km)s km") % {"n": leg.number, "km": km_label(leg.km)}
        for label, group in groups:
            for team, record in _fastest(group, leg.number):
                rows.append(
                    [
                        leg_label,
                        TextBox(Span(label, 8)),
                        TextBox(Span(record.runner or UNKNOWN, 8)),
                        TextBox(Span(team.name, 8)),
                        team.bib,
                        leg_time_label(record.time_ms, record.kuriage),
                    ]
                )
                leg_label = ""
    if len(rows) == 2:
        return [Paragraph(markup(_("No leg has been timed yet.")), BODY)]
    widths = [26 * mm, 30 * mm, 48 * mm, 0, 11 * mm, 19 * mm]
    widths[3] = A4[0] - 2 * MARGIN - sum(widths)
    table = LongTable(rows, colWidths=widths, repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS.name, 8),
                ("FONT", (0, 2), (0, -1), SANS_BOLD.name, 8),
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 6),
                ("LINEBELOW", (0, 1), (-1, 1), 0.6, INK),
                ("ROWBACKGROUNDS", (0, 2), (-1, -1), [None, TINT]),
            ]
        )
    )
    note = _(
        "Among the teams still in the race (not DQ or DNS); equal times share the record. "
        "%(mark)s carry-over start: the leg was timed from the cutoff."
    ) % {"mark": KURIAGE_MARK}
    return [table, Paragraph(markup(note), NOTE)]


def _fastest(teams: Iterable[TeamResults], leg_number: int) -> list[tuple[TeamResults, RunnerLeg]]:
    """The team(s) and leg record(s) with the group's best time on this leg; ties share it."""
    timed = [
        (team, leg)
        for team in teams
        for leg in team.legs
        if leg.number == leg_number and leg.rank is not None and leg.time_ms is not None
    ]
    if not timed:
        return []
    best = min(leg.time_ms for _team, leg in timed)
    return [(team, leg) for team, leg in timed if leg.time_ms == best]
