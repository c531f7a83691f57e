"""The doors of the officials' pages: a login, then the race or station the user works.

An anonymous visitor is sent to the login page; a signed-in user who does not work this race
or station gets a page that says so (403), never someone else's station.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from races.access import may_record_at, stations_user_may_work
from races.models import Race, Station
from races.problems import Problem, problems_document


def refused(request, race: Race | None, reason: str):
    return render(request, "officials/refused.html", {"race": race, "reason": reason}, status=403)


def race_page_required(may: Callable[..., bool], refusal: str):
    """A race's page for the users `may(user, race)` lets in; the view gets the race.

    `refusal` says who the page is for, on the 403 page the others get.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, slug: str, *args, **kwargs):
            race = get_object_or_404(Race, slug=slug)
            if not may(request.user, race):
                return refused(request, race, str(refusal))
            return view(request, race, *args, **kwargs)

        return guarded

    return decorator


def station_official_required(view):
    """A page for one station: the view gets `race` and `station`; another station's official is
    refused, so a tablet at R1 never records at R2 by a mistyped link."""

    @login_required
    @wraps(view)
    def guarded(request, slug: str, code: str, *args, **kwargs):
        race = get_object_or_404(Race, slug=slug)
        station = get_object_or_404(Station, race=race, code=code)
        if not may_record_at(request.user, race, station.code):
            return refused(
                request, race, _("You do not record at %(station)s in this race.") % {"station": station.code}
            )
        return view(request, race, station, *args, **kwargs)

    return guarded


def json_refusal(status: int, message: str) -> JsonResponse:
    return JsonResponse(problems_document([Problem(message)]), status=status)


def official_json_required(*, station: bool):
    """The keypad's JSON doors. A login redirect would reach the page's fetch() as an HTML page
    with status 200, so these answer 401 (log in again) and 403 in JSON instead.

    With `station`, the view gets `race` and `station` and only that station's officials (and
    the organisers) pass; without, it gets `race` and any official of the race passes.
    """

    def decorator(view):
        @wraps(view)
        def guarded(request, slug: str, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.is_active:
                return json_refusal(401, _("Your session has ended: log in again."))
            race = get_object_or_404(Race, slug=slug)
            if station:
                code = kwargs.pop("code")
                at = get_object_or_404(Station, race=race, code=code)
                if not may_record_at(request.user, race, code):
                    return json_refusal(
                        403, _("You do not record at %(station)s in this race.") % {"station": code}
                    )
                return view(request, race, at, *args, **kwargs)
            if not stations_user_may_work(request.user, race):
                return json_refusal(403, _("You are not an official of this race."))
            return view(request, race, *args, **kwargs)

        return guarded

    return decorator
