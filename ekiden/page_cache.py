"""Public pages served from the cache, and `304 Not Modified` to a reader who has them already.

Race day is thousands of phones polling the same few pages every ten seconds, and most polls
come between two splits. Every change that can move a page bumps the race's standings version
(races/models.py, Race.bump_standings_version), so the version is the page's validator
(races/page_state.py says what a race's pages depend on):

- the ETag is the version (with the language, the URL and whether htmx asked for the table
  only); an unchanged poll is answered `304` after one small query, before anything is rendered
  or the standings are read (django.views.decorators.http.condition);
- a changed page is rendered once per version and URL and kept in the cache, compressed and
  plain, with the digest of the state it was rendered for, so nothing goes stale: a reader
  whose state differs gets a page rendered again (ekiden/versioned_cache.py);
- splits come faster than pages render: a URL is rendered by one process at a time and at most
  once a TASUKI_PAGE_REFRESH_SECONDS (1 s), the others serving the page rendered last; within
  that second a process also answers from its own memory (no query, no trip to Redis).

Only pages without a per-reader secret go through here: no CSRF token, no session. That is also
why they may be gzip-compressed (a compressed secret is what BREACH recovers); forms are not.
"""

import gzip
import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language
from django.views.decorators.http import condition

from ekiden.memo import Memo
from ekiden.versioned_cache import VersionedCache

#: A safety net only: a page is served for the state it was rendered for (or within the refresh
#: period), so a changed race never reads an old page.
PAGE_CACHE_SECONDS = 15 * 60
#: Longer than any render: a renderer that died frees the URL for another after this.
RENDER_LOCK_SECONDS = 10
#: Bump when the pages' markup changes in a way a browser's cached copy must not survive.
PAGE_FORMAT = 1
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
#: Below this a compressed body is no smaller once the headers are counted.
MIN_COMPRESS_BYTES = 200
#: Response headers a cached page keeps (a download keeps its file name).
KEPT_HEADERS = ("Content-Disposition", "Content-Language")

#: Each URL's page rendered last, under the digest of its state (a label: no order).
PAGES: VersionedCache[dict] = VersionedCache(
    "page",
    kept_seconds=PAGE_CACHE_SECONDS,
    lock_seconds=RENDER_LOCK_SECONDS,
    wait_seconds=RENDER_LOCK_SECONDS,
    ordered=False,
)


def cached_page(state_of, *, vary_on_accept: bool = False):
    """Serve a public GET view from the cache, with an ETag and `304` for an unchanged page.

    `state_of(request, *args, **kwargs)` returns what the page depends on besides the URL and the
    language (a string), or None for a page that does not exist (then the view answers, uncached).
    `vary_on_accept`: the view answers in more than one format by the Accept header (the API).
    """

    def decorator(view):
        def etag(request, *args, **kwargs) -> str | None:
            state = _state(request, state_of, args, kwargs)
            if state is None:
                return None
            return f'W/"{_digest(request, state, vary_on_accept)}"'

        @wraps(view)
        def cached(request, *args, **kwargs):
            state = _state(request, state_of, args, kwargs)
            if state is None or request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            digest = _digest(request, state, vary_on_accept)
            entry = _pages.get(digest)
            if entry is not None:
                return _response(request, entry, vary_on_accept)
            # Not in this process's memory: the cache keeps the page of each URL (its address)
            # rendered last, with the digest of its state. On race day splits come faster than
            # a page renders, so one process renders a URL at a time, at most once a refresh
            # period, and meanwhile the others serve the page rendered last (a second old).
            rendered = None

            def render() -> dict | None:
                nonlocal rendered
                rendered = view(request, *args, **kwargs)
                if hasattr(rendered, "render") and not rendered.is_rendered:
                    rendered.render()
                if rendered.status_code != 200 or rendered.streaming:
                    return None  # not a page to keep: answered as it is
                return _entry(rendered, f"page-plain:{digest}")

            kept = PAGES.fetch(
                _digest(request, "", vary_on_accept),
                wanted=digest,
                compute=render,
                recent_seconds=settings.TASUKI_PAGE_REFRESH_SECONDS,
                stale_while_computing=True,
            )
            if kept is None:
                return rendered
            if kept.version != digest:
                return _response(request, kept.value, vary_on_accept, etag=f'W/"{kept.version}"')
            _pages.remember(digest, kept.value)
            return _response(request, kept.value, vary_on_accept)

        return condition(etag_func=etag)(cached)

    return decorator


def _state(request, state_of, args, kwargs) -> str | None:
    # The validator and the cache key need the same state: one query per request at most.
    if not hasattr(request, "_page_state"):
        request._page_state = _remembered_state(request, state_of, args, kwargs)
    return request._page_state


# What this process read last, for as long as a page may lag behind anyway (the refresh
# period): a poll then costs no query, and a page it has served before no trip to Redis either.
_states = Memo("page states", size=1_000)
_pages = Memo("pages", size=64)
_UNKNOWN = object()


def _remembered_state(request, state_of, args, kwargs) -> str | None:
    period = settings.TASUKI_PAGE_REFRESH_SECONDS
    if period <= 0:
        return state_of(request, *args, **kwargs)
    key = (state_of, kwargs.get("slug"))  # a race's state is the same for all its pages
    state = _states.get(key, _UNKNOWN)
    if state is _UNKNOWN:
        state = _states.remember(key, state_of(request, *args, **kwargs), seconds=period)
    return state


def _digest(request, state: str, vary_on_accept: bool) -> str:
    parts = [
        str(PAGE_FORMAT),
        state,
        get_language() or "",
        "htmx" if request.headers.get("HX-Request") == "true" else "page",
        request.get_full_path(),
        request.headers.get("Accept", "") if vary_on_accept else "",
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


def _entry(response, plain_key: str) -> dict:
    """The page as kept: compressed in the entry itself (what nearly every reader takes), the
    plain body under a key of its own, read only for a client that does not accept gzip."""
    body = response.content
    compressed = compress_string(body) if len(body) >= MIN_COMPRESS_BYTES else None
    if compressed is not None:
        cache.set(plain_key, body, PAGE_CACHE_SECONDS)
    return {
        "body": None if compressed is not None else body,
        "plain_key": plain_key,
        "gzip": compressed,
        "content_type": response["Content-Type"],
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
    }


def _body(entry: dict, accepts_gzip: bool) -> tuple[bytes, bool]:
    """(body, compressed) for this reader; the plain body from the cache, or from the gzip."""
    if entry["gzip"] is None:
        return entry["body"], False
    if accepts_gzip:
        return entry["gzip"], True
    plain = cache.get(entry["plain_key"])
    return (plain if plain is not None else gzip.decompress(entry["gzip"])), False


def _response(request, entry: dict, vary_on_accept: bool, etag: str | None = None) -> HttpResponse:
    """The cached page; `etag`: it is an earlier version's page, which carries its own ETag (and
    is a 304 to a reader who has that one already)."""
    if etag is not None and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        body, compressed = _body(entry, bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))))
        response = HttpResponse(body, content_type=entry["content_type"])
        for name, value in entry["headers"].items():
            response[name] = value
        if compressed:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(response.content))
    if etag is not None:
        response["ETag"] = etag
    # Stored, but asked again every time: the answer is a cheap 304 while nothing changed.
    patch_cache_control(response, no_cache=True)
    vary = ["Accept-Language", "Cookie", "HX-Request", "Accept-Encoding"]
    patch_vary_headers(response, [*vary, "Accept"] if vary_on_accept else vary)
    return response
