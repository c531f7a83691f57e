"""The officials' home: the races and stations this user works today."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from races.access import duties_of


@login_required
def index(request):
    return render(request, "officials/index.html", {"duties": duties_of(request.user)})
