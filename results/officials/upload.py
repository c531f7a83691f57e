"""Chip files on race day: upload a reader's CSV, see what it would change, then confirm.

The preview is a dry run of `timing_import`, the service behind `import_timing` and the admin's
upload, so a file is judged by the same checks everywhere. Between the preview and the confirm
the file waits in the cache (shared by the web processes), keyed by the race, the user and the
file's SHA-256, and the confirm runs every check again: reads may have arrived meanwhile.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from races.access import may_upload_timing, works_results_desk
from races.audit import Actor
from races.forms import TimingUploadForm
from races.models import Race
from races.problems import InputProblems, problems_shown
from results.officials.guards import race_page_required
from results.timing.read_store import StoredReadsSummary
from results.timing.services import timing_import

#: A preview not confirmed within this time is forgotten; the official uploads the file again.
HELD_SECONDS = 30 * 60
ONLY_FOR = gettext_lazy("Uploading timing files is for the race's organisers and the results desk.")


class ConfirmForm(forms.Form):
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


def _held_key(race: Race, user, digest: str) -> str:
    return f"officials:upload:{race.pk}:{user.pk}:{digest}"


def _hold(race: Race, user, filename: str, raw: bytes, preview: StoredReadsSummary) -> str:
    digest = hashlib.sha256(raw).hexdigest()
    cache.set(_held_key(race, user, digest), (filename, raw, preview.added), HELD_SECONDS)
    return digest


def _held(race: Race, user, digest: str) -> tuple[str, bytes, int] | None:
    held = cache.get(_held_key(race, user, digest))
    if held is None or hashlib.sha256(held[1]).hexdigest() != digest:
        return None
    return held


def _station_counts(summary: StoredReadsSummary) -> list[dict]:
    return [
        {"station": code, "added": added, "already_stored": summary.already_stored_at.get(code, 0)}
        for code, added in summary.added_at.items()
    ]


@race_page_required(may_upload_timing, ONLY_FOR)
def upload(request, race: Race):
    form = TimingUploadForm(request.POST, request.FILES) if request.method == "POST" else TimingUploadForm()
    context = {
        "race": race,
        "form": form,
        "limit": settings.TASUKI_UPLOAD_MAX_BYTES,
        "desk": works_results_desk(request.user, race),
    }
    if request.method == "POST" and form.is_valid():
        chip_file = form.cleaned_data["file"]
        raw, filename = chip_file.read(), chip_file.name[:200]
        context["filename"] = filename
        try:
            preview = timing_import(race=race, raw=raw, filename=filename, dry_run=True)
        except InputProblems as refusal:
            context.update(problems_shown(refusal.problems))
        else:
            context.update(
                preview=preview,
                station_counts=_station_counts(preview),
                confirm_form=ConfirmForm(
                    initial={"digest": _hold(race, request.user, filename, raw, preview)}
                ),
            )
    return render(request, "officials/upload/upload.html", context)


@race_page_required(may_upload_timing, ONLY_FOR)
@require_POST
def confirm(request, race: Race):
    form = ConfirmForm(request.POST)
    held = _held(race, request.user, form.cleaned_data["digest"]) if form.is_valid() else None
    if held is None:
        messages.error(
            request,
            _("That preview is no longer kept (it is kept for %d minutes). Upload the file again.")
            % (HELD_SECONDS // 60),
        )
        return redirect("officials:upload", slug=race.slug)
    filename, raw, previewed = held
    cache.delete(_held_key(race, request.user, form.cleaned_data["digest"]))
    try:
        summary = timing_import(race=race, raw=raw, filename=filename, actor=Actor.of_user(request.user))
    except InputProblems as refusal:
        context = {
            "race": race,
            "form": TimingUploadForm(),
            "limit": settings.TASUKI_UPLOAD_MAX_BYTES,
            "desk": works_results_desk(request.user, race),
            "filename": filename,
            "changed_since_preview": True,
            **problems_shown(refusal.problems),
        }
        return render(request, "officials/upload/upload.html", context)
    messages.success(request, _("%(file)s: %(summary)s") % {"file": filename, "summary": summary})
    if summary.added != previewed:
        messages.warning(
            request,
            _(
                "The preview said %(previewed)d new reads; %(added)d were new at the confirm: the "
                "others had arrived meanwhile from another file or a device."
            )
            % {"previewed": previewed, "added": summary.added},
        )
    return redirect("officials:upload", slug=race.slug)
