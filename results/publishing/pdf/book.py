"""The results book, as a federation prints one: a cover, a section per category, the overall
list and the leg honours (区間賞, 区間新).

Input is the typed results (`standings_for_race`), whose teams are already in the order the
standings rules list them: finishers by place, then the teams still out or out of the race. Each
section lists them in headed groups: finishers, teams not finished, teams that did not start,
disqualified teams. A leg's cell gives the runner, the leg time with its place in the category
and of all teams, and the team's time and place at the relay station where the leg ends.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from io import BytesIO

from django.utils import translation
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

from races.models import ResultsState
from results.publishing.pdf import fonts
from results.publishing.pdf.fonts import SANS, SANS_BOLD, draw_text, markup
from results.publishing.pdf.layout import (
    ACCENT,
    DOCUMENT_OPTIONS,
    INK,
    LINE,
    MUTED,
    TINT,
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
    place_label,
    style,
)
from results.publishing.pdf.printed_race import PrintedLeg, PrintedRace
from results.standings.display import (
    BRIDGED_MARK,
    KURIAGE_MARK,
    LEG_WINNER_MARK,
    NEW_RECORD_MARK,
    UNKNOWN,
    displayed_gap,
    format_short_duration,
    leg_time_label,
    status_label,
)
from results.standings.engine import Status
from results.standings.leg_honours import LegHonours, Record, category_leg_places, leg_honours
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults

MARGIN = 14 * mm
HEADING = style("heading", 14, bold=True, colour=ACCENT, spaceBefore=12, spaceAfter=6)
BODY = style("body", 10, spaceBefore=6, spaceAfter=4)
NOTE = style("note", 8, colour=MUTED, spaceBefore=4)
LEGEND = style("legend", 7.5, colour=MUTED)
CELL_SIZE = 7.5
PLACE_SIZE = 7  # leg and station places: small, but never below 7 pt


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
                story += _section(race, title, in_category, honours, key=f"category-{code}")
        story += _section(race, _("Overall"), teams, honours, key="overall", overall=True)
        story += [NextPageTemplate("portrait"), PageBreak(), *_leg_honours(race, teams, honours)]

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


def _cell(
    text: str, size: float = CELL_SIZE, *, bold: bool = False, align: str = "left", colour=INK
) -> TextBox:
    """Every table cell is set run by run, so a Japanese or Chinese word in it (a translated
    heading's 区, a team's name) is drawn from a font that has it, never as a box."""
    return TextBox(Span(text, size, bold, colour), align=align)


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
        _small_table(
            [[_cell(k, 10, colour=MUTED), _cell(v, 10, bold=True)] for k, v in facts],
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
    rows = [_heads(_("Leg"), _("From"), _("To"), _("km"))]
    for leg in race.legs:
        rows.append(
            [_cell(str(leg.number), 8), _cell(leg.start, 8), _cell(leg.end, 8), _cell(km_label(leg.km), 8)]
        )
    return _small_table(rows, [14 * mm, 60 * mm, 60 * mm, 20 * mm])


def _categories_table(race: PrintedRace, teams: list[TeamResults]) -> Table:
    rows = [_heads(_("Category"), _("Entered"), _("Finished"), _("Winner"), _("Time"))]
    for code, name in race.categories:
        in_category = [t for t in teams if t.category == code]
        winner = next((t for t in in_category if t.category_rank == 1), None)
        rows.append(
            [
                _cell(f"{name} ({code})", 8),
                _cell(str(len(in_category)), 8),
                _cell(str(sum(t.finished for t in in_category)), 8),
                _cell(winner.name if winner else UNKNOWN, 8),
                _cell(format_short_duration(winner.total_ms) if winner else "", 8),
            ]
        )
    return _small_table(rows, [50 * mm, 18 * mm, 18 * mm, 70 * mm, 22 * mm])


def _heads(*heads: str) -> list[TextBox]:
    return [_cell(h, 6.5, bold=True, colour=MUTED) for h in heads]


def _small_table(rows: list[list], widths: list[float], *, lines: bool = True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if lines else 0)
    commands = [("FONT", (0, 0), (-1, -1), SANS.name, 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if lines:
        commands += [("LINEBELOW", (0, 0), (-1, 0), 0.6, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE)]
    table.setStyle(TableStyle(commands))
    return table


# --- the results tables -------------------------------------------------------------------

#: The groups a section lists, in this order, each under its heading.
GROUPS = (
    ((Status.FIN,), lambda: _("Finished")),
    ((Status.DNF, Status.RUN), lambda: _("Not finished")),
    ((Status.DNS,), lambda: _("Did not start")),
    ((Status.DQ,), lambda: _("Disqualified")),
)


def _section(
    race: PrintedRace,
    title: str,
    teams: list[TeamResults],
    honours: LegHonours,
    *,
    key: str,
    overall: bool = False,
) -> list[Flowable]:
    """The section's table, its title repeated on every page, its legend as its last row."""
    story: list[Flowable] = [CondPageBreak(50 * mm), Bookmark(title, key)]
    table = _ResultsTable(race, title, teams, honours, overall=overall)
    story.append(table.build())
    if not any(t.finished for t in teams):
        story.append(Paragraph(markup(_("No team has finished here yet.")), BODY))
    story.append(Spacer(1, 8 * mm))
    return story


