"""Forms people fill in: a captain registering a team, an organiser uploading the entries file.

They check the shape of what was typed (required, lengths, a date); the category rules are the
eligibility service's, run by `team_register` and `entries_import`, so every screen refuses a
team in the same words.
"""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from races import names
from races.eligibility import registration_birth_date_problem
from races.models import Gender, Race


class TeamRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=None,
        empty_label=_("Choose a category"),
        help_text=_("The rules of each category are listed above the form."),
    )

    captain_phone = forms.RegexField(
        label=_("Team captain's phone (optional)"),
        max_length=40,
        required=False,
        regex=r"^\+?[0-9][0-9 ()-]{5,38}$",
        help_text=_(
            "Race control calls it if one of your runners is overdue on the course. Only the "
            "race's officials see it; it is never shown on the results."
        ),
        error_messages={
            "invalid": _("Write the number with digits, spaces and dashes only, e.g. +60 12-345 6789.")
        },
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, race: Race, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = race.categories.order_by("code")
        self.fields["category"].label_from_instance = lambda category: category.name


class BotTrapForm(forms.Form):
    """A field people never see and scripts fill in: a filled one means the form was not typed.

    Hidden from sight and from screen readers, out of the tab order and of the browser's
    autofill, so a person using the form leaves it empty.
    """

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def caught(self) -> bool:
        return bool(self.data.get("website", "").strip())


class RunnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", "—"), *Gender.choices],
        help_text=_("Non-binary / not stated counts towards neither the women nor the men."),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Ages are taken on race day."),
    )
    club = forms.CharField(label=_("Club"), max_length=200, required=False)
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=3,
        required=False,
        help_text=_("Country code, e.g. MY, JP, SG."),
    )

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = names.clean_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Only invisible characters were typed; type the runner's name."))
        return name

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if problem := registration_birth_date_problem(born, self.race.date):
            raise forms.ValidationError(problem)
        return born

    def clean_nationality(self):
        return self.cleaned_data["nationality"].upper()

    def as_runner(self) -> dict:
        """The runner as `team_register` takes it; bibs and chips are handed out by the organisers."""
        return {**self.cleaned_data, "runner_bib": "", "chip_id": ""}


class BaseRunnerFormSet(forms.BaseFormSet):
    """One runner per leg, in leg order: the first form runs leg 1."""

    # Django's "Please submit at least 4 forms." means nothing to a team captain.
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": _(
            "Every leg needs its runner: fill in the name, gender and birth date for each leg."
        ),
        "too_many_forms": _("A team has one runner per leg; send the form again from the race's page."),
    }

    def __init__(self, *args, race: Race, **kwargs):
        self.race = race
        super().__init__(*args, form_kwargs={"race": race}, **kwargs)

    def runners(self) -> list[dict]:
        return [form.as_runner() for form in self.forms]


def runner_formset_class(legs: int) -> type[BaseRunnerFormSet]:
    # min_num makes every leg's form required: a blank leg is "this field is required", not skipped.
    return formset_factory(
        RunnerForm,
        formset=BaseRunnerFormSet,
        extra=0,
        min_num=legs,
        max_num=legs,
        validate_min=True,
        validate_max=True,
    )


class RegistrationDeadlineInRaceZone:
    """For a race's form: its deadlines (registration, runner changes) are typed and shown in the
    race's time zone.

    The server's zone is UTC; an organiser in Kuala Lumpur who types 23:59 means 23:59 there,
    not eight hours later.
    """

    zoned_fields = ("registration_closes_at", "changes_deadline")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.zoned_fields:
            deadline = getattr(self.instance, name, None)
            if deadline is not None:
                # A naive value is shown as it is: the wall-clock time in the race's zone.
                local = deadline.astimezone(self.instance.zone).replace(tzinfo=None)
                self.initial[name] = local

    def clean_registration_closes_at(self):
        return self._in_race_zone("registration_closes_at")

    def clean_changes_deadline(self):
        return self._in_race_zone("changes_deadline")

    def _in_race_zone(self, name: str):
        deadline = self.cleaned_data[name]
        zone = self.cleaned_data.get("timezone") or self.instance.timezone
        if deadline is None:
            return None
        # The field read the typed time in the server's zone; read it again in the race's.
        typed = timezone.make_naive(deadline)
        return timezone.make_aware(typed, ZoneInfo(zone))


class CsvUploadForm(forms.Form):
    """A CSV uploaded in the admin: bounded in size, so one upload cannot take the site down."""

    command = ""  # the import command that takes a file of any size from the server's disk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TASUKI_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "%(file)s is %(size)s; an upload may be at most %(limit)s. Split it into smaller "
                    "files, or run “manage.py %(command)s” on the server, which has no such limit."
                )
                % {
                    "file": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                    "command": self.command,
                }
            )
        return upload


class EntriesUploadForm(CsvUploadForm):
    command = "import_entries"
    file = forms.FileField(
        label=_("Entries CSV"),
        error_messages={"required": _("Choose the file to upload.")},
        help_text=_(
            "UTF-8 CSV with a header row: team_bib, team_name, category, leg, runner_name, gender, "
            "birth_date and optionally club, runner_bib, chip_id, nationality. One row per runner. "
            "Teams not in the file are left alone."
        ),
    )


class TimingUploadForm(CsvUploadForm):
    command = "import_timing"
    file = forms.FileField(
        label=_("Timing CSV"),
        error_messages={"required": _("Choose the file to upload.")},
        help_text=_(
            "UTF-8 CSV with a header row: bib, station, time and optionally source, read_id. The bib "
            "may be a team bib, a runner bib or a chip id; the time HH:MM:SS[.fff] in the race's "
            "time zone or ISO 8601 with an offset."
        ),
    )
