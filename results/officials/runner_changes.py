"""The organisers' page of a team's runners on race day: a substitute on a leg, or two legs swapped.

From the corrections page of a team (`/officials/<slug>/teams/<bib>/`). The same audited service
as `change_runner` checks the category's rules again and, after the race's changes deadline,
asks for a reason. Only the race's organisers (and superusers) get here: the results desk and
the station officials time the race, they do not change who runs it.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from races.access import is_race_organiser
from races.audit import Actor
from races.models import Gender, Race, Team
from races.problems import InputProblems, add_to_form
from races.services import REASON_MAX_LENGTH, changes_deadline, runner_change, runner_legs_swap
from results.officials.form_errors import refused_form
from results.officials.guards import race_page_required

FOR_ORGANISERS = gettext_lazy("Runner changes are for the race's organisers.")
SWAP = "swap"


class RunnerChangeForm(forms.Form):
    """A substitute for one leg: who runs it now."""

    name = forms.CharField(
        label=gettext_lazy("New runner's name"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter the new runner's name.")},
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Gender"),
        choices=[("", "—"), *Gender.choices],
        error_messages={"required": gettext_lazy("Choose the new runner's gender.")},
    )
    birth_date = forms.DateField(
        label=gettext_lazy("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Enter the new runner's birth date (the category's age rules use it)."),
            "invalid": gettext_lazy("Write the birth date as YYYY-MM-DD, e.g. 1984-02-29."),
        },
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_MAX_LENGTH, required=False)


class LegSwapForm(forms.Form):
    """Two legs of the team run by each other's runner."""

    leg = forms.TypedChoiceField(label=gettext_lazy("Leg"), coerce=int)
    other_leg = forms.TypedChoiceField(label=gettext_lazy("swaps with leg"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_MAX_LENGTH, required=False)

    def __init__(self, *args, legs: int, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in range(1, legs + 1)]
        self.fields["leg"].choices = self.fields["other_leg"].choices = choices


def _team(race: Race, bib: str) -> Team:
    if "\x00" in bib:  # PostgreSQL refuses NUL in a query: no team has one
        raise Http404
    return get_object_or_404(race.teams.select_related("category"), bib=bib)


def _submitted(request, race: Race, team: Team, change: str, legs: int):
    """The form posted, bound, with the service's refusals beside their fields; None if done."""
    actor = Actor.of_user(request.user)
    if change == SWAP:
        form = LegSwapForm(request.POST, prefix=SWAP, legs=legs)
    else:
        form = RunnerChangeForm(request.POST, prefix=f"leg{change}")
    if form.is_valid():
        try:
            if change == SWAP:
                done = runner_legs_swap(race=race, bib=team.bib, actor=actor, **form.cleaned_data)
            else:
                done = runner_change(race=race, bib=team.bib, leg=change, actor=actor, **form.cleaned_data)
        except InputProblems as refusal:
            add_to_form(form, refusal.problems)
        else:
            if done.changed:
                messages.success(request, _("Saved: %s.") % done_words(done))
            else:
                messages.info(request, _("That runner already runs this leg; nothing changed."))
            return None
    return form


def done_words(done) -> str:
    return ", ".join(
        _("leg %(leg)d %(before)s → %(after)s") % {"leg": old.leg, "before": old.name, "after": new.name}
        for old, new in zip(done.before, done.after, strict=True)
    )


@race_page_required(is_race_organiser, FOR_ORGANISERS)
@require_http_methods(["GET", "POST"])
def team_runners(request, race: Race, bib: str):
    team = _team(race, bib)
    legs = len(race.legs)
    runners = list(team.runners.order_by("leg"))
    change_forms = {runner.leg: RunnerChangeForm(prefix=f"leg{runner.leg}") for runner in runners}
    swap_form = LegSwapForm(prefix=SWAP, legs=legs)
    status = 200
    error_summary = None
    if request.method == "POST":
        change = request.POST.get("change", "")
        if change != SWAP and not (change.isdigit() and int(change) in change_forms):
            messages.error(request, _("Choose the leg to change from the list: the form was incomplete."))
            return redirect("officials:team_runners", slug=race.slug, bib=team.bib)
        bound = _submitted(request, race, team, change if change == SWAP else int(change), legs)
        if bound is None:
            return redirect("officials:team_runners", slug=race.slug, bib=team.bib)
        status = 400
        # On a phone the form may be far below the top: the browser moves to the field at fault.
        error_summary = refused_form(bound, form_id=f"{SWAP if change == SWAP else f'leg-{change}'}-form")
        if change == SWAP:
            swap_form = bound
        else:
            change_forms[int(change)] = bound
    deadline = changes_deadline(race)
    context = {
        "race": race,
        "team": team,
        "legs": [(runner, change_forms[runner.leg]) for runner in runners],
        "swap_form": swap_form,
        "deadline": race.local_time_label(deadline),
        "deadline_passed": timezone.now() >= deadline,
        "swap": SWAP,
        "error_summary": error_summary,
        "organiser": True,
        "desk": True,
    }
    return render(request, "officials/runner_changes/team.html", context, status=status)
