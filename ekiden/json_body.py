"""A JSON request body, its size and nesting checked before it is parsed.

Python's json module parses nested arrays by recursion: a body of 100,000 "[" ends in a
RecursionError (a 500) instead of a refusal, and a body of megabytes is parsed whole before a
view can say it is too big. The keypad's JSON endpoints and the device API read their bodies
here, so a tablet is told what to send, in JSON, whatever arrived.
"""

import json
import re

from django.utils.translation import gettext as _

# A read is an object of strings, a batch a list of them: two levels. The margin is for
# clients that wrap what they send; anything deeper is no request of ours.
MAX_DEPTH = 20

# A JSON string (skipped whole, so a bracket inside it counts for nothing) or a bracket. An
# unterminated string runs to the end, so each character is looked at once whatever arrives.
STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\Z)|[\[\]{}]', re.DOTALL)


class JSONBodyRefused(Exception):
    """The body is not JSON we read: `message` says what and what to send; `status` is 400 or 413."""

    def __init__(self, message: str, *, status: int = 400):
        self.message = message
        self.status = status
        super().__init__(message)


def nesting_depth(text: str) -> int:
    """How deep arrays and objects are nested in `text`, counted without parsing it."""
    depth = deepest = 0
    for token in STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def too_large_message(limit: int) -> str:
    return _("the body is larger than %(limit)d bytes; send less at a time.") % {"limit": limit}


def json_body(stream, *, max_bytes: int, max_depth: int = MAX_DEPTH):
    """The JSON document read from `stream` (anything with read(n)), or JSONBodyRefused.

    At most `max_bytes` + 1 bytes are read: a larger body is refused (413) without being read
    whole. Its nesting is counted before it is parsed.
    """
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise JSONBodyRefused(too_large_message(max_bytes), status=413)
    if not raw.strip():
        raise JSONBodyRefused(_("the body is empty; send a JSON document."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JSONBodyRefused(_("the body is not UTF-8; send JSON in UTF-8.")) from None
    if nesting_depth(text) > max_depth:
        raise JSONBodyRefused(
            _("the JSON is nested more than %(limit)d levels deep; send the flat document asked for.")
            % {"limit": max_depth}
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONBodyRefused(
            _("the body is not JSON (line %(line)d, column %(column)d: %(error)s).")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
