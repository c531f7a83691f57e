"""The results API: the standings as the export JSON (the device API is in results/timing/device_api/)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ekiden.page_cache import cached_page
from races.models import Race
from races.page_state import race_state
from races.services import results_state_now
from results.publishing.export_schema import RaceResultsSerializer
from results.publishing.exports import results_document
from results.standings.selectors import standings_for_race
from results.timing.device_api.serializers import ProblemsReplySerializer
from results.timing.device_api.views import problems_reply_handler


class RaceResultsView(APIView):
    """The race's standings exactly as `export_results --format json` gives them."""

    # The body is the export document, made from the typed results by the one function that makes
    # it for the command too; the serializer only documents it.
    def get_exception_handler(self):
        return problems_reply_handler  # the API's one error shape, {"errors": [...]}

    @extend_schema(
        responses={200: RaceResultsSerializer, 404: ProblemsReplySerializer},
        summary="Standings as the export JSON",
    )
    def get(self, request, slug: str):
        race = Race.objects.filter(slug=slug).first()
        if race is None:
            raise NotFound(_("there is no race %r.") % slug)
        return Response(results_document(standings_for_race(race), results_state_now(race)))


# Phones and scoreboards poll this too: an unchanged poll is a 304 after one small query, and a
# changed document is encoded once per version (ekiden/page_cache.py).
# It reads `?format=` (REST framework's choice of renderer) and no other parameter.
race_results = cached_page(race_state, query=("format",), vary_on_accept=True)(RaceResultsView.as_view())
