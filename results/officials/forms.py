from django import forms
from django.utils.translation import gettext_lazy as _

from races.models import Race
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
