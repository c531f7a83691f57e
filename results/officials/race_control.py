"""Race control: the organiser at the finish with a radio sees the whole course at a glance.

Per station after the start: how many teams are through and still expected, the leader and the
last team through, the carry-over time K(s) with a countdown and the teams it will catch, and
the next teams due with the runner waiting for each. Then the teams overdue (with the runner out
on the course and the captain's phone) and the last records. The projections and boards come
from results.standings.selectors.race_control_for, kept per standings version; "now" (overdue,
countdowns) is applied here, after the cache. The live part polls itself with htmx, answered
`304` while nothing changed (results/officials/live.py); the countdowns tick in the browser
between polls (results/static/officials/countdown.js), against the server's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import django_tables2 as tables
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import condition

from races.access import is_race_organiser, works_results_desk
from races.models import Race, Team
from results.officials.guards import race_page_required
from results.officials.live import officials_etag, private
from results.standings.display import format_duration
from results.standings.projections import Projection, overdue_ms
from results.standings.race_control import AtRisk, StationBoard
from results.standings.race_results import TeamResults
from results.standings.selectors import RaceControl, race_control_for
from results.timing.models import TimingRecord
from results.timing.race_time import epoch_ms, format_clock, from_epoch_ms

ONLY_FOR_DESK = gettext_lazy("Race control is for the race's organisers and the results desk.")
#: The last records anywhere on the course.
LATEST_RECORDS = 20
#: A carry-over station's list of teams at risk, on a phone: the soonest due first.
AT_RISK_SHOWN = 30
#: The most overdue first; beyond these the page says how many more (a bad day at 25,000 teams).
OVERDUE_SHOWN = 50


def clock(ms: int | None, race: Race) -> str:
    """A moment as the race's local time of day, to the second (what a radio call needs)."""
    return "–" if ms is None else format_clock(from_epoch_ms(ms), race)[:8]


