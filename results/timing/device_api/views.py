"""POST /api/v1/races/<slug>/timings: read the request, ask who may post where, word the reply."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound, ParseError, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from ekiden.json_body import JSONBodyRefused, json_body
from races.access import stations_user_may_work
from races.models import Race
from races.problems import Problem, problems_document
from results.timing.device_api.authentication import DeviceOrSignedInUser, DeviceTokenAuthentication
from results.timing.device_api.serializers import (
    DeviceReadSerializer,
    ProblemsReplySerializer,
    StoredReplySerializer,
)
from results.timing.device_reads import DeviceRead, DeviceReadsRefused, device_reads_store
from results.timing.device_tokens import device_token_station_codes
from results.timing.models import DeviceToken

# A device queues what it could not send; a batch this size is a few minutes of a busy finish.
MAX_BATCH = 1000
MAX_BODY_BYTES = 1024 * 1024


class BodyRefused(APIException):
    """A body refused before it was parsed: too large (413), too deep, not JSON (400)."""

    def __init__(self, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        self.status_code = status_code
        super().__init__(message)


class BoundedJSONParser(JSONParser):
    """JSON of at most MAX_BODY_BYTES, its nesting counted before it is parsed (ekiden/json_body.py)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return json_body(stream, max_bytes=MAX_BODY_BYTES)
        except JSONBodyRefused as refusal:
            raise BodyRefused(refusal.message, refusal.status) from None


def too_big_message() -> str:
    return _("the body is larger than %(limit)d bytes; send the reads in smaller batches.") % {
        "limit": MAX_BODY_BYTES
    }


def problems_body(problems: list[Problem]) -> dict:
    """The reply's errors: each with the read's index (None: the request), its field, the message."""
    return problems_document(problems, indexed=True)


def whole_request_problem(message: str) -> dict:
    return problems_body([Problem(message)])


def problems_reply_handler(exc, context):
    """DRF's replies (401, 403, 404, 415, a body that is not JSON) in this API's error shape."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = whole_request_problem(str(response.data["detail"]))
    return response


def serializer_problems(errors: dict | list) -> list[Problem]:
    """DRF's errors of a list of reads (by index, or one entry per read) as problems."""
    by_index = sorted(errors.items()) if isinstance(errors, dict) else enumerate(errors)
    problems = []
    for index, fields in by_index:
        if isinstance(fields, list):  # the read as a whole (a null where an object belongs)
            fields = {"non_field_errors": fields}
        for field, messages in fields.items():
            for message in messages:
                problems.append(
                    Problem(str(message), field=None if field == "non_field_errors" else field, index=index)
                )
    return problems


READ_EXAMPLE = {
    "id": "0b5f7a52-3c1e-4f7a-9d7e-2a51c1f0c3e4",
    "bib": "101",
    "station": "R1",
    "time": "2025-11-23T07:01:02.345+08:00",
    "source": "tablet",
}


