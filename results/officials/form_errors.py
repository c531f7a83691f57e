"""A refused form on a phone: the error beside its field, the cursor in it, a summary at the top.

The officials' forms sit far down long pages (a team's corrections page is 2,500 px on a phone),
and the page comes back from the server scrolled to the top. The first field in error gets
`autofocus`, so the browser puts the cursor there and scrolls it into view without a script; the
summary at the top of the page lists every error with a link to its field, for whoever starts
reading from the top. Django writes the field's error list with the id `<field id>_error` and
points the field's `aria-describedby` at it, so a screen reader reads the error with the field.

A form posted to a URL with a fragment (`action="…#leg-2"`) loses this: browsers skip autofocus
when the URL names a target, so the officials' forms post to plain URLs.
"""

from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class ErrorLink:
    """One line of the summary: the message, and where its field is (`#id`)."""

    href: str
    message: str


@dataclass(frozen=True)
class ErrorSummary:
    """What templates/officials/form_errors/summary.html shows at the top of the page."""

    lines: list[ErrorLink]
    #: No field took the cursor (the form as a whole was refused): the summary takes it.
    focused: bool


def refused_form(form: forms.Form, *, form_id: str) -> ErrorSummary:
    """Mark the form's first field in error for focus and return the page's summary.

    `form_id` is the id of the form's element on the page: an error of the whole form (not of
    one field) links there.
    """
    lines = [ErrorLink(f"#{form_id}", str(message)) for message in form.non_field_errors()]
    focused_field = False
    for name in form.errors:
        if name not in form.fields:
            continue
        bound = form[name]
        if not focused_field:
            form.fields[name].widget.attrs["autofocus"] = True
            focused_field = True
        href = f"#{bound.id_for_label or form_id}"
        lines += [ErrorLink(href, f"{bound.label}: {message}") for message in bound.errors]
    return ErrorSummary(lines=lines, focused=not focused_field)
