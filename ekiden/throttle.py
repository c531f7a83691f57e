"""How often one client may do a thing: send the public registration form, follow a team, or add
unknown reads.

A captain registers one team, or a club a handful; a script sending the form in a loop would
fill the race with junk teams and use up the bibs. Each client (by IP address) may send the
form `TASUKI_REGISTRATION_RATE` times per window, counted in the shared cache so every web
process sees the same count.
"""

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    retry_after: int  # seconds until the client may send the form again; 0 when allowed


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or the one our own proxies saw.

    Behind `TASUKI_TRUSTED_PROXIES` proxies, each appends the address it received a request
    from to X-Forwarded-For, so the entry that many places from the right was written by our
    outermost proxy. Entries further left come from the client and can be forged, which would
    let a script dodge the limit with a new "address" on every request.
    """
    proxies = settings.TASUKI_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR") or "unknown"


def registration_attempt(client: str, *, now: float) -> Attempt:
    """Count one form sent by `client` at `now` (epoch seconds); say whether it may go through."""
    return attempt_at_rate("registration-attempts", client, settings.TASUKI_REGISTRATION_RATE, now=now)


def follow_attempt(client: str, *, now: float) -> Attempt:
    """Count one request to follow a team (push or e-mail) by `client` (`TASUKI_FOLLOW_RATE`)."""
    return attempt_at_rate("follow-attempts", client, settings.TASUKI_FOLLOW_RATE, now=now)


def attempt_at_rate(kind: str, who: str, rate: tuple[int, int], *, now: float) -> Attempt:
    """Count one attempt of `kind` by `who`; allowed while at most `rate` (count, seconds)."""
    limit, window = rate
    count = count_in_window(kind, who, 1, window=window, now=now)
    if count <= limit:
        return Attempt(allowed=True, retry_after=0)
    started = math.floor(now / window) * window
    return Attempt(allowed=False, retry_after=max(1, math.ceil(started + window - now)))


def count_in_window(kind: str, who: str, amount: int, *, window: int, now: float) -> int:
    """Add `amount` to what `who` did of `kind` in the current window; the new total.

    A fixed window: the count starts afresh every `window` seconds. `cache.add` then
    `cache.incr` are each atomic on Redis and in local memory, so two processes counting
    at once never both see the same number.
    """
    started = math.floor(now / window) * window
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # a safe cache key whatever `who` holds
    key = f"{kind}:{digest}:{started}"
    # Twice the window, so the count outlives its window even if the clocks differ a little.
    cache.add(key, 0, timeout=2 * window)
    try:
        return cache.incr(key, amount)
    except ValueError:  # evicted between add and incr: this is the window's first count again
        cache.add(key, amount, timeout=2 * window)
        return amount
