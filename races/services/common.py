"""What every service of a race says of how long a reason may be (who acted: races.audit.Actor)."""

from django.utils.translation import gettext as _

from races.problems import InputProblems, Problem

REASON_MAX_LENGTH = 300  # AuditEntry.reason and the status and void reasons hold this much


def check_reason_length(reason: str) -> None:
    """An official's reason goes into the audit trail: one sentence, not a report."""
    if len(reason.strip()) > REASON_MAX_LENGTH:
        raise InputProblems(
            [
                Problem(
                    _("longer than %d characters; keep it to one sentence.") % REASON_MAX_LENGTH,
                    field="reason",
                )
            ]
        )