class _ResultsTable:
    """One section's table: its rows, then what its marks mean (only the marks it uses)."""

    def __init__(
        self, race: PrintedRace, title: str, teams: list[TeamResults], honours: LegHonours, *, overall: bool
    ):
        self.race, self.title, self.teams, self.honours, self.overall = race, title, teams, honours, overall
        self.category_places = {} if overall else category_leg_places(teams)
        self.marks_used: set[str] = set()

    def build(self) -> LongTable:
        race = self.race
        legs = len(race.legs)
        page_width = landscape(A4)[0] - 2 * MARGIN
        fixed = (
            [11 * mm, 10 * mm, 44 * mm] + ([12 * mm, 11 * mm] if self.overall else []) + [16 * mm, 15 * mm]
        )
        leg_width = (page_width - sum(fixed)) / max(legs, 1)
        widths = fixed[:3] + [leg_width] * legs + fixed[3:]
        columns = len(widths)

        heads: list[TextBox] = [
            _cell(_("Place"), 6.5, bold=True, colour=MUTED),
            _cell(_("Bib"), 6.5, bold=True, colour=MUTED),
            _cell(_("Team"), 6.5, bold=True, colour=MUTED),
        ]
        heads += [self._leg_head(leg) for leg in race.legs]
        if self.overall:
            heads += [
                _cell(_("Cat."), 6.5, bold=True, colour=MUTED),
                _cell(_("Cat. place"), 6.5, bold=True, colour=MUTED, align="right"),
            ]
        heads += [
            _cell(_("Time"), 6.5, bold=True, colour=MUTED, align="right"),
            _cell(_("Gap"), 6.5, bold=True, colour=MUTED, align="right"),
        ]
        rows: list[list] = [
            [TextBox(Span(self.title, 11, bold=True, colour=ACCENT))] + [""] * (columns - 1),
            heads,
        ]
        commands: list[tuple] = [
            ("FONT", (0, 0), (-1, -1), SANS.name, CELL_SIZE),
            ("SPAN", (0, 0), (-1, 0)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
            ("LINEBELOW", (0, 1), (-1, 1), 0.6, INK),
        ]
        winner = next((t.total_ms for t in self.teams if t.finished), None)
        for statuses, heading in GROUPS:
            group = [t for t in self.teams if t.status in statuses]
            if not group:
                continue
            row = len(rows)
            rows.append(
                [_cell(f"{heading()} ({len(group)})", 8, bold=True, colour=ACCENT)] + [""] * (columns - 1)
            )
            commands += [
                ("SPAN", (0, row), (-1, row)),
                ("TOPPADDING", (0, row), (-1, row), 5),
                ("LINEBELOW", (0, row), (-1, row), 0.4, LINE),
                ("NOSPLIT", (0, row), (-1, min(row + 1, row + len(group)))),  # a heading not alone
            ]
            for index, team in enumerate(group):
                rows.append(self._team_row(team, winner))
                if index % 2:
                    commands.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), TINT))
        # The legend is the table's last row, kept on the page of the table's last two teams.
        legend_row = len(rows)
        rows.append([Paragraph(markup(self._legend()), LEGEND)] + [""] * (columns - 1))
        commands += [
            ("SPAN", (0, legend_row), (-1, legend_row)),
            ("TOPPADDING", (0, legend_row), (-1, legend_row), 6),
            ("LINEABOVE", (0, legend_row), (-1, legend_row), 0.6, INK),
            ("NOSPLIT", (0, max(2, legend_row - 2)), (-1, legend_row)),
        ]
        table = LongTable(rows, colWidths=widths, repeatRows=2)
        table.setStyle(TableStyle(commands))
        return table

    def _leg_head(self, leg: PrintedLeg) -> TextBox:
        places = _("time, leg place") if self.overall else _("time, leg place: category · all")
        return TextBox(
            Span(_("Leg %(n)d · %(km)s km") % {"n": leg.number, "km": km_label(leg.km)}, 6.5, True, MUTED),
            Span(places, 6, colour=MUTED),
            Span(_("at %(station)s: time (place)") % {"station": leg.end_code or leg.end}, 6, colour=MUTED),
        )

    def _team_row(self, team: TeamResults, winner_ms: int | None) -> list:
        finished = team.finished
        place = team.rank if self.overall else team.category_rank
        row = [
            _cell(place_label(place) if finished else team.status.value, bold=True),
            _cell(team.bib),
            self._team_cell(team),
        ]
        row += [self._leg_cell(team, leg) for leg in team.legs]
        if self.overall:
            row += [_cell(team.category), _cell(place_label(team.category_rank), align="right")]
        total = format_short_duration(team.total_ms) if finished else ""
        if finished and self.honours.new_course_record(team):
            total = f"{NEW_RECORD_MARK} {total}"
            self.marks_used.add(NEW_RECORD_MARK)
        row += [_cell(total, align="right"), _cell(_gap(team, winner_ms) if finished else "", align="right")]
        return row

    def _team_cell(self, team: TeamResults) -> TextBox:
        """The team; for a team out of the race, where it stopped and the officials' public note."""
        lines: list[Span] = [Span(team.name, CELL_SIZE)]
        if team.status in (Status.DNF, Status.DQ, Status.RUN):
            reached = next((s for s in reversed(team.stations) if s.cumulative_ms is not None), None)
            if reached is not None:
                where = _("%(status)s · last timed at %(station)s, %(time)s") % {
                    "status": status_label(team.status),
                    "station": reached.station,
                    "time": format_short_duration(reached.cumulative_ms),
                }
            else:
                where = _("%(status)s · not timed after the start") % {"status": status_label(team.status)}
            lines.append(Span(where, PLACE_SIZE, colour=MUTED))
        note = self.race.public_notes.get(team.bib)
        if note and not team.finished:
            lines.append(Span(note, PLACE_SIZE, colour=MUTED))
        return TextBox(*lines)

    def _leg_cell(self, team: TeamResults, leg: RunnerLeg) -> TextBox:
        """Runner; leg time, marks and places; the team's time and place at the leg's end."""
        time = leg_time_label(leg.time_ms, leg.kuriage, short=True)
        if leg.kuriage:
            self.marks_used.add(KURIAGE_MARK)
        bridged = self._bridged(team, leg)
        if bridged is not None:
            first, combined = bridged
            time = f"{BRIDGED_MARK} {format_short_duration(combined)} ({first}–{leg.number})"
            self.marks_used.add(BRIDGED_MARK)
        time = time or UNKNOWN
        if self.honours.leg_winner(team, leg.number):
            time += f" {LEG_WINNER_MARK}"
            self.marks_used.add(LEG_WINNER_MARK)
        if self.honours.new_leg_record(team, leg.number):
            time += f" {NEW_RECORD_MARK}"
            self.marks_used.add(NEW_RECORD_MARK)
        second = [Span(time, CELL_SIZE)]
        if leg.rank is not None:
            if self.overall:
                places = str(leg.rank)
            else:
                places = f"{place_label(self.category_places.get((team.bib, leg.number)))} · {leg.rank}"
            second.append(Span(f"  {places}", PLACE_SIZE))
        lines: list = [Span(leg.runner or UNKNOWN, CELL_SIZE), second]
        at = self._at_leg_end(team, leg.number)
        if at is not None and at.cumulative_ms is not None:
            station = format_short_duration(at.cumulative_ms)
            lines.append(
                Span(f"{station} ({at.rank})" if at.rank is not None else station, PLACE_SIZE, colour=MUTED)
            )
        return TextBox(*lines)

    def _at_leg_end(self, team: TeamResults, number: int):
        course = self.race.leg(number)
        if course is None or not course.end_code:
            return None
        return next((s for s in team.stations if s.station == course.end_code), None)

    def _bridged(self, team: TeamResults, leg: RunnerLeg) -> tuple[int, int] | None:
        """(first leg, combined time) where this leg's time is unknown but the team's time at its
        end is: a split before it was missed, and the legs since the last known time are bridged."""
        if leg.time_ms is not None:
            return None
        end = self._at_leg_end(team, leg.number)
        if end is None or end.cumulative_ms is None:
            return None
        first, start_ms = 1, 0
        for earlier in range(leg.number - 1, 0, -1):
            at = self._at_leg_end(team, earlier)
            if at is not None and at.cumulative_ms is not None:
                first, start_ms = earlier + 1, at.cumulative_ms
                break
        if first == leg.number:
            return None  # the leg's own start and end are known: its time is unknown for another reason
        return first, end.cumulative_ms - start_ms

    def _legend(self) -> str:
        notes = []
        if self.overall:
            notes.append(
                _(
                    "Each leg: the runner; the leg time and its place among all teams; the team's time and place at the station where the leg ends."
                )
            )
        else:
            notes.append(
                _(
                    "Each leg: the runner; the leg time, its place in the category, then (after ·) among "
                    "all teams; the team's time and place (of all teams) at the station where the leg ends."
                )
            )
        marks = {
            LEG_WINNER_MARK: _("leg winner: the day's fastest of all teams on the leg"),
            NEW_RECORD_MARK: _("new record: faster than the leg's (or the course's) record"),
            BRIDGED_MARK: _(
                "legs run together: a split between them was missed, so the time shown is the legs' "
                "combined time, from the team's times at the stations"
            ),
            KURIAGE_MARK: _(
                "carry-over start (kuriage): the leader was too far ahead, so this runner set off at "
                "the cutoff without the team's tasuki. The lost time still counts."
            ),
        }
        notes += [f"{mark} {meaning}" for mark, meaning in marks.items() if mark in self.marks_used]
        notes.append(
            _(
                "Times are rounded up to the whole second: M:SS under an hour, H:MM:SS from an hour. "
                "Gap: behind the first of this list, in displayed seconds. DNF did not finish · DNS "
                "did not start · DQ disqualified · RUN still on the course."
            )
        )
        return " ".join(notes)


