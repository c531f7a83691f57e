"""What arrives before any view reads it: a chunked body made readable, a NUL refused.

PostgreSQL cannot store or even compare a text holding NUL (U+0000): a bib, a station code or
a reason holding one ends in a database error, a 500, wherever it is looked up. No name, bib,
code or reason of a race holds one, so a request carrying one anywhere a view may read it (the
path, the query string, a body that is not a file upload) is refused here with 400 and
changes nothing: in JSON for the API and the keypad's JSON endpoints, a short page otherwise.

A body sent with `Transfer-Encoding: chunked` has no Content-Length, and Django reads no
further than Content-Length: it would see an empty body. Where the server hands over the whole
body (gunicorn marks it `wsgi.input_terminated`), it is read here, up to
DATA_UPLOAD_MAX_MEMORY_SIZE; elsewhere the client is told to send a Content-Length.
"""

import re
from io import BytesIO

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults

from ekiden.json_body import too_large_message

# A NUL written as a JSON escape: "\u0000" after an even number of backslashes ("\\u0000" is
# a backslash followed by the letters u0000, which is harmless).
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def answers_json(view):
    """Marks a view whose client reads JSON (the keypad's endpoints): refusals are JSON too."""
    view.answers_json = True
    return view


def expects_json(request) -> bool:
    """True for the API and the views marked with `answers_json`: a script reads the answer."""
    if request.path_info.startswith("/api/"):
        return True
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return getattr(view, "answers_json", False)


def errors_document(request, message: str) -> dict:
    """One problem with the whole request in the documented `{"errors": [...]}` shape: with the
    batch `index` (null) for the API, as races/problems.py's problems_document words it."""
    problem = {"field": None, "message": message}
    if request.path_info.startswith("/api/"):
        problem = {"index": None, **problem}
    return {"errors": [problem]}


def refusal(request, status: int, message: str) -> HttpResponse:
    """`message` as JSON where a script is the reader, as a short page for a person."""
    if expects_json(request):
        return JsonResponse(errors_document(request, message), status=status)
    return render(request, "request_refused.html", {"message": message}, status=status)


def not_found(request, exception):
    """Django's 404 page, in JSON under /api/, where a device reads the answer."""
    if request.path_info.startswith("/api/"):
        message = _("There is no %(path)s in this API; the schema at /api/v1/schema lists its addresses.")
        return JsonResponse(errors_document(request, message % {"path": request.path_info}), status=404)
    return defaults.page_not_found(request, exception)


def holds_nul(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path_info or "\x00" in query or "%00" in query:
        return True
    if request.content_type == "multipart/form-data" or not request_length(request):
        return False
    if request_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return False  # left unread: the view refuses a body this size (ekiden/json_body.py)
    body = request.body
    if b"\x00" in body:
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        return b"%00" in body
    if request.content_type == "application/json" or request.content_type.endswith("+json"):
        return JSON_NUL.search(body) is not None
    return False


def request_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def is_chunked(request) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


class RequestInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_chunked(request):
            refused = read_chunked_body(request)
            if refused is not None:
                return refused
        if holds_nul(request):
            message = _(
                "The request holds a NUL character (%(in_address)s in an address, %(in_json)s in "
                "JSON), which no name, bib, code or reason may contain; remove it and send the "
                "request again."
            )
            return refusal(request, 400, message % {"in_address": "%00", "in_json": "\\u0000"})
        return self.get_response(request)


def read_chunked_body(request) -> HttpResponse | None:
    """Read a chunked body whole, so Django and DRF see it with its length; or the refusal."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if not request.META.get("wsgi.input_terminated"):
        return refusal(
            request,
            411,
            _(
                "This server cannot read a body sent in chunks (Transfer-Encoding: chunked); send "
                "it whole with a Content-Length header."
            ),
        )
    stream = request.META["wsgi.input"]
    raw = b""
    while len(raw) <= limit:
        piece = stream.read(min(64 * 1024, limit + 1 - len(raw)))
        if not piece:
            break
        raw += piece
    if len(raw) > limit:
        return refusal(request, 413, too_large_message(limit))
    # As Django itself keeps a body it has read: the stream is replaced by the bytes read.
    request.META["CONTENT_LENGTH"] = str(len(raw))
    request._body = raw
    request._stream = BytesIO(raw)
    return None