class RaceTimingsView(APIView):
    """Splits from the race's timing devices, and from officials' keypads on their session."""

    authentication_classes = [DeviceTokenAuthentication, SessionAuthentication]
    permission_classes = [DeviceOrSignedInUser]
    parser_classes = [BoundedJSONParser]

    def get_exception_handler(self):
        return problems_reply_handler

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise NotAuthenticated(
                _(
                    "send the device token as 'Authorization: Bearer <token>', "
                    "or log in as an official of this race."
                )
            )
        super().permission_denied(request, message, code)

    @extend_schema(
        operation_id="race_timings_create",
        summary="Send splits: one read, or a batch of up to 1,000",
        description=(
            "A read is identified by the `id` the device chose. A batch is stored whole or not at "
            "all: any refused read refuses the request, and the device sends it again once fixed. "
            "201: at least one read was stored now; 200: all of them were stored before. "
            "400: a problem per read and field (`index` is the position in the list, 0 for a "
            "single object), or with the whole request (more than 1,000 reads, not JSON, nested "
            "too deeply, a NUL character anywhere). 413: a body over 1 MB. A read for a bib the "
            "race does not know is refused and also listed for the officials as an unmatched "
            "read. 401: no token, an unknown or a revoked one. "
            "403: a station the token or the official may not post for, a token of another race, "
            "or a session request without its CSRF token. 409: an id already names another read, or "
            "the race is closed (its results are provisional or official): nothing is stored. "
            "503: the database is busy; nothing was stored, send again after `Retry-After`."
        ),
        request=PolymorphicProxySerializer(
            component_name="DeviceReadOrBatch",
            serializers=[DeviceReadSerializer, DeviceReadSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: StoredReplySerializer,
            200: StoredReplySerializer,
            400: ProblemsReplySerializer,
            401: ProblemsReplySerializer,
            403: ProblemsReplySerializer,
            404: ProblemsReplySerializer,
            409: ProblemsReplySerializer,
            413: ProblemsReplySerializer,
            415: ProblemsReplySerializer,
            503: OpenApiResponse(
                ProblemsReplySerializer,
                description=(
                    "The database is busy with another writer (an import, the standings); nothing "
                    "was stored. Send the same reads again after the `Retry-After` seconds."
                ),
            ),
        },
        parameters=[
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[503],
                description="Seconds to wait before sending again.",
            )
        ],
        examples=[
            OpenApiExample("One read", value=READ_EXAMPLE, request_only=True),
            OpenApiExample(
                "Stored",
                value={
                    "stored": 1,
                    "already_stored": 0,
                    "records": [{"id": READ_EXAMPLE["id"], "status": "stored"}],
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Unknown bib",
                value={
                    "errors": [
                        {
                            "index": 3,
                            "field": "bib",
                            "message": "'909' is not a team bib, runner bib or chip id of this race.",
                        }
                    ]
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request, slug: str):
        token = request.auth if isinstance(request.auth, DeviceToken) else None
        race = token.race if token is not None and token.race.slug == slug else self.race(slug)
        if token is not None and token.race_id != race.pk:
            raise PermissionDenied(
                _("this device token is for the race %(theirs)s, not %(this)s.")
                % {"theirs": token.race.slug, "this": race.slug}
            )
        if token is None and not stations_user_may_work(request.user, race):
            # Before the body is read: someone who works no station here adds nothing, not even
            # an unknown read to the officials' anomaly list.
            raise PermissionDenied(_("you are not an official of this race; only its officials post here."))
        records = self.records_of(request)
        serializer = DeviceReadSerializer(data=records, many=True)
        if not serializer.is_valid():
            return Response(
                problems_body(serializer_problems(serializer.errors)), status.HTTP_400_BAD_REQUEST
            )
        reads = [serializer.child.to_device_read(values) for values in serializer.validated_data]
        refused = self.stations_refused(request, race, token, reads)
        if refused:
            return Response(problems_body(refused), status.HTTP_403_FORBIDDEN)
        try:
            outcome = device_reads_store(
                race=race,
                reads=reads,
                device=token.name if token else "",
                user=None if token else request.user,
                poster=f"token:{token.pk}" if token else f"user:{request.user.pk}",
            )
        except DeviceReadsRefused as refusal:
            code = status.HTTP_409_CONFLICT if refusal.conflict else status.HTTP_400_BAD_REQUEST
            return Response(problems_body(refusal.problems), code)
        body = {
            "stored": outcome.stored,
            "already_stored": outcome.already_stored,
            "records": [
                {"id": read.read_id, "status": "stored" if new else "already_stored"}
                for read, new in zip(reads, outcome.newly_stored, strict=True)
            ],
        }
        return Response(body, status.HTTP_201_CREATED if outcome.stored else status.HTTP_200_OK)

    @staticmethod
    def race(slug: str) -> Race:
        try:
            return Race.objects.get(slug=slug)
        except Race.DoesNotExist:
            raise NotFound(_("there is no race %r.") % slug) from None

    def records_of(self, request) -> list:
        """The body as a list of records, its size checked before it is read."""
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            raise BodyRefused(too_big_message(), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if declared <= 0:
            raise ParseError(
                _("the body is empty; send one read as a JSON object, or a list of up to %d.") % MAX_BATCH
            )
        body = request.data
        if not isinstance(body, list | dict):
            raise ParseError(_("send one read as a JSON object, or a list of up to %d.") % MAX_BATCH)
        records = body if isinstance(body, list) else [body]
        if not records:
            raise ParseError(_("the list is empty; send at least one read."))
        if len(records) > MAX_BATCH:
            raise ParseError(
                _("%(count)d reads in one request; send at most %(limit)d at a time.")
                % {"count": len(records), "limit": MAX_BATCH}
            )
        return records

    def stations_refused(
        self, request, race: Race, token: DeviceToken | None, reads: list[DeviceRead]
    ) -> list[Problem]:
        """Reads for a station of the race that this device or official may not post for.

        A code the race does not have is left to the checks of the reads (a 400 that says so).
        """
        if token is not None:
            allowed = device_token_station_codes(token)
        else:
            allowed = {station.code for station in stations_user_may_work(request.user, race)}
        course = [station.code for station in race.course]
        shown = ", ".join(code for code in course if code in allowed)
        refused = []
        for index, read in enumerate(reads):
            if read.station in course and read.station not in allowed:
                refused.append(
                    Problem(self.not_yours(token, read.station, shown), field="station", index=index)
                )
        return refused

    @staticmethod
    def not_yours(token: DeviceToken | None, code: str, allowed: str) -> str:
        if token is not None:
            return _(
                "this device may post for %(allowed)s only, not %(code)s; ask an organiser for a "
                "token for %(code)s."
            ) % {"allowed": allowed, "code": code}
        if allowed:
            return _("you record at %(allowed)s only, not %(code)s.") % {"allowed": allowed, "code": code}
        return _("you record at no station of this race; an organiser assigns the stations.")
