from django.shortcuts import render

from races.models import Race


def race_list(request):
    return render(request, "races/race_list.html", {"races": Race.objects.all()})
