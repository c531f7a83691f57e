"""The book's last pages: the leg honours (区間賞), the records and the new ones (区間新)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    LongTable,
    Paragraph,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from results.publishing.pdf.book.cells import (
    BODY,
    MARGIN,
    NOTE,
    cell,
    head_cells,
)
from results.publishing.pdf.fonts import SANS, markup
from results.publishing.pdf.layout import (
    ACCENT,
    INK,
    MUTED,
    TINT,
    Bookmark,
    Span,
    TextBox,
    km_label,
)
from results.publishing.pdf.printed_race import PrintedRace
from results.standings.display import (
    KURIAGE_MARK,
    NEW_RECORD_MARK,
    UNKNOWN,
    format_short_duration,
    leg_time_label,
)
from results.standings.leg_honours import LegHonours, Record
from results.standings.race_results import RunnerLeg, TeamResults

# --- the leg honours ----------------------------------------------------------------------


def leg_honours_page(race: PrintedRace, teams: list[TeamResults], honours: LegHonours) -> list[Flowable]:
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
        head_cells(*heads),
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
                    [cell(leg_label, 8, bold=True), cell(label, 8), cell(run.runner or UNKNOWN, 8),
                     cell(team.name, 8), cell(team.bib, 8), cell(time, 8, align="right")]
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
                    [cell("", 8), cell(_("New course record"), 8, bold=True), cell("", 8), cell(team.name, 8),
                     cell(team.bib, 8), cell(f"{NEW_RECORD_MARK} {format_short_duration(team.total_ms)}", 8, align="right")]
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
        cell(leg_label, 8, bold=True),
        cell(label, 8, colour=MUTED),
        cell(runner, 8, colour=MUTED),
        cell(team, 8, colour=MUTED),
        cell("", 8),
        cell(format_short_duration(record.time_ms), 8, align="right", colour=MUTED),
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
