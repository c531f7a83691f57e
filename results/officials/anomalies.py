"""The anomaly list: what the organisers should check, refreshed every few seconds.

The page polls itself with htmx and swaps the list; each poll reads the reads as they are now
(results.standings.selectors.anomalies_for_race). Each anomaly links to the team's corrections page,
where voiding the wrong read clears it. An unknown bib has no team to correct: an official
resolves its unmatched read (results.timing.unmatched_reads), with a note of what they did, and it
goes to the page of resolved reads, from where it can be put back. (The code says "unmatched read"
and "resolve", as the model and its fields do; the officials' pages say "unknown bib" and "dealt
with".)
"""

from collections import Counter

import django_tables2 as tables
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from races.access import works_results_desk
from races.audit import Actor
from races.models import Race
from races.problems import InputProblems
from results.officials.guards import race_page_required
from results.publishing.paging import paginate_table
from results.standings.anomalies import READS_APART_MS, Anomaly, Kind
from results.standings.display import format_duration, format_pace_too_fast
from results.standings.selectors import anomalies_for_race, min_pace_ms_per_km
from results.timing.models import UnmatchedRead
from results.timing.race_time import format_clock, format_moment, from_epoch_ms
from results.timing.unmatched_reads import (
    NOTE_MAX_LENGTH,
    unmatched_read_reopen,
    unmatched_read_resolve,
    unmatched_reads_resolved,
)

ANOMALIES_PER_PAGE = 100
#: How often the open page asks again: "within seconds" of a new read, without hammering.
POLL_SECONDS = 5

ONLY_FOR_DESK = gettext_lazy("The anomaly list is for the race's organisers and the results desk.")

KIND_LABELS = {
    Kind.NEGATIVE_LEG: gettext_lazy("Earlier than the station before"),
    Kind.FAST_LEG: gettext_lazy("Too fast"),
    Kind.READS_APART: gettext_lazy("Read twice"),
    Kind.UNMATCHED_READ: gettext_lazy("Unknown bib"),
    Kind.AFTER_FINISH: gettext_lazy("Read after the finish"),
    Kind.MISSING_SPLIT: gettext_lazy("Missing split"),
}


def _clock(ms: int | None, race: Race) -> str:
    return "–" if ms is None else format_clock(from_epoch_ms(ms), race)


