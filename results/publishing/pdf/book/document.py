"""The book as a whole: the document and its metadata, each page's header and footer, the cover."""

from datetime import datetime
from functools import partial
from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import Flowable

from races.models import ResultsState
from results.publishing.pdf import fonts
from results.publishing.pdf.book.cells import (
    BODY,
    HEADING,
    MARGIN,
    cell,
    head_cells,
    small_table,
)
from results.publishing.pdf.book.leg_honours import leg_honours_page
from results.publishing.pdf.book.results_tables import section
from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text, markup
from results.publishing.pdf.layout import (
    ACCENT,
    DOCUMENT_OPTIONS,
    LINE,
    MUTED,
    Bookmark,
    Progress,
    Span,
    TextBox,
    date_label,
    dated,
    km_label,
    made_label,
    page_counting_canvas,
    pdf_metadata,
)
from results.publishing.pdf.printed_race import PrintedRace
from results.standings.display import (
    UNKNOWN,
    format_short_duration,
)
from results.standings.leg_honours import leg_honours
from results.standings.race_results import RaceResults, TeamResults


def results_book(
    race: PrintedRace, results: RaceResults, *, made_at: datetime, progress: Progress | None = None
) -> bytes:
    """The whole book as PDF bytes, in the race's language (names as entered); `made_at` (an aware
    datetime) is printed on every page and is the file's creation date."""
    fonts.register()
    with translation.override(race.language):
        teams = list(results.teams)
        honours = leg_honours(teams, race.records)
        story: list[Flowable] = [
            Bookmark(_("Cover"), "cover"),
            *_cover(race, teams),
            NextPageTemplate("landscape"),
            PageBreak(),
        ]
        for code, name in race.categories:
            in_category = [t for t in teams if t.category == code]
            if in_category:
                title = _("%(name)s (%(code)s)") % {"name": name, "code": code}
                story += section(race, title, in_category, honours, key=f"category-{code}")
        story += section(race, _("Overall"), teams, honours, key="overall", overall=True)
        story += [NextPageTemplate("portrait"), PageBreak(), *leg_honours_page(race, teams, honours)]

        buffer = BytesIO()
        document = _BookDocument(buffer, race=race, progress=progress, made_at=made_at)
        document.rows_total = sum(len(f._cellvalues) for f in story if isinstance(f, LongTable))
        decorate = partial(_decorate_page, race=race, made_at=made_at)
        document.build(story, canvasmaker=page_counting_canvas(decorate))
        return buffer.getvalue()


class _BookDocument(BaseDocTemplate):
    """Portrait for the cover and the honours, landscape where a column per leg needs the room."""

    def __init__(self, buffer: BytesIO, *, race: PrintedRace, progress: Progress | None, made_at: datetime):
        super().__init__(
            buffer,
            pagesize=A4,
            **pdf_metadata(_("Results: %s") % race.name, race, made_at),
            **DOCUMENT_OPTIONS,
        )
        self.made_at = made_at
        self.progress = progress
        self.rows_total = 0
        self.rows_done = 0
        self.addPageTemplates([_template("portrait", A4), _template("landscape", landscape(A4))])

    def beforeDocument(self):
        dated(self.canv, self.made_at)
        self.canv.showOutline()  # a reader opens the book with its bookmarks shown

    def afterFlowable(self, flowable):
        if self.progress and isinstance(flowable, LongTable):
            self.rows_done += len(flowable._cellvalues)
            self.progress(min(self.rows_done, self.rows_total), self.rows_total or 1)


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    width, height = size
    frame = Frame(MARGIN, MARGIN + 4 * mm, width - 2 * MARGIN, height - 2 * MARGIN - 10 * mm, id=name)
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def state_label(state: ResultsState) -> str:
    """What the results are, as the book's cover and every page's header say it."""
    if state == ResultsState.OFFICIAL:
        return _("Official results")
    if state == ResultsState.PROVISIONAL:
        return _("Provisional results")
    return _("Live results: not final")


def _decorate_page(canvas, page: int, pages: int, *, race: PrintedRace, made_at: datetime) -> None:
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setFillColor(MUTED)
    if page > 1:
        top = height - MARGIN + 2 * mm
        draw_text(canvas, MARGIN, top, race.name, 8, base=SANS_BOLD.name, colour=MUTED)
        status = state_label(race.state)
        bold = SANS.name if race.official else SANS_BOLD.name
        colour = MUTED if race.official else ACCENT
        draw_text(
            canvas, width - MARGIN, top, f"{date_label(race.date)} · {status}", 8, bold, "right", colour
        )
        canvas.setStrokeColor(LINE)
        canvas.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
    bottom = MARGIN - 4 * mm
    draw_text(canvas, MARGIN, bottom, f"Tasuki · {made_label(made_at, race.zone)}", 7, colour=MUTED)
    draw_text(
        canvas,
        width - MARGIN,
        bottom,
        _("page %(page)d of %(pages)d") % {"page": page, "pages": pages},
        7,
        align="right",
        colour=MUTED,
    )
    canvas.restoreState()


# --- the cover ----------------------------------------------------------------------------


def _cover(race: PrintedRace, teams: list[TeamResults]) -> list[Flowable]:
    finishers = [t for t in teams if t.finished]
    facts = [(_("Date"), date_label(race.date))]
    if race.gun is not None:
        facts.append((_("Start"), race.gun.astimezone(race.zone).strftime("%H:%M")))
    if race.place:
        facts.append((_("Venue"), race.place))
    facts += [
        (_("Distance"), _("%s km") % km_label(race.distance_km)),
        (_("Legs"), str(len(race.legs))),
        (_("Teams entered"), str(len(teams))),
        (_("Teams finished"), str(len(finishers))),
    ]
    title = _("Results book") + " · " + state_label(race.state)
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        TextBox(Span(race.name, 24, bold=True)),
        Spacer(1, 2 * mm),
        TextBox(Span(title, 13, colour=MUTED if race.official else ACCENT)),
        Spacer(1, 8 * mm),
        small_table(
            [[cell(k, 10, colour=MUTED), cell(v, 10, bold=True)] for k, v in facts],
            [45 * mm, 120 * mm],
            lines=False,
        ),
    ]
    if race.state == ResultsState.PROVISIONAL:
        story.append(
            Paragraph(
                markup(
                    _("The results are provisional until the protest window closes; places may still change.")
                ),
                BODY,
            )
        )
    elif not race.closed:
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
    rows = [head_cells(_("Leg"), _("From"), _("To"), _("km"))]
    for leg in race.legs:
        rows.append(
            [cell(str(leg.number), 8), cell(leg.start, 8), cell(leg.end, 8), cell(km_label(leg.km), 8)]
        )
    return small_table(rows, [14 * mm, 60 * mm, 60 * mm, 20 * mm])


def _categories_table(race: PrintedRace, teams: list[TeamResults]) -> Table:
    rows = [head_cells(_("Category"), _("Entered"), _("Finished"), _("Winner"), _("Time"))]
    for code, name in race.categories:
        in_category = [t for t in teams if t.category == code]
        winner = next((t for t in in_category if t.category_rank == 1), None)
        rows.append(
            [
                cell(f"{name} ({code})", 8),
                cell(str(len(in_category)), 8),
                cell(str(sum(t.finished for t in in_category)), 8),
                cell(winner.name if winner else UNKNOWN, 8),
                cell(format_short_duration(winner.total_ms) if winner else "", 8),
            ]
        )
    return small_table(rows, [50 * mm, 18 * mm, 18 * mm, 70 * mm, 22 * mm])
