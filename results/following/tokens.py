"""Links for followers without an account: confirm an e-mail address, stop following.

Nobody makes one for another's subscription: a stop link is signed with the site's SECRET_KEY
(django.core.signing) and names the subscription and a keyed digest of its address, so a link
kept from a deleted subscription never stops a later one that got the same id. A confirmation
link carries the address itself (it is stored nowhere until confirmed), so it is encrypted as
well as signed (Fernet, with a key derived from SECRET_KEY): a link is a URL path, and paths are
written to the request log and the proxy's.
"""

import base64
import json
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.core import signing
from django.utils.crypto import salted_hmac

from results.following.models import EmailSubscription, PushSubscription

STOP_SALT = "results.following.stop"
CONFIRM_SALT = "results.following.confirm"
#: A confirmation link works this long: long enough for a slow inbox, short enough to go stale.
CONFIRM_MAX_AGE_SECONDS = 2 * 24 * 3600


def _digest(address: str) -> str:
    """A digest of the address only this site can make: the link names no address."""
    return salted_hmac(STOP_SALT, address, algorithm="sha256").hexdigest()[:16]


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


def _confirm_cipher() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(salted_hmac(CONFIRM_SALT, "fernet", algorithm="sha256").digest()))


def confirm_token(request: EmailRequest) -> str:
    payload = json.dumps([request.team_id, request.email, request.language]).encode()
    return _confirm_cipher().encrypt(payload).decode()


class ConfirmLinkExpired(Exception):
    pass


def email_request_of_confirm_token(token: str) -> EmailRequest | None:
    """The request a confirmation link carries; None when forged; ConfirmLinkExpired when old."""
    cipher = _confirm_cipher()
    try:
        made = cipher.extract_timestamp(token.encode())  # checks the signature first
        team_id, email, language = json.loads(cipher.decrypt(token.encode()))
    except (InvalidToken, ValueError, TypeError, UnicodeError):
        return None
    if time.time() - made > CONFIRM_MAX_AGE_SECONDS:
        raise ConfirmLinkExpired
    return EmailRequest(team_id=team_id, email=email, language=language)
