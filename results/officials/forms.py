from django import forms
from django.utils.translation import gettext_lazy as _

from races.models import OfficialRole, Race
from results.publishing.models import PrintJob


class PrintRequestForm(forms.Form):
    """What to print: the button pressed says the kind, the select the category."""

    kind = forms.ChoiceField(choices=PrintJob.Kind.choices)
    category = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("All categories"), label=_("Certificates of")
    )

    def __init__(self, *args, race: Race, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = race.categories.all()


class RaceOfficialForm(forms.Form):
    """Name someone on the race: their user name, their role and, for a station official, where."""

    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=OfficialRole.choices)
    stations = forms.MultipleChoiceField(
        label=_("Stations (station officials only)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, race: Race, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stations"].choices = [
            (station.code, f"{station.code} · {station.name}")
            for station in race.stations.order_by("position")
        ]


class RemoveOfficialForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
