"""The anomaly list: what the organisers should check, refreshed every few seconds.

The page polls itself with htmx and swaps the list; each poll reads the reads as they are now
(results.selectors.anomalies_for_race). Each anomaly links to the team's corrections page,
where voiding the wrong read clears it.
"""

from collections import Counter

import django_tables2 as tables
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from races.access import works_results_desk
from races.models import Race
from results.anomalies import READS_APART_MS, Anomaly, Kind
from results.officials.guards import race_page_required
from results.officials.paging import paginate_table
from results.race_time import format_clock, format_duration, from_epoch_ms
from results.selectors import anomalies_for_race, min_pace_ms_per_km

ANOMALIES_PER_PAGE = 100
#: How often the open page asks again: "within seconds" of a new read, without hammering.
POLL_SECONDS = 5

KIND_LABELS = {
    Kind.NEGATIVE_LEG: gettext_lazy("Earlier than the station before"),
    Kind.FAST_LEG: gettext_lazy("Too fast"),
    Kind.READS_APART: gettext_lazy("Read twice"),
    Kind.UNKNOWN_BIB: gettext_lazy("Unknown bib"),
    Kind.AFTER_FINISH: gettext_lazy("Read after the finish"),
    Kind.MISSING_SPLIT: gettext_lazy("Missing split"),
}


def _clock(ms: int | None, race: Race) -> str:
    return "–" if ms is None else format_clock(from_epoch_ms(ms), race)


def _pace(ms_per_km: int) -> str:
    seconds = ms_per_km // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


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
                "pace": _pace(anomaly.pace_ms_per_km),
                "limit": _pace(min_pace_ms_per_km()),
            }
        case Kind.READS_APART:
            return _(
                "%(count)d reads at %(station)s from %(other_time)s to %(time)s, more than %(seconds)d s apart."
            ) % {**at, "count": len(anomaly.record_ids), "seconds": READS_APART_MS // 1000}
        case Kind.UNKNOWN_BIB:
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
            }
        )
    return rows


@race_page_required(
    works_results_desk, gettext_lazy("The anomaly list is for the race's organisers and the results desk.")
)
def anomaly_list(request, race: Race):
    found = anomalies_for_race(race)
    table = AnomalyTable(_rows(found, race), empty_text=_("Nothing to check."))
    paginate_table(table, request, ANOMALIES_PER_PAGE)
    counts = Counter(anomaly.kind for anomaly in found)
    context = {
        "race": race,
        "table": table,
        "total": len(found),
        "counts": [(KIND_LABELS[kind], counts[kind]) for kind in Kind if counts[kind]],
        "checked_at": format_clock(timezone.now(), race)[:8],
        "poll_seconds": POLL_SECONDS,
        "desk": True,
    }
    template = "officials/anomalies/list.html"
    if request.htmx:
        template = "officials/anomalies/fragment.html"
    return render(request, template, context)
