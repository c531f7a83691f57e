"""The page cache keys on what a page reads, and junk in the query string cannot grow it.

In local memory and, with REDIS_URL, on Redis (the race-day set-up), where every key the page
cache wrote is counted by scanning the test's own key prefix.
"""

import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from ekiden import memo, page_cache
from ekiden.redis_cache import RedisCache
from tests.test_live_pages import body_of
from tests.test_pages import build_hand_race

pytestmark = pytest.mark.django_db

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}}


def on_redis() -> dict:
    return {
        "default": {
            "BACKEND": "ekiden.redis_cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-pages-{uuid.uuid4().hex[:8]}",
        }
    }


@pytest.fixture(
    params=[
        "local memory",
        pytest.param(
            "redis",
            marks=[pytest.mark.redis, pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")],
        ),
    ]
)
def race(request):
    with override_settings(CACHES=LOCAL_MEMORY if request.param == "local memory" else on_redis()):
        cache.clear()
        yield build_hand_race()
        cache.clear()


def page_keys() -> set[str]:
    """Every key the page cache keeps in the shared cache (pages, plain bodies, leases, counts)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        keys = {key.decode() for key in backend.redis_client().scan_iter(match=f"{backend.key_prefix}:*")}
    else:
        keys = set(backend._cache)
    return {key for key in keys if ":page" in key}


def addresses() -> set[str]:
    """The pages kept in the shared cache, one per address."""
    return {key for key in page_keys() if ":page:" in key}


def standings_url() -> str:
    return reverse("results:standings", kwargs={"slug": "hand"})


def served_from_the_cache(client, url: str, query: dict) -> bool:
    """Whether the page came from a cache (this process's or the shared one), not the view."""
    with mock.patch("results.publishing.views.standings_for_race") as standings:
        response = client.get(url, query)
    assert response.status_code == 200
    return not standings.called


JUNK = [
    {"utm_source": "newsletter"},
    {"_": "1733460000123"},
    {"fbclid": "IwAR0x", "utm_medium": "social", "ref": "x" * 500},
]


def test_junk_parameters_hit_the_entry_of_the_page_without_them(client, race):
    client.get(standings_url(), {"category": "MX"})
    kept = page_keys()
    for junk in JUNK:
        memo.forget_all()  # another process: only the shared cache can answer
        assert served_from_the_cache(client, standings_url(), {"category": "MX", **junk}), junk
    assert page_keys() == kept


def test_the_view_never_sees_them(client, race):
    page = body_of(client.get(standings_url(), {"category": "MX", "utm_source": "newsletter"}))
    assert "utm_source" not in page  # not in the download links, the sort links or the pages
    assert "_export=csv" in page and "category=MX" in page


def test_the_order_of_the_parameters_does_not_matter(client, race):
    first = client.get(f"{standings_url()}?leg=2&category=MX")
    memo.forget_all()
    with mock.patch("results.publishing.views.standings_for_race") as standings:
        second = client.get(f"{standings_url()}?category=MX&leg=2")
    assert not standings.called
    assert second["ETag"] == first["ETag"]


def test_what_the_page_reads_still_makes_pages_of_their_own(client, race):
    etags = {
        client.get(standings_url(), query)["ETag"]
        for query in (
            {},
            {"category": "MX"},
            {"leg": "2"},
            {"station": "R1"},
            {"sort": "-team"},
            {"page": "2"},
        )
    }
    assert len(etags) == 6


def test_the_api_reads_only_its_format(client, race):
    url = reverse("api-race-results", kwargs={"slug": "hand"})
    client.get(url, {"format": "json"})
    kept = page_keys()
    memo.forget_all()
    with mock.patch("results.publishing.api.standings_for_race") as standings:
        response = client.get(url, {"format": "json", "callback": "x"})
    assert response.status_code == 200 and not standings.called
    assert page_keys() == kept


def test_searches_stay_in_the_memory_of_the_process_that_rendered_them(client, race):
    client.get(standings_url())
    kept = page_keys()
    for n in range(200):
        response = client.get(standings_url(), {"q": f"tan{n}"})
        assert response.status_code == 200
    assert page_keys() == kept  # nothing of 200 searches in the shared cache
    assert len(page_cache._unshared) == page_cache._unshared.size  # the LRU holds its last 128
    assert served_from_the_cache(client, standings_url(), {"q": "tan199"})
    assert "No team matches." in body_of(client.get(standings_url(), {"q": "tan199"}))


def test_a_search_page_is_right_and_follows_the_splits(client, race):
    from results.timing.services import timing_record_create

    before = client.get(standings_url(), {"q": "107"})
    timing_record_create(race=race, bib="107", station="R2", time="07:30:00", source="tablet")
    after = client.get(standings_url(), {"q": "107"})
    assert after["ETag"] != before["ETag"]
    assert body_of(after) != body_of(before)


@mock.patch.object(page_cache, "SHARED_ADDRESSES_PER_PATH", 3)
def test_the_shared_cache_holds_a_bounded_number_of_addresses_per_path(client, race):
    for n in range(1, 11):
        response = client.get(standings_url(), {"page": f"junk{n}"})  # read as page 1
        assert response.status_code == 200
    assert len(addresses()) == 3
    # Past the bound a page is still served, and a second time from this process's memory.
    assert served_from_the_cache(client, standings_url(), {"page": "junk10"})
    memo.forget_all()
    assert served_from_the_cache(client, standings_url(), {"page": "junk1"})  # admitted: shared


@mock.patch.object(page_cache, "SHARED_ADDRESSES_PER_PATH", 3)
def test_the_bound_is_per_path_and_an_admitted_page_stays_shared_while_it_changes(client, race):
    from results.timing.services import timing_record_create

    for n in range(1, 6):
        client.get(standings_url(), {"page": f"junk{n}"})
    client.get(reverse("results:team", kwargs={"slug": "hand", "bib": "101"}))
    assert len(addresses()) == 4  # the team page has its own count
    timing_record_create(race=race, bib="107", station="R2", time="07:30:00", source="tablet")
    memo.forget_all()
    client.get(standings_url(), {"page": "junk1"})  # rendered again for the new state
    memo.forget_all()
    assert served_from_the_cache(client, standings_url(), {"page": "junk1"})
    assert len(addresses()) == 4


def test_a_reader_without_gzip_gets_the_plain_page_of_its_own_state(client, race):
    gzipped = client.get(standings_url(), headers={"Accept-Encoding": "gzip"})
    memo.forget_all()
    plain = client.get(standings_url())
    assert "Content-Encoding" not in plain
    assert plain.content == body_of(gzipped).encode()
