"""The organisers' print page: ask for the results book or certificates, watch them being made
by a worker, download them; and the stations' paper backup sheets, made at once on download.

While a job is being made the list of jobs polls itself with htmx; an htmx request gets the
list alone.
"""

from io import BytesIO

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from races.access import works_results_desk
from races.models import Race, ResultsState
from races.problems import InputProblems
from results.officials.forms import PrintRequestForm
from results.officials.guards import race_page_required
from results.publishing.models import PrintJob
from results.publishing.pdf.fonts import MissingFont
from results.publishing.pdf.station_sheets import station_sheets_pdf
from results.publishing.print_jobs import print_job_request, print_jobs_of
from results.publishing.station_sheets import sheet_stations, station_sheets

#: About 5 s of drawing (1,200 lines, a 300-team race's four stations, take under a second);
#: beyond, the request would keep a web worker too long: one station, or the command.
SHEET_LINES_WHILE_YOU_WAIT = 6000

FOR_DESK = gettext_lazy(
    "Printing the results and the certificates is for the race's organisers and results desk."
)


@race_page_required(works_results_desk, FOR_DESK)
@require_http_methods(["GET", "POST"])
def print_page(request, race: Race):
    form = PrintRequestForm(request.POST or None, race=race)
    if request.method == "POST":
        if form.is_valid():
            job, created = print_job_request(
                race=race,
                kind=form.cleaned_data["kind"],
                category=form.cleaned_data["category"],
                requested_by=request.user,
            )
            _say_how_the_job_stands(request, race, job, created)
            return redirect("officials:print", slug=race.slug)
        messages.error(request, _("Choose what to print with one of the buttons."))
    jobs = print_jobs_of(race)
    context = {
        "race": race,
        "form": form,
        "kinds": PrintJob.Kind,
        "jobs": jobs,
        "sheet_stations": sheet_stations(race),
        "any_active": any(job.is_active for job in jobs),
        # Certificates print "Provisional" on every page until the results are official.
        "certificates_provisional": race.results_state(timezone.now()) != ResultsState.OFFICIAL,
        "organiser": True,
        "desk": True,
    }
    template = "officials/printing/jobs.html" if request.htmx else "officials/printing/page.html"
    return render(request, template, context)


def _say_how_the_job_stands(request, race: Race, job: PrintJob, created: bool) -> None:
    """What the job is now, read again after the request: in embedded mode (Celery eager) the
    file was made during it, and "asked for" would be said of a file already there."""
    job.refresh_from_db()
    if job.state == PrintJob.State.DONE and job.file:
        url = reverse("officials:print_download", kwargs={"slug": race.slug, "job_id": job.pk})
        ready = _("%s is ready: download it below.") % job
        messages.success(request, format_html('{} <a href="{}">{}</a>', ready, url, job.download_name()))
    elif job.state == PrintJob.State.DONE:  # nothing to print, and the job says why
        messages.warning(
            request, _("%(job)s: no file was made. %(reason)s") % {"job": job, "reason": job.message}
        )
    elif job.state == PrintJob.State.FAILED:
        messages.error(
            request,
            _("%(job)s failed. %(reason)s Ask for it again; if it fails again, the server's log says why.")
            % {"job": job, "reason": job.message},
        )
    elif created:
        messages.success(request, _("%s: asked for; it appears below when it is ready.") % job)
    else:
        messages.info(request, _("%s is already being made: see its progress below.") % job)


@race_page_required(works_results_desk, FOR_DESK)
@require_GET
def print_download(request, race: Race, job_id: int):
    job = get_object_or_404(PrintJob.objects.select_related("race", "category"), pk=job_id, race=race)
    if not job.file:
        raise Http404(_("This job has no file."))
    try:
        stored = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this job is gone from the server; ask for it again.")) from None
    return FileResponse(stored, as_attachment=True, filename=job.download_name())


@race_page_required(works_results_desk, FOR_DESK)
@require_GET
def station_sheets_download(request, race: Race):
    """The paper backup sheets, every relay station's or one's (`?station=R1`). A few pages per
    station: made in the request, from the entries as they stand now."""
    code = request.GET.get("station") or None
    try:
        stations = sheet_stations(race, code)
        document = station_sheets(race, stations)
        lines = sum(len(sheet.rows) for sheet in document.sheets)
        if lines > SHEET_LINES_WHILE_YOU_WAIT:
            raise InputProblems(
                [
                    _(
                        "%(lines)d lines of sheets are too many to make while you wait: download one "
                        "station at a time, or run station_sheets %(race)s on the server."
                    )
                    % {"lines": lines, "race": race.slug}
                ]
            )
        content = station_sheets_pdf(document)
    except (InputProblems, MissingFont) as exc:
        problems = exc.problems if isinstance(exc, InputProblems) else [str(exc)]
        for problem in problems:
            messages.error(request, str(problem))
        return redirect("officials:print", slug=race.slug)
    name = f"{race.slug}-station-sheets{'-' + stations[0].code if code else ''}.pdf"
    return FileResponse(BytesIO(content), as_attachment=True, filename=name, content_type="application/pdf")
