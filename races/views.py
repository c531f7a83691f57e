"""Public race pages: the list of races and a team captain's registration."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from races.forms import BotTrapForm, TeamRegistrationForm, runner_formset_class
from races.models import Race
from races.problems import InputProblems
from races.services import team_register
from races.throttle import client_address, registration_attempt

REGISTRATION_FORM = "registration form"  # the audit trail's actor for a captain's own entry


def race_list(request):
    races = list(Race.objects.all())
    now = timezone.now()
    registering = {race.pk for race in races if race.registration_is_open(now)}
    return render(request, "races/race_list.html", {"races": races, "registering": registering})


def register(request, slug: str):
    race = get_object_or_404(Race, slug=slug)
    now = timezone.now()
    if (closed := race.registration_closed_because(now)) is not None:
        # 403, not 404: the race exists, but the organisers are not taking entries now.
        context = {"race": race, "explanation": race.registration_closed_explanation(closed)}
        return render(request, "races/registration_closed.html", context, status=403)
    if request.method == "POST":
        attempt = registration_attempt(client_address(request), now=now.timestamp())
        if not attempt.allowed:
            context = {"race": race, "retry_after": attempt.retry_after}
            response = render(request, "races/registration_throttled.html", context, status=429)
            response["Retry-After"] = str(attempt.retry_after)
            return response
        if BotTrapForm(request.POST).caught():
            # 400 and no hint of which field gave it away; a person who reloads gets a clean form.
            return render(request, "races/registration_refused.html", {"race": race}, status=400)
    RunnerFormSet = runner_formset_class(len(race.legs))
    team_form = TeamRegistrationForm(request.POST or None, race=race)
    runner_forms = RunnerFormSet(request.POST or None, race=race, prefix="runner")
    problems: list[str] = []
    if request.method == "POST" and team_form.is_valid() and runner_forms.is_valid():
        try:
            team = team_register(
                race=race,
                name=team_form.cleaned_data["name"],
                category=team_form.cleaned_data["category"],
                runners=runner_forms.runners(),
                actor=_registration_actor(request),
                user=request.user if request.user.is_authenticated else None,
                now=now,
            )
        except InputProblems as refusal:
            problems = refusal.problems
        else:
            # Redirect, so a reload of the success page cannot register the team twice.
            return redirect("races:registered", slug=race.slug, bib=team.bib)
    context = {
        "race": race,
        "team_form": team_form,
        "runner_forms": runner_forms,
        "legs": race.legs,
        "leg_forms": list(zip(race.legs, runner_forms, strict=False)),
        "problems": problems,
        "bot_trap": BotTrapForm(),
        "categories": race.categories.order_by("code"),
        "registration_closes": race.local_time_label(race.registration_closes),
    }
    return render(request, "races/register.html", context)


def registered(request, slug: str, bib: str):
    race = get_object_or_404(Race, slug=slug)
    team = get_object_or_404(race.teams.select_related("category"), bib=bib)
    return render(request, "races/registered.html", {"race": race, "team": team})


def _registration_actor(request) -> str:
    if request.user.is_authenticated:
        return f"{REGISTRATION_FORM} ({request.user.get_username()})"
    return REGISTRATION_FORM