def countdown(ms: int) -> str:
    """Time left as the countdown script writes it (M:SS, or H:MM:SS), rounded up."""
    seconds = max(0, -(-ms // 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class TeamLine:
    """A team as race control names it: bib, name, and the runner that matters here."""

    bib: str
    name: str
    runner: str | None = None


class LiveTeams:
    """Names and runners by bib, from the standings the projections were made with."""

    def __init__(self, control: RaceControl):
        self.by_bib: dict[str, TeamResults] = {team.bib: team for team in control.results.teams}

    def name(self, bib: str) -> str:
        team = self.by_bib.get(bib)
        return team.name if team else bib

    def runner(self, bib: str, leg: int | None) -> str | None:
        team = self.by_bib.get(bib)
        if team is None or leg is None:
            return None
        return next((runner_leg.runner for runner_leg in team.legs if runner_leg.number == leg), None)

    def line(self, bib: str, leg: int | None = None) -> TeamLine:
        return TeamLine(bib, self.name(bib), self.runner(bib, leg))


def next_in_rows(control: RaceControl, teams: LiveTeams, board: StationBoard, race: Race) -> list[dict]:
    """The next teams due at a station, each with the runner waiting there for the tasuki."""
    waiting_leg = control.course.leg_leaving(board.code)
    return [
        {"team": teams.line(p.bib, waiting_leg), "due": clock(p.projected_ms, race), "leg": waiting_leg}
        for p in board.next_in
    ]


def _station_rows(control: RaceControl, teams: LiveTeams, race: Race, now_ms: int) -> list[dict]:
    names = {s.code: s.name for s in race.course}
    rows = []
    for board in control.boards:
        carry = board.carry_over
        carry_row = None
        if carry is not None:
            at_risk: list[AtRisk] = list(carry.at_risk)
            carry_row = {
                "cutoff_minutes": carry.cutoff_ms // 60_000,
                "k": clock(carry.k_ms, race),
                "k_ms": carry.k_ms,
                "passed": carry.k_ms is not None and now_ms >= carry.k_ms,
                "left": None if carry.k_ms is None else countdown(carry.k_ms - now_ms),
                "at_risk": [
                    {"team": teams.line(r.bib), "due": clock(r.projected_ms, race), "late": r.late}
                    for r in at_risk[:AT_RISK_SHOWN]
                ],
                "more_at_risk": max(0, len(at_risk) - AT_RISK_SHOWN),
            }
        leader, last = board.leader, board.last
        rows.append(
            {
                "code": board.code,
                "name": names.get(board.code, ""),
                "through": board.through,
                "expected": board.expected,
                "leader": leader
                and {
                    "team": teams.line(leader.bib),
                    "at": clock(leader.at_ms, race),
                    "cumulative": format_duration(leader.cumulative_ms),
                },
                "last": last and {"team": teams.line(last.bib), "at": clock(last.at_ms, race)},
                "carry_over": carry_row,
                "next_in": next_in_rows(control, teams, board, race),
                "due_without_projection": board.due_without_projection,
            }
        )
    return rows


def _overdue_rows(control: RaceControl, teams: LiveTeams, race: Race, now_ms: int) -> tuple[list[dict], int]:
    """The most overdue teams first (at most OVERDUE_SHOWN), and how many more are overdue."""
    margin_ms = race.overdue_margin_minutes * 60_000
    late: list[tuple[Projection, int]] = []
    for projection in control.projections:
        overdue = overdue_ms(projection, now_ms=now_ms, margin_ms=margin_ms)
        if overdue is not None:
            late.append((projection, overdue))
    late.sort(key=lambda item: -item[1])
    more = max(0, len(late) - OVERDUE_SHOWN)
    late = late[:OVERDUE_SHOWN]
    # Read now and for these teams only: a phone is never kept with the standings.
    phones = dict(
        Team.objects.filter(race=race, bib__in=[p.bib for p, _ in late]).values_list("bib", "captain_phone")
    )
    start = race.course[0].code
    rows = [
        {
            "team": teams.line(p.bib, p.leg),
            "leg": p.leg,
            # No split at all: still on leg 1, or it never started (the public pages say "Did
            # not start" already, by the standings' rule 6).
            "unseen": p.last_station == start,
            "station": p.next_station,
            "due": clock(p.projected_ms, race),
            "minutes": overdue // 60_000,
            "phone": phones.get(p.bib, ""),
            "tel": "".join(ch for ch in phones.get(p.bib, "") if ch.isdigit() or ch == "+"),
        }
        for p, overdue in late
    ]
    return rows, more


class LatestRecordsTable(tables.Table):
    bib = tables.Column(verbose_name=gettext_lazy("Bib"), accessor="team__bib")
    team = tables.Column(
        verbose_name=gettext_lazy("Team"), accessor="team__name", attrs={"td": {"class": "name"}}
    )
    station = tables.Column(verbose_name=gettext_lazy("Station"), accessor="station__code")
    at = tables.Column(verbose_name=gettext_lazy("Time"), attrs={"td": {"class": "time"}})
    source = tables.Column(verbose_name=gettext_lazy("Source"))

    class Meta:
        orderable = False
        attrs = {"class": "table latest-records"}

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, **kwargs)

    def render_at(self, value):
        return format_clock(value, self.race)[:10]

    def render_source(self, record):
        return record.get_source_display()


def latest_records(race: Race):
    """The last records stored anywhere on the course, newest first; voided ones left out.

    By id, the order they were stored in: the primary key's index answers at once, where sorting
    by `created_at` read every record of the race (0.4 s at 25,000 teams)."""
    return (
        TimingRecord.objects.filter(race=race, voided=False)
        .select_related("team", "station")
        .order_by("-pk")[:LATEST_RECORDS]
    )


def live_poll_seconds() -> float:
    return settings.TASUKI_LIVE_POLL_SECONDS


@race_page_required(works_results_desk, ONLY_FOR_DESK)
@condition(etag_func=officials_etag)
def race_control(request, race: Race):
    control = race_control_for(race)
    now = timezone.now()
    now_ms = epoch_ms(now)
    teams = LiveTeams(control)
    overdue, more_overdue = _overdue_rows(control, teams, race, now_ms)
    context = {
        "race": race,
        "desk": True,
        "organiser": is_race_organiser(request.user, race),
        "stations": _station_rows(control, teams, race, now_ms),
        "overdue": overdue,
        "more_overdue": more_overdue,
        "overdue_margin": race.overdue_margin_minutes,
        "records": LatestRecordsTable(latest_records(race), race=race, empty_text=_("No record yet.")),
        "now_ms": now_ms,
        "checked_at": format_clock(now, race)[:8],
        "started": now >= race.gun,
        "gun": format_clock(race.gun, race)[:8],
        "poll_seconds": live_poll_seconds(),
        "live": not race.is_closed,
    }
    template = "officials/race_control/live.html" if request.htmx else "officials/race_control/page.html"
    return private(render(request, template, context))