def describe(anomaly: Anomaly, race: Race) -> str:
    at = {
        "station": anomaly.station,
        "time": _clock(anomaly.at_ms, race),
        "other": anomaly.reference_station,
        "other_time": _clock(anomaly.reference_ms, race),
    }
    match anomaly.kind:
        case Kind.NEGATIVE_LEG:
            return _("%(time)s at %(station)s is earlier than the team's %(other_time)s at %(other)s.") % at
        case Kind.FAST_LEG:
            return _(
                "%(other)s to %(station)s in %(duration)s: %(pace)s min/km, faster than the limit of "
                "%(limit)s min/km."
            ) % {
                **at,
                "duration": format_duration(anomaly.at_ms - anomaly.reference_ms),
                "pace": format_pace_too_fast(anomaly.pace_ms_per_km),
                "limit": format_pace_too_fast(min_pace_ms_per_km()),
            }
        case Kind.READS_APART:
            return _(
                "%(count)d reads at %(station)s from %(other_time)s to %(time)s, more than %(seconds)d s apart."
            ) % {**at, "count": len(anomaly.record_ids), "seconds": READS_APART_MS // 1000}
        case Kind.UNMATCHED_READ:
            return _(
                "%(device)s read %(bib)s at %(station)s at %(time)s; no team, runner bib or chip has it."
            ) % {**at, "bib": anomaly.bib, "device": anomaly.device or _("A device")}
        case Kind.AFTER_FINISH:
            return _("Read at %(station)s at %(time)s, after the team finished at %(other_time)s.") % at
        case Kind.MISSING_SPLIT:
            return _("No split at %(station)s, though the team has one further on.") % at
    return ""


class AnomalyTable(tables.Table):
    kind = tables.Column(verbose_name=gettext_lazy("What"))
    bib = tables.Column(verbose_name=gettext_lazy("Team"))
    station = tables.Column(verbose_name=gettext_lazy("Station"))
    description = tables.Column(verbose_name=gettext_lazy("Details"))
    # An unknown bib has no team page to clear it on: its unmatched read is resolved here.
    resolve = tables.TemplateColumn(
        template_name="officials/anomalies/resolve_form.html",
        verbose_name=gettext_lazy("What was done"),
        extra_context={"note_max_length": NOTE_MAX_LENGTH},
    )

    class Meta:
        orderable = False
        attrs = {"class": "table anomalies"}

    def render_bib(self, value, record):
        return format_html('<a href="{}">{}</a>', record["url"], value)


def _rows(found: list[Anomaly], race: Race) -> list[dict]:
    rows = []
    for anomaly in found:
        if anomaly.team_id is None:  # no team has this bib: look for one that should
            url = reverse("officials:teams", kwargs={"slug": race.slug}) + "?" + urlencode({"q": anomaly.bib})
        else:
            team_url = reverse("officials:team", kwargs={"slug": race.slug, "bib": anomaly.bib})
            url = f"{team_url}#station-{anomaly.station}"
        rows.append(
            {
                "kind": KIND_LABELS[anomaly.kind],
                "bib": anomaly.bib,
                "station": anomaly.station,
                "description": describe(anomaly, race),
                "url": url,
                "unmatched_read": anomaly.record_ids[0] if anomaly.kind == Kind.UNMATCHED_READ else None,
            }
        )
    return rows


@race_page_required(works_results_desk, ONLY_FOR_DESK)
def anomaly_list(request, race: Race):
    found = anomalies_for_race(race)
    rows = _rows(found, race)
    table = AnomalyTable(rows, empty_text=_("Nothing to check."))
    if not any(row["unmatched_read"] for row in rows):
        table.columns.hide("resolve")  # a column of nothing on a phone's narrow screen
    paginate_table(table, request, ANOMALIES_PER_PAGE)
    counts = Counter(anomaly.kind for anomaly in found)
    context = {
        "race": race,
        "table": table,
        "total": len(found),
        "counts": [(KIND_LABELS[kind], counts[kind]) for kind in Kind if counts[kind]],
        "checked_at": format_clock(timezone.now(), race)[:8],
        "poll_seconds": POLL_SECONDS,
        "resolved_count": unmatched_reads_resolved(race).count(),
        "desk": True,
    }
    template = "officials/anomalies/list.html"
    if request.htmx:
        template = "officials/anomalies/fragment.html"
    return render(request, template, context)


@race_page_required(works_results_desk, ONLY_FOR_DESK)
@require_POST
def resolve_unmatched_read(request, race: Race, pk: int):
    return _change_unmatched_read(
        request,
        race,
        pk,
        unmatched_read_resolve,
        _("Unknown bib %(bib)s at %(station)s is dealt with; it is on the “dealt with” page now."),
        back_to="officials:anomalies",
    )


@race_page_required(works_results_desk, ONLY_FOR_DESK)
@require_POST
def reopen_unmatched_read(request, race: Race, pk: int):
    return _change_unmatched_read(
        request,
        race,
        pk,
        unmatched_read_reopen,
        _("Unknown bib %(bib)s at %(station)s is back on the anomaly list."),
        back_to="officials:resolved_unmatched_reads",
    )


def _change_unmatched_read(request, race: Race, pk: int, change, done: str, *, back_to: str):
    """Resolve an unmatched read or re-open it, with the official's note; say what became of it."""
    try:
        read = change(
            race=race, read_pk=pk, actor=Actor.of_user(request.user), note=request.POST.get("note", "")
        )
    except InputProblems as refusal:
        _tell(request, refusal)
    else:
        messages.success(request, done % {"bib": read.bib_as_read, "station": read.station_code})
    return _back(request, back_to, race)


def _tell(request, refusal: InputProblems) -> None:
    for problem in refusal.problems:
        messages.error(request, str(problem))


def _back(request, page: str, race: Race):
    """To the page the form was on, the same page of the list: an unknown bib is listed last."""
    url = reverse(page, kwargs={"slug": race.slug})
    if number := request.POST.get("page", ""):
        url += "?" + urlencode({"page": number})
    return redirect(url)


# --- the unmatched reads resolved ----------------------------------------------------------


class ResolvedReadsTable(tables.Table):
    bib_as_read = tables.Column(verbose_name=gettext_lazy("Read as"))
    station_code = tables.Column(verbose_name=gettext_lazy("Station"))
    at = tables.Column(verbose_name=gettext_lazy("Time"), default="–")
    device = tables.Column(verbose_name=gettext_lazy("Device"), default="")
    resolved_at = tables.Column(verbose_name=gettext_lazy("Dealt with"))
    resolved_by = tables.Column(verbose_name=gettext_lazy("By"), default="")
    resolution_note = tables.Column(verbose_name=gettext_lazy("What was done"), default="")
    reopen = tables.TemplateColumn(
        template_name="officials/anomalies/reopen_form.html",
        verbose_name=gettext_lazy("Not dealt with?"),
        extra_context={"note_max_length": NOTE_MAX_LENGTH},
    )

    class Meta:
        model = UnmatchedRead
        fields = (
            "bib_as_read",
            "station_code",
            "at",
            "device",
            "resolved_at",
            "resolved_by",
            "resolution_note",
        )
        orderable = False
        attrs = {"class": "table dealt-with"}

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, **kwargs)

    def render_at(self, value):
        return format_clock(value, self.race)

    def render_resolved_at(self, value):
        return format_moment(value, self.race)

    def render_resolved_by(self, value):
        return value.get_username()


@race_page_required(works_results_desk, ONLY_FOR_DESK)
def resolved_unmatched_reads(request, race: Race):
    table = ResolvedReadsTable(
        unmatched_reads_resolved(race), race=race, empty_text=_("No unknown bib has been dealt with yet.")
    )
    paginate_table(table, request, ANOMALIES_PER_PAGE)
    context = {"race": race, "table": table, "desk": True}
    return render(request, "officials/anomalies/resolved.html", context)
