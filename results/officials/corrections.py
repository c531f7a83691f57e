"""A team's splits as they arrived, and the corrections officials make to them.

Every read is shown, voided or not, with where it came from and which one is the team's
effective time at each station. A correction is a split added by hand or a read voided or
restored, always with a reason, through the timing services, which write the audit trail.

A station official sees the team's reads at every station (to judge a handoff against the
stations before and after) but corrects only at their own; organisers and the results desk
correct everywhere.
"""

from collections import defaultdict
from dataclasses import dataclass

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from races.access import is_race_organiser, stations_user_may_correct, works_results_desk
from races.audit import Actor
from races.models import Race, Station, Team
from races.problems import InputProblems, add_to_form
from races.services import REASON_MAX_LENGTH
from results.officials.audit import team_audit_table
from results.officials.form_errors import refused_form
from results.officials.guards import race_page_required, refused
from results.publishing.paging import paginate_table
from results.timing.models import Source, TimingRecord
from results.timing.race_time import format_clock, format_moment
from results.timing.services import timing_record_create, timing_record_restore, timing_record_void

TEAMS_PER_PAGE = 50


def may_correct_splits(user, race: Race) -> bool:
    return bool(stations_user_may_correct(user, race))


ONLY_FOR = gettext_lazy("Corrections are for the race's officials.")


# --- forms --------------------------------------------------------------------------------


class AddSplitForm(forms.Form):
    station = forms.ChoiceField(
        label=gettext_lazy("Station"),
        error_messages={
            "required": gettext_lazy("Choose the station."),
            "invalid_choice": gettext_lazy(
                "%(value)s is not a station of this race; choose one from the list."
            ),
        },
    )
    time = forms.CharField(
        label=gettext_lazy("Time"),
        max_length=40,
        help_text=gettext_lazy(
            "Local time of day HH:MM:SS or HH:MM:SS.fff on the race date, or ISO 8601 with an offset "
            "(2025-11-23T07:01:02.345+08:00)."
        ),
        error_messages={"required": gettext_lazy("Enter the time the tasuki passed.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Where the time comes from, for the audit trail: e.g. 'station sheet'."),
        error_messages={"required": gettext_lazy("Say where this time comes from (e.g. 'station sheet').")},
    )

    def __init__(self, *args, stations: list[Station], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.code, f"{s.code} · {s.name}") for s in stations]


