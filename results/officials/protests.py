"""Protests (`/officials/<slug>/protests/`): the organisers lodge and decide them; the results
desk reads them. A pending protest keeps the results provisional. What a protest says is for the
officials only; a decision that sets a status gives the public its own note.

The services are races/services/protests.py, which audit each protest lodged and decided.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from races.access import is_race_organiser, works_results_desk
from races.audit import Actor
from races.models import OfficialStatus, ProtestStatus, Race
from races.models.protests import PROTEST_TEXT_MAX_LENGTH
from races.problems import InputProblems, add_to_form
from races.services import PUBLIC_NOTE_MAX_LENGTH, protest_decide, protest_lodge, results_state_now
from results.officials.form_errors import refused_form
from results.officials.guards import race_page_required, refused
from results.timing.race_time import format_moment

FOR_THE_DESK = gettext_lazy("Protests are for the race's organisers and its results desk.")
LODGE, DECIDE = "lodge", "decide"


class LodgeForm(forms.Form):
    bib = forms.CharField(
        label=gettext_lazy("Bib of the team protested against"),
        max_length=20,
        error_messages={"required": gettext_lazy("Give the bib of the team protested against.")},
    )
    lodged_by = forms.CharField(
        label=gettext_lazy("Lodged by"),
        max_length=200,
        help_text=gettext_lazy("Who lodged it: e.g. 'captain of team 112'."),
        error_messages={"required": gettext_lazy("Say who lodged the protest.")},
    )
    about = forms.CharField(
        label=gettext_lazy("About"),
        max_length=PROTEST_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say what the protest is about.")},
    )


class DecideForm(forms.Form):
    protest = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (ProtestStatus.UPHELD, ProtestStatus.UPHELD.label),
            (ProtestStatus.REJECTED, ProtestStatus.REJECTED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether the protest is upheld or rejected.")},
    )
    decision = forms.CharField(
        label=gettext_lazy("The decision in words"),
        max_length=PROTEST_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write the decision: it is kept with the protest.")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Set the team's status (optional)"),
        required=False,
        choices=[
            ("", gettext_lazy("No change")),
            (OfficialStatus.DQ, OfficialStatus.DQ.label),
            (OfficialStatus.DNS, OfficialStatus.DNS.label),
            (OfficialStatus.DNF, OfficialStatus.DNF.label),
            ("AUTO", gettext_lazy("Back to the status the splits give")),
        ],
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note with the status"),
        max_length=PUBLIC_NOTE_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy(
            "What spectators read beside the status, e.g. 'disqualified: course cut at km 12'."
        ),
    )


def _rows(race: Race, bound: DecideForm | None) -> list[dict]:
    rows = []
    for protest in race.protests.select_related("team", "decided_by").order_by("-lodged_at", "-pk"):
        form = None
        if protest.pending:
            if bound is not None and bound.data.get(f"{DECIDE}-{protest.pk}-protest") == str(protest.pk):
                form = bound
            else:
                form = DecideForm(prefix=f"{DECIDE}-{protest.pk}", initial={"protest": protest.pk})
        rows.append(
            {
                "protest": protest,
                "lodged_at": format_moment(protest.lodged_at, race),
                "decided_at": format_moment(protest.decided_at, race) if protest.decided_at else "",
                "form": form,
            }
        )
    return rows


@race_page_required(works_results_desk, FOR_THE_DESK)
@require_http_methods(["GET", "POST"])
def protests(request, race: Race):
    organiser = is_race_organiser(request.user, race)
    lodge_form, decide_form, status, error_summary = LodgeForm(prefix=LODGE), None, 200, None
    if request.method == "POST":
        if not organiser:
            return refused(request, race, _("Only the race's organisers lodge and decide protests."))
        actor = Actor.of_user(request.user)
        which = request.POST.get("form")
        if which == LODGE:
            lodge_form = LodgeForm(request.POST, prefix=LODGE)
            if lodge_form.is_valid():
                try:
                    protest = protest_lodge(race=race, actor=actor, **lodge_form.cleaned_data)
                except InputProblems as refusal:
                    add_to_form(lodge_form, refusal.problems)
                else:
                    messages.success(
                        request,
                        _("Protest %(number)d against team %(bib)s lodged.")
                        % {"number": protest.pk, "bib": protest.team.bib},
                    )
                    return redirect("officials:protests", slug=race.slug)
            error_summary = refused_form(lodge_form, form_id="lodge-form")
        elif which == DECIDE:
            number = request.POST.get("protest", "")
            decide_form = DecideForm(request.POST, prefix=f"{DECIDE}-{number}")
            if decide_form.is_valid():
                try:
                    decided = protest_decide(
                        race=race,
                        protest_id=decide_form.cleaned_data["protest"],
                        actor=actor,
                        **{
                            key: decide_form.cleaned_data[key]
                            for key in ("outcome", "decision", "status", "public_note")
                        },
                    )
                except InputProblems as refusal:
                    add_to_form(decide_form, refusal.problems)
                else:
                    messages.success(
                        request,
                        _("Protest %(number)d %(outcome)s.")
                        % {"number": decided.pk, "outcome": decided.get_status_display().lower()},
                    )
                    return redirect("officials:protests", slug=race.slug)
            error_summary = refused_form(decide_form, form_id=f"protest-{number}-form")
        else:
            messages.error(request, _("Not changed: the form was incomplete. Use one of the buttons below."))
            return redirect("officials:protests", slug=race.slug)
        status = 400
    context = {
        "race": race,
        "state": results_state_now(race),
        "rows": _rows(race, decide_form),
        "lodge_form": lodge_form,
        "lodge": LODGE,
        "decide": DECIDE,
        "error_summary": error_summary,
        "organiser": organiser,
        "desk": True,
    }
    return render(request, "officials/protests/page.html", context, status=status)
