"""The organisers' print page: ask for the results book or certificates, watch them being made
by a worker, download them."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from races.models import Race
from results.models import PrintJob
from results.officials.access import organiser_required
from results.officials.forms import PrintRequestForm
from results.print_jobs import print_job_request, print_jobs_of


@organiser_required
@require_http_methods(["GET", "POST"])
def print_page(request, slug: str):
    race = get_object_or_404(Race, slug=slug)
    form = PrintRequestForm(request.POST or None, race=race)
    if request.method == "POST":
        if form.is_valid():
            job, created = print_job_request(
                race=race,
                kind=form.cleaned_data["kind"],
                category=form.cleaned_data["category"],
                requested_by=request.user,
            )
            if created:
                messages.success(request, _("%s: asked for; it appears below when it is ready.") % job)
            else:
                messages.info(request, _("%s is already being made: see its progress below.") % job)
            return redirect("officials:print", slug=race.slug)
        messages.error(request, _("Choose what to print with one of the buttons."))
    context = {"race": race, "form": form, "kinds": PrintJob.Kind, **_jobs_context(race)}
    return render(request, "officials/printing/page.html", context)


@organiser_required
@require_GET
def print_jobs(request, slug: str):
    """The list of jobs alone: the page polls it while a job is being made."""
    race = get_object_or_404(Race, slug=slug)
    return render(request, "officials/printing/jobs.html", {"race": race, **_jobs_context(race)})


@organiser_required
@require_GET
def print_download(request, slug: str, job_id: int):
    job = get_object_or_404(PrintJob.objects.select_related("race", "category"), pk=job_id, race__slug=slug)
    if not job.file:
        raise Http404(_("This job has no file."))
    try:
        stored = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this job is gone from the server; ask for it again.")) from None
    return FileResponse(stored, as_attachment=True, filename=job.download_name())


def _jobs_context(race: Race) -> dict:
    jobs = print_jobs_of(race)
    return {"jobs": jobs, "any_active": any(job.is_active for job in jobs)}
