"""The shapes of the device API: a read, the reply for stored reads, the list of problems.

They check the format of what a device sends (a UUID, an ISO 8601 time with its offset); what
the race makes of it (a known bib, a time after the gun) is the service's to say.
"""

from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from results.timing.device_reads import DEVICE_SOURCES, DeviceRead
from results.timing.models import Source, UnmatchedRead


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentField(serializers.Field):
    """An ISO 8601 date and time with its UTC offset: a device's clock reading, unambiguous."""

    # DRF fills these in with str.format, so the value is named in braces.
    default_error_messages = {
        "invalid": _("{value!r} is not an ISO 8601 date and time, e.g. 2025-11-23T07:01:02.345+08:00."),
        "naive": _("{value!r} has no UTC offset; add one, e.g. +08:00 or Z."),
    }

    def to_internal_value(self, data) -> datetime:
        if not isinstance(data, str) or "T" not in data.upper():
            self.fail("invalid", value=data)
        try:
            moment = datetime.fromisoformat(data.strip())
            if moment.tzinfo is not None:
                moment.astimezone(UTC)  # a year no calendar arithmetic reaches fails here, not later
        except (ValueError, OverflowError):
            self.fail("invalid", value=data)
        if moment.tzinfo is None:
            self.fail("naive", value=data)
        # In UTC: ISO 8601 allows offsets (+23:11) that PostgreSQL refuses to store.
        return moment.astimezone(UTC)

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class DeviceReadSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        help_text=_(
            "Chosen by the device, new for every read (a UUID). A read sent again with the same "
            "id and content is stored once; the same id with other content is refused (409)."
        )
    )
    bib = serializers.CharField(
        max_length=UnmatchedRead._meta.get_field("bib_as_read").max_length,
        help_text=_("Team bib, runner bib or chip id, as read."),
    )
    station = serializers.CharField(
        max_length=UnmatchedRead._meta.get_field("station_code").max_length,
        help_text=_("Station code, e.g. R1."),
    )
    time = MomentField(
        help_text=_("When the tasuki passed: ISO 8601 with the UTC offset, to the millisecond.")
    )
    source = serializers.ChoiceField(
        choices=[choice for choice in Source.choices if choice[0] in DEVICE_SOURCES],
        default=Source.API,
        help_text=_("What took the read; `api` when left out."),
    )

    def to_device_read(self, values: dict) -> DeviceRead:
        return DeviceRead(
            read_id=str(values["id"]),
            bib=values["bib"],
            station=values["station"],
            at=values["time"],
            source=values["source"],
        )


class RecordStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=_("The read's id, in lower-case hyphenated form."))
    status = serializers.ChoiceField(
        choices=[("stored", _("stored now")), ("already_stored", _("was stored before; nothing added"))]
    )


class StoredReplySerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text=_("Reads stored by this request."))
    already_stored = serializers.IntegerField(help_text=_("Reads that were stored before."))
    records = RecordStatusSerializer(many=True, help_text=_("One per read, in the order sent."))


class ProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Position of the read in the list sent (0 for a single object); null when the "
            "problem is the whole request (its size, its JSON, the token)."
        ),
    )
    field = serializers.CharField(
        allow_null=True, help_text=_("id, bib, station, time or source; null for the whole read.")
    )
    message = serializers.CharField(help_text=_("What is wrong and what to do, for a person."))


class ProblemsReplySerializer(serializers.Serializer):
    errors = ProblemSerializer(many=True)
