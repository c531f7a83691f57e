"""Signed links for followers without an account: confirm an e-mail address, stop following.

Signed with the site's SECRET_KEY (django.core.signing), so nobody makes one for another's
subscription. A stop link names the subscription and a digest of its address, so a link kept from
a deleted subscription never stops a later one that got the same id.
"""

import hashlib
from dataclasses import dataclass

from django.core import signing

from results.following.models import EmailSubscription, PushSubscription

STOP_SALT = "results.following.stop"
CONFIRM_SALT = "results.following.confirm"
#: A confirmation link works this long: long enough for a slow inbox, short enough to go stale.
CONFIRM_MAX_AGE_SECONDS = 2 * 24 * 3600


def _digest(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def stop_token(subscription: PushSubscription | EmailSubscription) -> str:
    if isinstance(subscription, PushSubscription):
        return signing.dumps(
            ["p", subscription.pk, _digest(subscription.endpoint)], salt=STOP_SALT, compress=True
        )
    return signing.dumps(["e", subscription.pk, _digest(subscription.email)], salt=STOP_SALT, compress=True)


def subscription_of_stop_token(token: str) -> PushSubscription | EmailSubscription | None:
    """The subscription a stop link names; None when the link is forged, or already used."""
    try:
        kind, pk, digest = signing.loads(token, salt=STOP_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    model = PushSubscription if kind == "p" else EmailSubscription
    subscription = model.objects.select_related("team__race").filter(pk=pk).first()
    if subscription is None:
        return None
    address = subscription.endpoint if isinstance(subscription, PushSubscription) else subscription.email
    return subscription if _digest(address) == digest else None


@dataclass(frozen=True)
class EmailRequest:
    """An address asking to follow a team, not stored until its owner confirms it."""

    team_id: int
    email: str
    language: str


def confirm_token(request: EmailRequest) -> str:
    return signing.dumps([request.team_id, request.email, request.language], salt=CONFIRM_SALT, compress=True)


class ConfirmLinkExpired(Exception):
    pass


def email_request_of_confirm_token(token: str) -> EmailRequest | None:
    """The request a confirmation link carries; None when forged; ConfirmLinkExpired when old."""
    try:
        team_id, email, language = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise ConfirmLinkExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return EmailRequest(team_id=team_id, email=email, language=language)
