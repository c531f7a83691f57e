"""What every service of a race says of who acted, and how long a reason may be."""

import getpass

from django.utils.translation import gettext as _

from races.problems import InputProblems, Problem

COMMAND_LINE = "command line"


def command_line_actor() -> str:
    try:
        return f"{COMMAND_LINE} ({getpass.getuser()})"
    except (KeyError, OSError):
        return COMMAND_LINE


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
