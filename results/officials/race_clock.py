"""The organisers' race clock (`/officials/<slug>/gun/`): start the race now, or correct the gun.

"Start the race now" takes the server's clock, never the phone's, and asks for a tick ("I heard
the gun") in the same form, so a stray tap starts nothing. Both forms carry the gun the page
showed: a second press of the same button, or another organiser's change meanwhile, is refused
instead of moving the gun again unseen. The audited services are races/services/race_clock.py.
(The keypad's server clock is another page, `officials:clock`.)
"""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from races.access import is_race_organiser
from races.audit import Actor
from races.models import Race
from races.problems import InputProblems, add_to_form, problem_line
from races.services import REASON_MAX_LENGTH, gun_set, race_start_now
from races.services.race_clock import first_split
from results.officials.guards import race_page_required
from results.timing.race_time import format_dated_clock

FOR_ORGANISERS = gettext_lazy("The race clock is for the race's organisers.")
START, CORRECT = "start", "correct"


class GunSeenForm(forms.Form):
    """The gun as the page showed it, sent back with the form."""

    gun_seen = forms.CharField(widget=forms.HiddenInput)

    def clean_gun_seen(self) -> datetime:
        try:
            seen = datetime.fromisoformat(self.cleaned_data["gun_seen"])
        except ValueError:
            seen = None
        if seen is None or seen.tzinfo is None:
            raise forms.ValidationError(_("This page is out of date: reload it and try again."))
        return seen


class StartNowForm(GunSeenForm):
    heard = forms.BooleanField(
        label=gettext_lazy("I heard the gun"),
        error_messages={
            "required": gettext_lazy(
                "Tick “I heard the gun” to confirm: the start sets every team's leg 1 time."
            )
        },
    )


class GunCorrectionForm(GunSeenForm):
    date = forms.DateField(
        label=gettext_lazy("Date of the gun"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Enter the date of the gun."),
            "invalid": gettext_lazy("Write the date as YYYY-MM-DD, e.g. 2025-11-23."),
        },
    )
    time = forms.TimeField(
        label=gettext_lazy("Time of the gun"),
        input_formats=["%H:%M:%S.%f", "%H:%M:%S", "%H:%M"],
        help_text=gettext_lazy("24-hour, the race's local time, with seconds and tenths: 06:30:04.2"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "06:30:04.2"}
        ),
        error_messages={
            "required": gettext_lazy("Enter the time of the gun."),
            "invalid": gettext_lazy("Write the time as HH:MM:SS or HH:MM:SS.s (24-hour), e.g. 06:30:04.2."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy(
            "Why the gun moves, e.g. “start delayed 3 minutes by a blocked road” (officials only)."
        ),
        error_messages={"required": gettext_lazy("Say why the gun moves: the audit trail keeps it.")},
    )

    def gun(self, race: Race) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=race.zone)


def _focus_first_error(form: forms.Form) -> None:
    """On a phone the error may be below the fold: the browser moves to the field at fault."""
    for name in form.errors:
        if name in form.fields and not form.fields[name].widget.is_hidden:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _refused(request, form: forms.Form, refusal: InputProblems) -> None:
    """A refusal shows twice: at the top of the page, and beside the field (or form) at fault."""
    add_to_form(form, refusal.problems)
    for problem in refusal.problems:
        messages.error(request, _("Not changed: %s") % problem_line(problem))


def _done(request, race: Race, moved) -> None:
    if moved.changed:
        messages.success(request, _("The gun is now %s.") % _gun_label(race, moved.after))
    else:
        messages.info(request, _("The gun was already %s; nothing changed.") % _gun_label(race, moved.after))


def _gun_label(race: Race, moment: datetime) -> str:
    return _("%(when)s (%(zone)s time)") % {"when": format_dated_clock(moment, race), "zone": race.timezone}


def _time_of_day(local: datetime) -> str:
    """The gun's time for the correction form: in tenths, or to the millisecond when the gun has
    them (a "start now"), so sending the form back unchanged does not move the gun."""
    milliseconds = local.microsecond // 1000
    if milliseconds % 100:
        return local.strftime("%H:%M:%S.") + f"{milliseconds:03d}"
    return local.strftime("%H:%M:%S.") + str(milliseconds // 100)


def _submitted(request, race: Race, which: str) -> forms.Form | None:
    """The posted form, bound, with the service's refusals on it; None once the gun is set."""
    actor = Actor.of_user(request.user)
    if which == START:
        form = StartNowForm(request.POST, prefix=START)
    else:
        form = GunCorrectionForm(request.POST, prefix=CORRECT)
    if form.is_valid():
        seen = form.cleaned_data["gun_seen"]
        try:
            if which == START:
                # The server's clock: a phone's may be minutes out.
                moved = race_start_now(race=race, actor=actor, gun_seen=seen)
            else:
                moved = gun_set(
                    race=race,
                    at=form.gun(race),
                    reason=form.cleaned_data["reason"],
                    actor=actor,
                    gun_seen=seen,
                )
        except InputProblems as refusal:
            _refused(request, form, refusal)
        else:
            _done(request, race, moved)
            return None
    else:
        messages.error(request, _("Not changed: see the form below."))
    _focus_first_error(form)
    return form


@race_page_required(is_race_organiser, FOR_ORGANISERS)
@require_http_methods(["GET", "POST"])
def gun(request, race: Race):
    forms_shown: dict[str, forms.Form] = {
        START: StartNowForm(prefix=START),
        CORRECT: GunCorrectionForm(prefix=CORRECT),
    }
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which not in forms_shown:
            messages.error(request, _("Not changed: the form was incomplete. Use one of the buttons below."))
            return redirect("officials:gun", slug=race.slug)
        bound = _submitted(request, race, which)
        if bound is None:
            return redirect("officials:gun", slug=race.slug)
        forms_shown[which] = bound
        status = 400
        race.refresh_from_db()  # what the page shows is the gun as it is now
    now = timezone.now()
    gun_at = race.gun
    local = gun_at.astimezone(race.zone)
    if not forms_shown[CORRECT].is_bound:
        forms_shown[CORRECT].initial = {
            "date": local.date(),
            "time": _time_of_day(local),
        }
    first = first_split(race)
    context = {
        "race": race,
        "gun": _gun_label(race, gun_at),
        # Sent back with either form; the page's own, not the posted one, so a refused page
        # shows (and carries) the gun as it is now.
        "gun_seen": gun_at.isoformat(),
        "started": now >= gun_at,
        "since": timesince(gun_at, now) if now >= gun_at else timeuntil(gun_at, now),
        "splits": race.timing_records.filter(voided=False).count(),
        "first_split": first,
        "first_split_at": format_dated_clock(first.at, race) if first else "",
        "start_form": forms_shown[START],
        "correct_form": forms_shown[CORRECT],
        "start": START,
        "correct": CORRECT,
        "organiser": True,
        "desk": True,
    }
    return render(request, "officials/race_clock/gun.html", context, status=status)