class ReasonForm(forms.Form):
    """Why a read is voided, or restored (`restoring`): the label the page shows, which the error
    summary at the top repeats."""

    reason = forms.CharField(
        label=gettext_lazy("Why void it"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Say why; the reason goes into the audit trail.")},
    )

    def __init__(self, *args, restoring: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if restoring:
            self.fields["reason"].label = gettext_lazy("Why restore it")


# --- the team's page ----------------------------------------------------------------------


@dataclass
class SplitRow:
    record: TimingRecord
    time: str
    received: str
    received_by: str
    effective: bool
    reason_form: ReasonForm


@dataclass
class StationSplits:
    station: Station
    rows: list[SplitRow]
    correctable: bool


def _received_by(record: TimingRecord) -> str:
    if record.device:
        return _("device %s") % record.device
    if record.recorded_by is not None:
        return _("official %s") % record.recorded_by.get_username()
    return ""


def _station_splits(race: Race, team: Team, correctable: set[str], bound: tuple[int, ReasonForm] | None):
    records = team.timing_records.select_related("station", "recorded_by", "voided_by").order_by("at", "pk")
    by_station: dict[int, list[TimingRecord]] = defaultdict(list)
    for record in records:
        by_station[record.station_id].append(record)
    sections = []
    for station in race.course:
        counted = [r for r in by_station[station.pk] if not r.voided]
        effective = counted[0] if counted else None  # the earliest read that is not voided
        rows = []
        for record in by_station[station.pk]:
            form = (
                bound[1]
                if bound and bound[0] == record.pk
                else ReasonForm(auto_id=f"id_r{record.pk}_%s", restoring=record.voided)
            )
            rows.append(
                SplitRow(
                    record=record,
                    time=format_clock(record.at, race),
                    received=format_moment(record.created_at, race),
                    received_by=_received_by(record),
                    effective=record is effective,
                    reason_form=form,
                )
            )
        sections.append(StationSplits(station, rows, station.code in correctable))
    return sections


def _team_page(request, race: Race, team: Team, *, add_form=None, bound=None):
    stations = stations_user_may_correct(request.user, race)
    desk = works_results_desk(request.user, race)
    error_summary = None
    if add_form is not None:
        error_summary = refused_form(add_form, form_id="add-split-form")
    elif bound is not None:
        error_summary = refused_form(bound[1], form_id=f"split-{bound[0]}-form")
    context = {
        "race": race,
        "team": team,
        "sections": _station_splits(
            race, team, {s.code for s in stations} if desk or not race.is_closed else set(), bound
        ),
        "closed": race.is_closed,
        "add_form": add_form or AddSplitForm(stations=stations),
        "correctable": stations if desk or not race.is_closed else [],
        "desk": desk,
        "audit_table": team_audit_table(race, team) if desk else None,
        "may_change_runners": is_race_organiser(request.user, race),
        "error_summary": error_summary,
    }
    return render(request, "officials/corrections/team.html", context)


def _team(race: Race, bib: str) -> Team:
    if "\x00" in bib:  # PostgreSQL refuses NUL in a query: no team has one
        raise Http404
    return get_object_or_404(race.teams.select_related("category"), bib=bib)


@race_page_required(may_correct_splits, ONLY_FOR)
def team_splits(request, race: Race, bib: str):
    return _team_page(request, race, _team(race, bib))


@race_page_required(may_correct_splits, ONLY_FOR)
@require_POST
def add_split(request, race: Race, bib: str):
    if closed := _closed_to(request, race):
        return closed
    team = _team(race, bib)
    stations = stations_user_may_correct(request.user, race)
    code = request.POST.get("station", "")
    if code in {s.code for s in race.course} - {s.code for s in stations}:
        return _not_your_station(request, race, stations)
    form = AddSplitForm(request.POST, stations=stations)
    if form.is_valid():
        try:
            record, created = timing_record_create(
                race=race,
                bib=team.bib,
                station=form.cleaned_data["station"],
                time=form.cleaned_data["time"],
                source=Source.MANUAL,
                actor=Actor.of_user(request.user),
                reason=form.cleaned_data["reason"],
            )
        except InputProblems as refusal:
            add_to_form(form, refusal.problems)
        else:
            shown = {"station": record.station.code, "time": format_clock(record.at, race)}
            if created:
                messages.success(request, _("Split added at %(station)s: %(time)s.") % shown)
            else:
                messages.info(request, _("That split was already stored at %(station)s: %(time)s.") % shown)
            return _back_to(team, race, record.station.code)
    return _team_page(request, race, team, add_form=form)


@race_page_required(may_correct_splits, ONLY_FOR)
@require_POST
def void_split(request, race: Race, bib: str, pk: int):
    return _correct(request, race, bib, pk, timing_record_void, _("Split voided at %(station)s: %(time)s."))


@race_page_required(may_correct_splits, ONLY_FOR)
@require_POST
def restore_split(request, race: Race, bib: str, pk: int):
    return _correct(
        request, race, bib, pk, timing_record_restore, _("Split restored at %(station)s: %(time)s.")
    )


def _correct(request, race: Race, bib: str, pk: int, service, done: str):
    if closed := _closed_to(request, race):
        return closed
    team = _team(race, bib)
    record = get_object_or_404(TimingRecord.objects.select_related("station"), pk=pk, team=team)
    stations = stations_user_may_correct(request.user, race)
    if record.station.code not in {s.code for s in stations}:
        return _not_your_station(request, race, stations)
    form = ReasonForm(request.POST, auto_id=f"id_r{record.pk}_%s", restoring=record.voided)
    if form.is_valid():
        try:
            service(
                record=record,
                reason=form.cleaned_data["reason"],
                actor=Actor.of_user(request.user),
            )
        except InputProblems as refusal:
            add_to_form(form, refusal.problems)
        else:
            messages.success(
                request, done % {"station": record.station.code, "time": format_clock(record.at, race)}
            )
            return _back_to(team, race, record.station.code)
    return _team_page(request, race, team, bound=(record.pk, form))


def _closed_to(request, race: Race):
    """Closed results are the results desk's to correct: a station official is refused."""
    if race.is_closed and not works_results_desk(request.user, race):
        return refused(request, race, _("The race is closed: ask the results desk."))
    return None


def _not_your_station(request, race: Race, stations: list[Station]):
    return refused(
        request,
        race,
        _("You correct splits only at your stations (%s); ask the organiser or the results desk.")
        % ", ".join(s.code for s in stations),
    )


def _back_to(team: Team, race: Race, station_code: str):
    url = reverse("officials:team", kwargs={"slug": race.slug, "bib": team.bib})
    return redirect(f"{url}#station-{station_code}")


# --- finding a team -----------------------------------------------------------------------


class TeamTable(tables.Table):
    bib = tables.Column(verbose_name=gettext_lazy("Bib"))
    name = tables.Column(verbose_name=gettext_lazy("Team"))
    category = tables.Column(verbose_name=gettext_lazy("Category"), accessor="category__code")

    class Meta:
        orderable = False
        attrs = {"class": "table teams"}

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, **kwargs)

    def render_bib(self, value):
        url = reverse("officials:team", kwargs={"slug": self.race.slug, "bib": value})
        return format_html('<a href="{}">{}</a>', url, value)


@race_page_required(may_correct_splits, ONLY_FOR)
def team_list(request, race: Race):
    """Find a team by bib, name or runner; a bib typed exactly goes straight to its splits."""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    teams = race.teams.select_related("category")
    if q:
        if teams.filter(bib=q).exists():
            return redirect("officials:team", slug=race.slug, bib=q)
        teams = teams.filter(
            Q(bib__istartswith=q) | Q(name__icontains=q) | Q(runners__name__icontains=q)
        ).distinct()
    # Numeric bibs in number order: "99" before "100".
    table = TeamTable(teams.order_by(Length("bib"), "bib"), race=race, empty_text=_("No team matches."))
    paginate_table(table, request, TEAMS_PER_PAGE)
    context = {"race": race, "table": table, "q": q, "desk": works_results_desk(request.user, race)}
    return render(request, "officials/corrections/teams.html", context)
