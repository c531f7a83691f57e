"""The organisers' page of who works their race: name an official, change a role, remove one.

The same audited service as the admin's race page and `race_official`; only the race's
organisers (and superusers) get here.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from races.access import is_race_organiser
from races.audit import Actor
from races.models import Race, RaceOfficial
from races.problems import InputProblems, add_to_form
from races.services import race_official_name, race_official_remove, user_named
from results.officials.form_errors import refused_form
from results.officials.forms import RaceOfficialForm, RemoveOfficialForm
from results.officials.guards import race_page_required

FOR_ORGANISERS = gettext_lazy("Naming the race's officials is for its organisers.")
NOT_YOURSELF = gettext_lazy(
    "You cannot change or remove your own role here, or the race could be left with no organiser; "
    "ask another organiser of the race or a superuser."
)


def _is_oneself(request, username: str) -> bool:
    """An organiser who demoted or removed themselves would lose this page, perhaps the race."""
    return not request.user.is_superuser and username.casefold() == request.user.get_username().casefold()


def _page(request, race: Race, form: RaceOfficialForm, status: int = 200):
    officials = (
        RaceOfficial.objects.filter(race=race)
        .select_related("user")
        .prefetch_related("stations")
        .order_by("role", "user__username")
    )
    context = {
        "race": race,
        "form": form,
        "officials": officials,
        "desk": True,
        "organiser": True,
        "error_summary": refused_form(form, form_id="name-official") if form.errors else None,
    }
    return render(request, "officials/race_officials.html", context, status=status)


@race_page_required(is_race_organiser, FOR_ORGANISERS)
@require_http_methods(["GET", "POST"])
def race_officials(request, race: Race):
    form = RaceOfficialForm(request.POST or None, race=race)
    if request.method == "POST" and form.is_valid() and _is_oneself(request, form.cleaned_data["username"]):
        form.add_error("username", str(NOT_YOURSELF))
    elif request.method == "POST" and form.is_valid():
        try:
            official = race_official_name(
                race=race,
                user=user_named(form.cleaned_data["username"]),
                role=form.cleaned_data["role"],
                station_codes=form.cleaned_data["stations"],
                actor=Actor.of_user(request.user),
            )
        except InputProblems as refusal:
            add_to_form(form, refusal.problems)
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s of this race.")
                % {"user": official.user.get_username(), "role": official.get_role_display()},
            )
            return redirect("officials:race_officials", slug=race.slug)
    return _page(request, race, form, status=400 if form.errors else 200)


@race_page_required(is_race_organiser, FOR_ORGANISERS)
@require_POST
def remove_official(request, race: Race):
    form = RemoveOfficialForm(request.POST)
    try:
        if not form.is_valid():
            raise InputProblems([_("Say whom to remove: the form was incomplete.")])
        if _is_oneself(request, form.cleaned_data["username"]):
            raise InputProblems([str(NOT_YOURSELF)])
        user = user_named(form.cleaned_data["username"])
        race_official_remove(race=race, user=user, actor=Actor.of_user(request.user))
    except InputProblems as refusal:
        for problem in refusal.problems:
            messages.error(request, str(problem))
    else:
        messages.success(request, _("%(user)s no longer works this race.") % {"user": user.get_username()})
    return redirect("officials:race_officials", slug=race.slug)
