"""Public pages served from the cache, and `304 Not Modified` to a reader who has them already.

Race day is thousands of phones polling the same few pages every ten seconds, and most polls
come between two splits. Every change that can move a page bumps the race's standings version
(races/models/race.py, Race.bump_standings_version), so the version is the page's validator
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

A page is kept per address: its path, the query parameters the view declares it reads, the
language, htmx or not (and the Accept header for the API). Other parameters (a tracker's
`utm_source`, a cache-buster) are taken off the request before the view sees it, so they
share the entry of the page without them. The shared cache is bounded, as the addresses are
typed by anyone:

- a page with a free-text parameter (the search `q`) is kept only in the memory of the process
  that rendered it, a small LRU: searches are many, each read by few, and cheap to render from
  the cached standings, so sharing them would only let a script fill Redis;
- of the other addresses of one path, at most SHARED_ADDRESSES_PER_PATH enter the shared cache
  in a PAGE_CACHE_SECONDS window (each admitted one holds a lease for that long and is stored
  while it holds it); past that they are rendered and kept in the process's LRU like searches.
  A path therefore has at most three windows' worth of addresses in Redis, each one entry and
  its plain body, whatever the query strings thrown at it; the real ones (categories, legs,
  stations, pages, sort orders, languages) stay far below the bound.

Only pages without a per-reader secret go through here: no CSRF token, no session. That is also
why they may be gzip-compressed (a compressed secret is what BREACH recovers); forms are not.
"""

import gzip
import hashlib
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
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
#: Addresses of one path admitted to the shared cache per PAGE_CACHE_SECONDS window (see above).
#: The DHL-size race's overall standings alone are 250 pages × 2 (htmx) × 3 languages.
SHARED_ADDRESSES_PER_PATH = 2_000
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