def _gap(team: TeamResults, winner_ms: int | None) -> str:
    """Behind the list's winner in displayed (rounded-up) seconds, so gaps and times agree."""
    if winner_ms is None or team.total_ms == winner_ms:
        return ""
    return "+" + format_short_duration(displayed_gap(team.total_ms, winner_ms))


# --- the leg honours ----------------------------------------------------------------------


def _leg_honours(race: PrintedRace, teams: list[TeamResults], honours: LegHonours) -> list[Flowable]:
    """Per leg: the leg winner (区間賞) of all teams and of each category, and the leg's record
    with whether it fell (区間新); then the course record."""
    heads = [_("Leg"), _("Honour"), _("Runner"), _("Team"), _("Bib"), _("Time")]
    rows: list[list] = [
        [
            TextBox(
                Span(
                    _("Leg honours: the fastest runner of each leg, and the records"),
                    11,
                    bold=True,
                    colour=ACCENT,
                )
            )
        ]
        + [""] * (len(heads) - 1),
        _heads(*heads),
    ]
    groups = [(_("Leg winner, all teams"), teams)] + [
        (_("Fastest of %s") % name, [t for t in teams if t.category == code])
        for code, name in race.categories
    ]
    for leg in race.legs:
        leg_label = _("%(n)d · %(km)s km") % {"n": leg.number, "km": km_label(leg.km)}
        for label, group in groups:
            for team, run in _fastest(group, leg.number):
                time = leg_time_label(run.time_ms, run.kuriage, short=True)
                if honours.new_leg_record(team, leg.number):
                    time = f"{NEW_RECORD_MARK} {time}"
                rows.append(
                    [_cell(leg_label, 8, bold=True), _cell(label, 8), _cell(run.runner or UNKNOWN, 8),
                     _cell(team.name, 8), _cell(team.bib, 8), _cell(time, 8, align="right")]
                )  # fmt: skip
                leg_label = ""
        record = race.records.legs.get(leg.number)
        if record is not None:
            rows.append(_record_row(leg_label, _("Leg record"), record))
    if race.records.course is not None:
        rows.append(_record_row(_("Course"), _("Course record"), race.records.course))
        for team in teams:
            if honours.new_course_record(team):
                rows.append(
                    [_cell("", 8), _cell(_("New course record"), 8, bold=True), _cell("", 8), _cell(team.name, 8),
                     _cell(team.bib, 8), _cell(f"{NEW_RECORD_MARK} {format_short_duration(team.total_ms)}", 8, align="right")]
                )  # fmt: skip
    if len(rows) == 2:
        return [
            Bookmark(_("Leg honours"), "honours"),
            Paragraph(markup(_("No leg has been timed yet.")), BODY),
        ]
    widths = [20 * mm, 36 * mm, 44 * mm, 0, 11 * mm, 21 * mm]
    widths[3] = A4[0] - 2 * MARGIN - sum(widths)
    table = LongTable(rows, colWidths=widths, repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS.name, 8),
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 6),
                ("LINEBELOW", (0, 1), (-1, 1), 0.6, INK),
                ("ROWBACKGROUNDS", (0, 2), (-1, -1), [None, TINT]),
            ]
        )
    )
    note = _(
        "Among the teams still in the race (not DQ or DNS); equal times share the honour. "
        "%(kuriage)s carry-over start: the leg was timed from the cutoff. %(record)s new record: "
        "faster than the record the organisers gave (year in brackets)."
    ) % {"kuriage": KURIAGE_MARK, "record": NEW_RECORD_MARK}
    return [Bookmark(_("Leg honours"), "honours"), table, Paragraph(markup(note), NOTE)]


def _record_row(leg_label: str, label: str, record: Record) -> list:
    runner = record.runner + (f" ({record.year})" if record.year and record.runner else "")
    team = record.team + (f" ({record.year})" if record.year and not record.runner else "")
    return [
        _cell(leg_label, 8, bold=True),
        _cell(label, 8, colour=MUTED),
        _cell(runner, 8, colour=MUTED),
        _cell(team, 8, colour=MUTED),
        _cell("", 8),
        _cell(format_short_duration(record.time_ms), 8, align="right", colour=MUTED),
    ]


def _fastest(teams: Iterable[TeamResults], leg_number: int) -> list[tuple[TeamResults, RunnerLeg]]:
    """The team(s) and leg(s) with the group's best time on this leg; ties share it."""
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
