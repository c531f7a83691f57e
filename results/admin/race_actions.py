"""The results app's part of the race's admin page: closing and reopening races, and the timing
file upload beside the entries upload. Registered here so that races/ knows nothing of results/."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from races.admin.race import UPLOADS, RaceAdmin, Upload
from races.audit import Actor
from races.forms import TimingUploadForm
from results.standings.closing import race_close_counting_dnf
from results.timing.services import timing_import


def only_races_organised(modeladmin: RaceAdmin, request, queryset):
    """The selected races this user may close; the others are named and left as they were."""
    allowed, not_yours = modeladmin.only_where(request, queryset, "races.close_race")
    if not_yours:
        modeladmin.message_user(
            request,
            gettext("%d selected race(s) are not yours to close or reopen; they were left as they were.")
            % not_yours,
            messages.WARNING,
        )
    return allowed


@admin.action(
    permissions=["close"],
    description=gettext_lazy("Close the selected races (teams still out become DNF)"),
)
def close_races(modeladmin: RaceAdmin, request, queryset):
    for race in only_races_organised(modeladmin, request, queryset):
        outcome = race_close_counting_dnf(race=race, actor=Actor.of_user(request.user))
        modeladmin.message_user(request, str(outcome), messages.SUCCESS if outcome.changed else messages.INFO)


@admin.action(permissions=["close"], description=gettext_lazy("Reopen the selected races"))
def reopen_races(modeladmin: RaceAdmin, request, queryset):
    """Reopening takes back provisional or official results, so it needs a reason: given on the
    race's results page (or `close_race --reopen --reason`), which this action points to."""
    for race in only_races_organised(modeladmin, request, queryset):
        if not race.is_closed:
            modeladmin.message_user(request, gettext("race %s is already open; nothing changed.") % race.slug)
            continue
        modeladmin.message_user(
            request,
            gettext("race %(slug)s: reopening needs a reason; reopen it on its results page: %(url)s")
            % {"slug": race.slug, "url": reverse("officials:results", kwargs={"slug": race.slug})},
            messages.WARNING,
        )


RaceAdmin.actions = (*RaceAdmin.actions, close_races, reopen_races)

UPLOADS["timing"] = Upload(
    service=timing_import,
    form=TimingUploadForm,
    permission="results.add_timingrecord",
    right=gettext_lazy("import timing files"),
    link=gettext_lazy("Import timing (CSV)"),
    what=gettext_lazy("Timing"),
    title=gettext_lazy("Import timing reads into %s"),
    intro=gettext_lazy(
        "Every read of the file is stored, or none if any line is wrong. Reads already stored "
        "(the same read_id, or the same bib, station, time and source) are not added again."
    ),
)
