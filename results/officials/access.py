"""Who may open an officials' page: a signed-in organiser of the race, or a superuser."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def is_organiser(user) -> bool:
    # Closing a race is the organisers' own permission (the Organiser group, races/roles.py).
    return user.is_active and (user.is_superuser or user.has_perm("races.close_race"))


def organiser_required(view):
    """Anonymous visitors go to the login page; signed-in people who are not organisers get a
    page saying whom to ask, with status 403."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not is_organiser(request.user):
            return render(request, "officials/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return checked
