"""Chip files on race day: upload a reader's CSV, see what it would change, then confirm.

The preview is a dry run of `timing_import`, the service behind `import_timing` and the admin's
upload, so a file is judged by the same checks everywhere. Between the preview and the confirm
the file waits on disk (`held_files`), named by the race, the user and the file's SHA-256, and
the confirm runs every check again: reads may have arrived meanwhile. The confirm stores the
file in chunks, so the devices' posts are not held up while it runs (docs/decisions/bounded-uploads.md).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from races.access import may_upload_timing, works_results_desk
from races.audit import Actor
from races.forms import TimingUploadForm
from races.models import Race
from races.problems import PROBLEMS_SHOWN, InputProblems, problems_shown
from races.services import REASON_MAX_LENGTH
from results.officials import held_files
from results.officials.form_errors import refused_form
from results.officials.guards import race_page_required
from results.timing.read_store import StoredReadsSummary
from results.timing.services import TimingImportInterrupted, timing_import

ONLY_FOR = gettext_lazy("Uploading timing files is for the race's organisers and the results desk.")


class ConfirmForm(forms.Form):
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    # Asked once the race is closed: a file then is the results desk's correction.
    reason = forms.CharField(
        label=gettext_lazy("Why store this file now"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy(
            "The race is closed: storing a file is a correction, kept in the audit trail."
        ),
    )


def _station_counts(summary: StoredReadsSummary) -> list[dict]:
    return [
        {"station": code, "added": added, "already_stored": summary.already_stored_at.get(code, 0)}
        for code, added in summary.added_at.items()
    ]


def _page(request, race: Race, **context):
    return {
        "race": race,
        "form": TimingUploadForm(),
        "limit": settings.TASUKI_UPLOAD_MAX_BYTES,
        "desk": works_results_desk(request.user, race),
        **context,
    }


@race_page_required(may_upload_timing, ONLY_FOR)
def upload(request, race: Race):
    form = TimingUploadForm(request.POST, request.FILES) if request.method == "POST" else TimingUploadForm()
    context = _page(request, race, form=form)
    if form.errors:
        context["error_summary"] = refused_form(form, form_id="upload-form")
    if request.method == "POST" and form.is_valid():
        chip_file = form.cleaned_data["file"]
        filename = chip_file.name[:200]
        context["filename"] = filename
        digest, path = held_files.hold(race, request.user, chip_file)
        try:
            with open(path, "rb") as kept:
                preview = timing_import(race=race, raw=kept, filename=filename, dry_run=True, correction=True)
        except InputProblems as refusal:
            path.unlink()
            context.update(problems_shown(refusal.problems))
        else:
            if preview.added:
                held_files.note_preview(path, filename=filename, previewed=preview.added)
            else:
                path.unlink()  # nothing to confirm
            context.update(
                preview=preview,
                station_counts=_station_counts(preview),
                confirm_form=ConfirmForm(initial={"digest": digest}),
            )
    return render(request, "officials/upload/upload.html", context)


@race_page_required(may_upload_timing, ONLY_FOR)
@require_POST
def confirm(request, race: Race):
    form = ConfirmForm(request.POST)
    page = _page(request, race)  # read before the import: a page that says the database failed needs none
    kept = held_files.held(race, request.user, form.cleaned_data["digest"]) if form.is_valid() else None
    if kept is None:
        messages.error(
            request,
            _("That preview is no longer kept (it is kept for %d minutes). Upload the file again.")
            % (held_files.HELD_SECONDS // 60),
        )
        return redirect("officials:upload", slug=race.slug)
    reason = form.cleaned_data.get("reason", "")
    if race.is_closed and not reason.strip():
        return _reason_asked(request, race, page, kept, form)
    try:
        with open(kept.path, "rb") as chip_file:
            summary = timing_import(
                race=race,
                raw=chip_file,
                filename=kept.filename,
                actor=Actor.of_user(request.user),
                in_chunks=True,
                # The page is the results desk's: a file on a closed race is its correction.
                correction=True,
                reason=reason,
            )
    except InputProblems as refusal:
        kept.forget()
        context = {**page, "filename": kept.filename, "changed_since_preview": True}
        return render(
            request, "officials/upload/upload.html", {**context, **problems_shown(refusal.problems)}
        )
    except TimingImportInterrupted as stop:
        # The file stays held: confirming it again stores exactly the rest.
        context = {
            **page,
            "filename": kept.filename,
            "interrupted": stop,
            "confirm_form": ConfirmForm(initial={"digest": form.cleaned_data["digest"]}),
            "stopped_by": stop.problems[:PROBLEMS_SHOWN],
        }
        return render(request, "officials/upload/upload.html", context)
    kept.forget()
    messages.success(request, _("%(file)s: %(summary)s") % {"file": kept.filename, "summary": summary})
    if summary.added != kept.previewed:
        messages.warning(
            request,
            _(
                "The preview said %(previewed)d new reads; %(added)d were new at the confirm: the "
                "others had arrived meanwhile from another file or a device."
            )
            % {"previewed": kept.previewed, "added": summary.added},
        )
    return redirect("officials:upload", slug=race.slug)


def _reason_asked(request, race: Race, page: dict, kept, form: ConfirmForm):
    """The preview again, the reason asked beside the button: nothing was stored."""
    form.add_error(
        "reason", _("The race is closed: say why this file is stored; the reason goes into the audit trail.")
    )
    with open(kept.path, "rb") as chip_file:
        preview = timing_import(
            race=race, raw=chip_file, filename=kept.filename, dry_run=True, correction=True
        )
    context = {
        **page,
        "filename": kept.filename,
        "preview": preview,
        "station_counts": _station_counts(preview),
        "confirm_form": form,
        "error_summary": refused_form(form, form_id="upload-confirm-form"),
    }
    return render(request, "officials/upload/upload.html", context, status=400)