def cached_page(
    state_of, *, query: tuple[str, ...] = (), free_text: tuple[str, ...] = (), vary_on_accept=False
):
    """Serve a public GET view from the cache, with an ETag and `304` for an unchanged page.

    `state_of(request, *args, **kwargs)` returns what the page depends on besides the URL and the
    language (a string), or None for a page that does not exist (then the view answers, uncached).
    `query`: the query parameters the view reads; the view sees no other. `free_text`: those of
    them a reader types freely (a search): such a page is kept in this process only.
    `vary_on_accept`: the view answers in more than one format by the Accept header (the API).
    """
    read = frozenset(query) | frozenset(free_text)

    def decorator(view):
        def etag(request, *args, **kwargs) -> str | None:
            state = _state(request, state_of, args, kwargs)
            if state is None:
                return None
            return f'W/"{_digest(request, state, vary_on_accept)}"'

        def cached(request, *args, **kwargs):
            state = _state(request, state_of, args, kwargs)
            if state is None or request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            digest = _digest(request, state, vary_on_accept)
            entry = _pages.get(digest) or _unshared.get(digest)
            if entry is not None:
                return _response(request, entry, vary_on_accept)
            address = _digest(request, "", vary_on_accept)
            searched = any(request.GET.get(name) for name in free_text)
            if searched or not _leased(address):
                return _render_unshared(
                    request, view, args, kwargs, address, digest, searched, vary_on_accept
                )
            # Not in this process's memory: the cache keeps the page of each address rendered
            # last, with the digest of its state. On race day splits come faster than a page
            # renders, so one process renders an address at a time, at most once a refresh
            # period, and meanwhile the others serve the page rendered last (a second old).
            rendered = None

            def render() -> dict | None:
                nonlocal rendered
                rendered = _rendered(view(request, *args, **kwargs))
                if not _keepable(rendered):
                    return None  # not a page to keep: answered as it is
                return _shared_entry(_entry(rendered, digest), address)

            kept = PAGES.fetch(
                address,
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

        conditional = condition(etag_func=etag)(cached)

        @wraps(view)
        def page(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                # Links the page makes of its own URL (htmx polling, the language switch's
                # `next`) come from the query string: it is the read parameters' too.
                request.GET = _read_only(request.GET, read)
                request.META["QUERY_STRING"] = request.GET.urlencode()
            return conditional(request, *args, **kwargs)

        return page

    return decorator


def _read_only(params: QueryDict, names: frozenset[str]) -> QueryDict:
    """The parameters the view reads, in one order: `?leg=2&category=MX` is `?category=MX&leg=2`."""
    kept = QueryDict(mutable=True)
    for name in sorted(names & params.keys()):
        kept.setlist(name, params.getlist(name))
    kept._mutable = False
    return kept


def _rendered(response):
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


def _keepable(response) -> bool:
    return response.status_code == 200 and not response.streaming


def _render_unshared(request, view, args, kwargs, address: str, digest: str, searched: bool, vary_on_accept):
    """A search, or an address past the shared bound: rendered here, kept in this process."""
    response = _rendered(view(request, *args, **kwargs))
    if not _keepable(response):
        return response
    entry = _entry(response, digest)
    if not searched and _admitted(request.path, address):
        entry = _shared_entry(entry, address)
        PAGES.store(address, digest, entry)
        _pages.remember(digest, entry)
    else:
        _unshared.remember(digest, entry)
    return _response(request, entry, vary_on_accept)


def _leased(address: str) -> bool:
    return cache.get(f"page-lease:{address}") is not None


def _admitted(path: str, address: str) -> bool:
    """Whether `address` may enter the shared cache: one of the first SHARED_ADDRESSES_PER_PATH
    of its path in this window. An admitted address holds a lease for PAGE_CACHE_SECONDS."""
    window = int(time.time() // PAGE_CACHE_SECONDS)
    counter = f"page-admitted:{hashlib.blake2b(path.encode(), digest_size=12).hexdigest()}:{window}"
    cache.add(counter, 0, 2 * PAGE_CACHE_SECONDS)
    try:
        admitted = cache.incr(counter)
    except ValueError:  # the counter expired in between: count this one as over the bound
        return False
    if admitted > SHARED_ADDRESSES_PER_PATH:
        return False
    cache.set(f"page-lease:{address}", 1, PAGE_CACHE_SECONDS)
    return True


def _state(request, state_of, args, kwargs) -> str | None:
    # The validator and the cache key need the same state: one query per request at most.
    if not hasattr(request, "_page_state"):
        request._page_state = _remembered_state(request, state_of, args, kwargs)
    return request._page_state


# What this process read last, for as long as a page may lag behind anyway (the refresh
# period): a poll then costs no query, and a page it has served before no trip to Redis either.
_states = Memo("page states", size=1_000)
_pages = Memo("pages", size=64)
#: Pages that are not shared (searches, addresses past the bound): the process's own LRU.
_unshared = Memo("unshared pages", size=128)
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
        request.path,
        request.GET.urlencode(),  # only the parameters the view reads (cached_page)
        request.headers.get("Accept", "") if vary_on_accept else "",
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


def _entry(response, digest: str) -> dict:
    """The page as kept: compressed (what nearly every reader takes) and plain."""
    body = response.content
    return {
        "digest": digest,
        "body": body,
        "plain_key": None,
        "gzip": compress_string(body) if len(body) >= MIN_COMPRESS_BYTES else None,
        "content_type": response["Content-Type"],
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
    }


def _shared_entry(entry: dict, address: str) -> dict:
    """The entry as the shared cache keeps it: the plain body of a compressed page under a key of
    its own (one per address, replaced by the next render), read only for a client that does not
    accept gzip."""
    if entry["gzip"] is None:
        return entry
    plain_key = f"page-plain:{address}"
    cache.set(plain_key, (entry["digest"], entry["body"]), PAGE_CACHE_SECONDS)
    return {**entry, "body": None, "plain_key": plain_key}


def _body(entry: dict, accepts_gzip: bool) -> tuple[bytes, bool]:
    """(body, compressed) for this reader; the plain body kept, or from the gzip."""
    if entry["gzip"] is None:
        return entry["body"], False
    if accepts_gzip:
        return entry["gzip"], True
    if entry["body"] is not None:
        return entry["body"], False
    plain = cache.get(entry["plain_key"])
    # The address's plain body may already be a newer render's: then the gzip is this page's.
    if isinstance(plain, tuple) and plain[0] == entry.get("digest"):
        return plain[1], False
    return gzip.decompress(entry["gzip"]), False


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
