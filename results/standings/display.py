"""How results are shown to people, written once for the pages, tables, PDFs and officials' pages.

Rule 9 (docs/commands.md, "Standings rules"): times are shown as H:MM:SS with any fraction
rounded up to the whole second, as road running does; the exports keep milliseconds. Gaps and
paces are worked out from the times as shown, so a reader's own subtraction agrees with the page.
Also here: the marks the results print, the statuses' labels and the order of bibs.
"""

from django.utils.translation import gettext_lazy

from races.models import OfficialStatus
from results.standings.engine import Status, natural_bib_order

__all__ = [
    "BRIDGED_MARK",
    "KURIAGE_MARK",
    "LEG_WINNER_MARK",
    "NEW_RECORD_MARK",
    "NOT_SEEN_YET",
    "STATUS_LABELS",
    "UNKNOWN",
    "displayed_gap",
    "format_duration",
    "format_gap",
    "format_pace",
    "format_pace_too_fast",
    "format_short_duration",
    "gap_behind",
    "leg_time_label",
    "natural_bib_order",
    "status_label",
    "whole_seconds",
]

#: Beside a time that includes a carry-over start (kuriage).
KURIAGE_MARK = "*"
#: Beside the day's fastest time on a leg (区間賞, leg winner) and a new leg record (区間新).
LEG_WINNER_MARK = "★"
NEW_RECORD_MARK = "◆"
#: Beside a leg time that is two or more legs together: a split between them was missed.
BRIDGED_MARK = "†"
#: No split there (yet), or no place for a team that is out of the ranking.
UNKNOWN = "–"

#: What each status means, for people. An official's statuses are labelled where officials set
#: them (races.models.OfficialStatus); the two the records alone give are labelled here.
#: A team with no split while the race is live, whom no official has called DNS: the standings'
#: rule 6 and the exports say DNS, but a family reads it as a runner still out on leg 1.
NOT_SEEN_YET = gettext_lazy("On the course: no split yet")

STATUS_LABELS = {
    Status.FIN: gettext_lazy("Finished"),
    Status.RUN: gettext_lazy("On the course"),
    **{Status(choice.value): choice.label for choice in OfficialStatus if choice.value},
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def whole_seconds(ms: int) -> int:
    """A duration in whole seconds, any fraction rounded up: 1:10:00.001 is 1:10:01."""
    return -(-ms // 1000)


def format_duration(ms: int | None) -> str:
    """H:MM:SS, rounded up to the whole second; nothing for an unknown time."""
    if ms is None:
        return ""
    seconds = whole_seconds(ms)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def format_short_duration(ms: int | None) -> str:
    """M:SS under an hour, H:MM:SS from an hour: the printed results' times, without a needless
    "0:" before a leg's minutes (rounded up to the whole second, as every time shown)."""
    if ms is None:
        return ""
    seconds = whole_seconds(ms)
    return _minutes_seconds(seconds) if seconds < 3600 else format_duration(ms)


def displayed_gap(time_ms: int, ahead_ms: int) -> int:
    """The gap between two times as the reader sees them: both rounded up to the second first,
    so 1:48:41 and 1:50:02 on the page are 1:21 apart, as a reader would subtract them."""
    return (whole_seconds(time_ms) - whole_seconds(ahead_ms)) * 1000


def gap_behind(time_ms: int, leader_ms: int) -> int | None:
    """The displayed gap of a time to the leader's; None for the leader itself (an exact tie
    shares the place, rule 7). A team a few milliseconds behind is behind: 0, shown "+0:00"."""
    return None if time_ms <= leader_ms else displayed_gap(time_ms, leader_ms)


def format_gap(ms: int | None) -> str:
    """+M:SS under an hour, +H:MM:SS above; nothing for the leader (None).

    0 is a team behind within the same second (1:10:00.2 after 1:10:00.1, both shown 1:10:01):
    "+0:00", so the page does not show it level with the team it is placed behind."""
    if ms is None or ms < 0:
        return ""
    seconds = whole_seconds(ms)
    return "+" + (_minutes_seconds(seconds) if seconds < 3600 else format_duration(ms))


def format_pace(ms_per_km: int | None) -> str:
    """min:ss per km, rounded up to the second like every time shown."""
    return "" if ms_per_km is None else _minutes_seconds(whole_seconds(ms_per_km))


def format_pace_too_fast(ms_per_km: int) -> str:
    """A pace faster than any runner's (the anomaly list), rounded DOWN, unlike every other time
    shown: rounded up, a pace of 2:29.4 would read 2:30 and look like the limit it broke."""
    return _minutes_seconds(ms_per_km // 1000)


def _minutes_seconds(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def leg_time_label(time_ms: int | None, kuriage: bool, *, short: bool = False) -> str:
    """A leg's time as shown (`short`: M:SS under an hour, as printed); a carry-over start is
    marked even before the runner arrives."""
    time = format_short_duration(time_ms) if short else format_duration(time_ms)
    return f"{time or UNKNOWN} {KURIAGE_MARK}" if kuriage else time
