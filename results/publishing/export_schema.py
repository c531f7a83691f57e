"""The export JSON's shape as DRF serializers, for the OpenAPI schema only.

The results endpoint returns the export document as results/publishing/exports.py makes it;
these classes never serialise anything, they tell API clients what each field is and where it
may be null (docs/commands.md, export_results). The component names drop the "Serializer".
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from races.models import ResultsState
from results.standings.engine import Status

STATUSES = [status.value for status in Status]


class LegResultSerializer(serializers.Serializer):
    leg = serializers.IntegerField(min_value=1, help_text=_("Leg number, from 1."))
    runner = serializers.CharField(allow_null=True, help_text=_("The runner registered for the leg."))
    time_ms = serializers.IntegerField(allow_null=True, help_text=_("Leg time in ms; null if unknown."))
    rank = serializers.IntegerField(
        allow_null=True, help_text=_("Place on the leg; null for DQ/DNS teams or an unknown time.")
    )
    category_rank = serializers.IntegerField(
        allow_null=True,
        help_text=_("Place on the leg among the teams of the category, by the same rule as rank."),
    )
    kuriage = serializers.BooleanField(
        help_text=_("The leg started at the carry-over time, not the handoff.")
    )


class StationResultSerializer(serializers.Serializer):
    station = serializers.CharField(help_text=_("Station code."))
    cumulative_ms = serializers.IntegerField(
        allow_null=True, help_text=_("Time from the gun, carry-over losses included; null if unknown.")
    )
    rank = serializers.IntegerField(
        allow_null=True, help_text=_("Place at the station; null for DQ/DNS teams or an unknown time.")
    )


class TeamResultSerializer(serializers.Serializer):
    bib = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(help_text=_("Category code."))
    status = serializers.ChoiceField(choices=STATUSES)
    total_ms = serializers.IntegerField(
        allow_null=True, help_text=_("Time at the finish in ms; null if unknown.")
    )
    rank = serializers.IntegerField(allow_null=True, help_text=_("Overall place; finishers only."))
    category_rank = serializers.IntegerField(
        allow_null=True, help_text=_("Place in the category; finishers only.")
    )
    legs = LegResultSerializer(many=True, help_text=_("One per leg."))
    stations = StationResultSerializer(many=True, help_text=_("One per station after the start."))


class RaceResultsSerializer(serializers.Serializer):
    race = serializers.CharField(help_text=_("The race's slug."))
    state = serializers.ChoiceField(
        choices=[state.value for state in ResultsState],
        help_text=_(
            "The results state: upcoming (before the gun), live, provisional (closed; protests "
            "taken until the window ends), official."
        ),
    )
    stations = serializers.ListField(
        child=serializers.CharField(), help_text=_("Station codes in course order.")
    )
    teams = TeamResultSerializer(many=True, help_text=_("Every team, in listing order."))
