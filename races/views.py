"""Public race pages: the list of races and a team captain's registration."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from ekiden.page_cache import cached_page
from ekiden.throttle import client_address, registration_attempt
from races.audit import Actor
from races.forms import BotTrapForm, TeamRegistrationForm, runner_formset_class
from races.models import Race, Schedule
from races.page_state import races_state
from races.problems import InputProblems, Problem
from races.services import team_register


@cached_page(races_state)
def race_list(request):
    """`/`: the races on now first, then those to come (soonest first), then the past ones."""
    now = timezone.now()
    races = list(Race.objects.all())
    registering = {race.pk for race in races if race.registration_is_open(now)}
    by_schedule = {schedule: [] for schedule in Schedule}
    for race in races:
        by_schedule[race.schedule(now)].append(race)
    by_schedule[Schedule.LIVE].sort(key=lambda race: race.gun)
    by_schedule[Schedule.UPCOMING].sort(key=lambda race: race.gun)
    sections = [(schedule, by_schedule[schedule]) for schedule in Schedule if by_schedule[schedule]]
    return render(request, "races/race_list.html", {"sections": sections, "registering": registering})


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
    problems: list[Problem] = []
    if request.method == "POST" and team_form.is_valid() and runner_forms.is_valid():
        try:
            team = team_register(
                race=race,
                name=team_form.cleaned_data["name"],
                category=team_form.cleaned_data["category"],
                captain_phone=team_form.cleaned_data["captain_phone"],
                runners=runner_forms.runners(),
                actor=Actor.registration_form(request.user),
                now=now,
            )
        except InputProblems as refusal:
            problems = refusal.problems
        else:
            # Redirect, so a reload of the success page cannot register the team twice.
            return redirect("races:registered", slug=race.slug, bib=team.bib)
    context = {
        "race": race,
        "error_summary": _error_summary(team_form, runner_forms, race.legs, problems)
        if request.method == "POST"
        else [],
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


def _error_summary(team_form, runner_forms, legs, problems: list[Problem]) -> list[tuple[str, str]]:
    """What stopped the registration, for the summary at the top of the form: (link, message),
    each field's message linking to the field, so a captain on a long form finds it."""
    found: list[tuple[str, str]] = [("", str(problem)) for problem in problems]
    for field in team_form:
        found += [(f"#{field.auto_id}", str(Problem(error, field=field.label))) for error in field.errors]
    found += [("", str(error)) for error in team_form.non_field_errors()]
    if team_form.is_bound and runner_forms.is_bound and runner_forms.management_form.is_valid():
        found += [("", str(error)) for error in runner_forms.non_form_errors()]
        for leg, form in zip(legs, runner_forms, strict=False):
            where = gettext("Leg %d runner") % leg.number
            for field in form:
                label = gettext("%(runner)s, %(field)s") % {"runner": where, "field": field.label}
                found += [(f"#{field.auto_id}", str(Problem(error, field=label))) for error in field.errors]
            found += [("", str(Problem(error, field=where))) for error in form.non_field_errors()]
    return found
