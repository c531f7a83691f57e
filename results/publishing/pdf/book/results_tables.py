"""The book's results tables: a section per category and the overall list, in headed groups,
each with its legend as its last row."""

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    LongTable,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from results.publishing.pdf.book.cells import (
    BODY,
    CELL_SIZE,
    LEGEND,
    MARGIN,
    PLACE_SIZE,
    cell,
)
from results.publishing.pdf.fonts import SANS, markup
from results.publishing.pdf.layout import (
    ACCENT,
    INK,
    LINE,
    MUTED,
    TINT,
    Bookmark,
    Span,
    TextBox,
    km_label,
    place_label,
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
from results.standings.leg_honours import LegHonours, category_leg_places
from results.standings.race_results import RunnerLeg, TeamResults

# --- the results tables -------------------------------------------------------------------

#: The groups a section lists, in this order, each under its heading.
GROUPS = (
    ((Status.FIN,), lambda: _("Finished")),
    ((Status.DNF, Status.RUN), lambda: _("Not finished")),
    ((Status.DNS,), lambda: _("Did not start")),
    ((Status.DQ,), lambda: _("Disqualified")),
)


def section(
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
    table = ResultsTable(race, title, teams, honours, overall=overall)
    story.append(table.build())
    if not any(t.finished for t in teams):
        story.append(Paragraph(markup(_("No team has finished here yet.")), BODY))
    story.append(Spacer(1, 8 * mm))
    return story


class ResultsTable:
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
            [11 * mm, 10 * mm, 44 * mm] + ([12 * mm, 15 * mm] if self.overall else []) + [16 * mm, 15 * mm]
        )
        leg_width = (page_width - sum(fixed)) / max(legs, 1)
        widths = fixed[:3] + [leg_width] * legs + fixed[3:]
        columns = len(widths)

        heads: list[TextBox] = [
            cell(_("Place"), 6.5, bold=True, colour=MUTED),
            cell(_("Bib"), 6.5, bold=True, colour=MUTED),
            cell(_("Team"), 6.5, bold=True, colour=MUTED),
        ]
        heads += [self._leg_head(leg) for leg in race.legs]
        if self.overall:
            heads += [
                cell(_("Cat."), 6.5, bold=True, colour=MUTED),
                cell(_("Cat. place"), 6.5, bold=True, colour=MUTED, align="right"),
            ]
        heads += [
            cell(_("Time"), 6.5, bold=True, colour=MUTED, align="right"),
            cell(_("Gap"), 6.5, bold=True, colour=MUTED, align="right"),
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
                [cell(f"{heading()} ({len(group)})", 8, bold=True, colour=ACCENT)] + [""] * (columns - 1)
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
            cell(place_label(place) if finished else team.status.value, bold=True),
            cell(team.bib),
            self._team_cell(team),
        ]
        row += [self._leg_cell(team, leg) for leg in team.legs]
        if self.overall:
            row += [cell(team.category), cell(place_label(team.category_rank), align="right")]
        total = format_short_duration(team.total_ms) if finished else ""
        if finished and self.honours.new_course_record(team):
            total = f"{NEW_RECORD_MARK} {total}"
            self.marks_used.add(NEW_RECORD_MARK)
        row += [cell(total, align="right"), cell(_gap(team, winner_ms) if finished else "", align="right")]
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
