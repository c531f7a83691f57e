"""The printed results anyone may download once the race is closed: the book and a team's
certificates. Before the close there are no final places to print, so both are 404."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ekiden.versioned_cache import VersionedCache
from races.models import Race
from results.publishing.pdf.certificates import certificate_filename, certificates_pdf, finished_teams
from results.publishing.pdf.printed_race import printed_race
from results.publishing.print_jobs import latest_book
from results.standings.selectors import standings_for_race


@require_GET
def results_book(request, slug: str):
    """The latest results book made for the closed race (closing the race makes one)."""
    race = get_object_or_404(Race, slug=slug, is_closed=True)
    book = latest_book(race)
    if book is None:
        raise Http404(_("The results book of %s is not ready yet.") % race.name)
    try:
        stored = book.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The results book of %s is not ready yet.") % race.name) from None
    return FileResponse(stored, filename=book.download_name(), content_type="application/pdf")


# After the close hundreds of runners fetch their team's certificates within the hour: each is
# made once per standings version and then served from the cache.
CERTIFICATE_CACHE_SECONDS = 24 * 3600
#: A closed race's families all ask at once: one process makes a team's file, the others wait.
CERTIFICATES: VersionedCache[bytes] = VersionedCache("certificate", kept_seconds=CERTIFICATE_CACHE_SECONDS)


@require_GET
def team_certificate(request, slug: str, bib: str):
    """The team's certificate and one per runner, made from the cached standings."""
    race = get_object_or_404(Race, slug=slug, is_closed=True)
    results = standings_for_race(race)
    teams = finished_teams(results, bib=bib)
    if not teams:
        raise Http404(_("Team %s has no certificate: only finished teams of a closed race have one.") % bib)
    printed = printed_race(race)
    pdf = CERTIFICATES.fetch(
        # The state too: the same standings print "Provisional" until the race is official.
        (race.pk, bib, printed.state.value),
        wanted=race.standings_version,
        compute=lambda: certificates_pdf(printed, results, teams, team_pages=True),
    ).value
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, certificate_filename(printed, teams[0])
    )
    return response
