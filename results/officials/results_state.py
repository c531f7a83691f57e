"""The race's results state for its officials (`/officials/<slug>/results/`): live, provisional
(until when protests are taken, how many are pending) or official, with the organisers' buttons
"Make official" and "Reopen" (with a reason). The results desk reads it.

The services are races/services/results_states.py and race_day.race_close, which audit each change.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from races.access import is_race_organiser, works_results_desk
from races.audit import Actor
from races.models import Race, ResultsState
from races.problems import InputProblems, add_to_form
from races.services import (
    REASON_MAX_LENGTH,
    race_make_official,
    results_state_now,
)
from races.services.results_states import pending_protests, protests_until
from results.officials.form_errors import refused_form
from results.officials.guards import race_page_required, refused
from results.standings.closing import race_close_counting_dnf
from results.timing.race_time import format_moment

FOR_THE_DESK = gettext_lazy("The results state is for the race's organisers and its results desk.")
OFFICIAL, REOPEN = "official", "reopen"


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why reopen the race"),
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Kept in the audit trail: e.g. 'protest upheld: the R2 mat missed team 118'."),
        error_messages={
            "required": gettext_lazy("Say why the race is reopened; the reason goes into the audit trail.")
        },
    )


@race_page_required(works_results_desk, FOR_THE_DESK)
@require_http_methods(["GET", "POST"])
def results_state(request, race: Race):
    organiser = is_race_organiser(request.user, race)
    reopen_form, status, error_summary = ReopenForm(prefix=REOPEN), 200, None
    if request.method == "POST":
        if not organiser:
            return refused(
                request, race, _("Only the race's organisers make results official or reopen a race.")
            )
        actor = Actor.of_user(request.user)
        if request.POST.get("form") == OFFICIAL:
            try:
                if race_make_official(race=race, actor=actor):
                    messages.success(request, _("The results are official."))
                else:
                    messages.info(request, _("The results were already official; nothing changed."))
                return redirect("officials:results", slug=race.slug)
            except InputProblems as refusal:
                for problem in refusal.problems:
                    messages.error(request, _("Not changed: %s") % problem)
                status = 409
        elif request.POST.get("form") == REOPEN:
            reopen_form = ReopenForm(request.POST, prefix=REOPEN)
            if reopen_form.is_valid():
                try:
                    outcome = race_close_counting_dnf(
                        race=race, reopen=True, reason=reopen_form.cleaned_data["reason"], actor=actor
                    )
                except InputProblems as refusal:
                    add_to_form(reopen_form, refusal.problems)
                else:
                    messages.success(request, str(outcome))
                    return redirect("officials:results", slug=race.slug)
            status = 400
            error_summary = refused_form(reopen_form, form_id="reopen-form")
        else:
            messages.error(request, _("Not changed: the form was incomplete. Use one of the buttons below."))
            return redirect("officials:results", slug=race.slug)
        race.refresh_from_db()
    now = timezone.now()
    state = results_state_now(race, now)
    ends = protests_until(race)
    context = {
        "race": race,
        "state": state,
        "provisional": state == ResultsState.PROVISIONAL,
        "official": state == ResultsState.OFFICIAL,
        "closed_at": format_moment(race.closed_at, race) if race.closed_at else "",
        "protests_until": format_moment(ends, race) if ends else "",
        "window_over": ends is not None and now >= ends,
        "official_at": format_moment(race.official_at, race) if race.official_at else "",
        "pending": pending_protests(race),
        "reopen_form": reopen_form,
        "official_form": OFFICIAL,
        "reopen": REOPEN,
        "error_summary": error_summary,
        "organiser": organiser,
        "desk": True,
    }
    return render(request, "officials/results_state/page.html", context, status=status)
