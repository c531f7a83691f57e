"""Following a team and stopping: the writes, each checking what it is given.

A push subscription comes from a stranger's browser through a public endpoint, and the server
later posts to the address it names: only the push services of `TASUKI_PUSH_SERVICE_HOSTS`, over
HTTPS, with keys of the sizes Web Push uses, are taken. An e-mail address is stored only once
its owner has followed the link of the confirmation e-mail (double opt-in): an address typed by
someone else is never kept, and gets one e-mail it can ignore.
"""

import base64
import binascii
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ekiden.throttle import attempt_at_rate
from races.models import Team
from races.problems import InputProblems, Problem
from results.following.models import EmailSubscription, PushSubscription
from results.following.tokens import EmailRequest, confirm_token

#: The uncompressed P-256 point a browser gives as `p256dh`, and its 16-byte `auth` secret.
P256DH_BYTES = 65
AUTH_BYTES = 16
ENDPOINT_MAX_LENGTH = PushSubscription._meta.get_field("endpoint").max_length
#: Confirmation e-mails one address may be sent a day, whoever asks: no one's inbox is a target.
CONFIRMATIONS_PER_ADDRESS = (3, 24 * 3600)


def follower_language(language: str | None) -> str:
    """One of the site's languages: the follower's, else the site's default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def push_subscription_add(
    *, team: Team, subscription: object, language: str
) -> tuple[PushSubscription, bool]:
    """Store what a browser's `PushSubscription.toJSON()` gave; (the subscription, whether new).

    The same browser following the same team again is the same subscription (its keys renewed).
    """
    endpoint, p256dh, auth = _checked_subscription(subscription)
    try:
        with transaction.atomic():
            follower, created = PushSubscription.objects.update_or_create(
                team=team,
                endpoint=endpoint,
                defaults={"p256dh": p256dh, "auth": auth, "language": follower_language(language)},
            )
    except IntegrityError:  # the same browser twice at once: the other request stored it
        follower, created = PushSubscription.objects.get(team=team, endpoint=endpoint), False
    return follower, created


def _checked_subscription(subscription: object) -> tuple[str, str, str]:
    if not isinstance(subscription, dict):
        raise InputProblems(
            [Problem(_('send the browser\'s subscription as a JSON object: {"endpoint": …, "keys": {…}}.'))]
        )
    unknown = sorted(set(subscription) - {"endpoint", "expirationTime", "keys"})
    if unknown:
        raise InputProblems(
            [Problem(_("leave out what a push subscription does not hold."), field=name) for name in unknown]
        )
    problems = []
    endpoint = subscription.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        problems.append(
            Problem(_("the push endpoint is missing; send the browser's subscription."), field="endpoint")
        )
    elif len(endpoint) > ENDPOINT_MAX_LENGTH:
        problems.append(
            Problem(
                _("the push endpoint is longer than %d characters.") % ENDPOINT_MAX_LENGTH, field="endpoint"
            )
        )
    elif not _known_push_service(endpoint):
        problems.append(
            Problem(
                _(
                    "the push endpoint is not an HTTPS address of a known push service; use a current browser."
                ),
                field="endpoint",
            )
        )
    keys = subscription.get("keys")
    if not isinstance(keys, dict):
        keys = {}
        problems.append(Problem(_('the keys are missing; send {"p256dh": …, "auth": …}.'), field="keys"))
    p256dh = _base64url_of_length(keys.get("p256dh"), P256DH_BYTES) if keys else None
    auth = _base64url_of_length(keys.get("auth"), AUTH_BYTES) if keys else None
    if keys and (p256dh is None or not base64.urlsafe_b64decode(p256dh + "==").startswith(b"\x04")):
        problems.append(
            Problem(
                _("p256dh must be the browser's P-256 public key, base64url (65 bytes)."), field="keys.p256dh"
            )
        )
    if keys and auth is None:
        problems.append(
            Problem(_("auth must be the browser's secret, base64url (16 bytes)."), field="keys.auth")
        )
    if problems:
        raise InputProblems(problems)
    return endpoint, p256dh, auth


def _known_push_service(endpoint: str) -> bool:
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme != "https" or parts.username or parts.password or parts.port not in (None, 443):
        return False
    return any(host == known or host.endswith("." + known) for known in settings.TASUKI_PUSH_SERVICE_HOSTS)


def _base64url_of_length(value: object, length: int) -> str | None:
    """`value` without padding if it is base64url of `length` bytes; else None."""
    if not isinstance(value, str) or len(value) > 2 * length:
        return None
    value = value.rstrip("=")
    if not value or any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in value
    ):
        return None
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return value if len(decoded) == length else None


def email_follow_request(*, team: Team, email: str, language: str, now: float) -> None:
    """Send the confirmation e-mail for `email` to follow `team`; nothing is stored.

    Whether the address follows the team already is not said (to the asker, it would tell who
    follows whom): it gets the e-mail again, and confirming again changes nothing.
    """
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InputProblems(
            [Problem(_("write an e-mail address, like name@example.org."), field="email")]
        ) from None
    if not attempt_at_rate(
        "follow-confirmations", email.casefold(), CONFIRMATIONS_PER_ADDRESS, now=now
    ).allowed:
        raise InputProblems(
            [
                Problem(
                    _("this address was sent confirmations enough today; look for them in its inbox."),
                    field="email",
                )
            ]
        )
    request = EmailRequest(team_id=team.pk, email=email, language=follower_language(language))
    link = settings.TASUKI_SITE_URL + reverse("following:confirm", args=[confirm_token(request)])
    race = team.race
    with translation.override(request.language):
        subject = _("Confirm: follow %(bib)s %(team)s") % {"bib": team.bib, "team": team.name}
        body = _(
            "Someone, we hope you, asked to hear by e-mail each time team %(bib)s %(team)s passes a station "
            "of %(race)s.\n\nTo follow the team, open this link and press Follow:\n%(link)s\n\n"
            "If you did not ask, ignore this e-mail: your address is not kept."
        ) % {"bib": team.bib, "team": team.name, "race": race.name, "link": link}
    EmailMessage(subject=subject, body=body, to=[email]).send()


def email_subscription_confirm(*, request: EmailRequest) -> tuple[EmailSubscription, bool] | None:
    """Store a confirmed address; None when the team is gone meanwhile."""
    team = Team.objects.filter(pk=request.team_id).first()
    if team is None:
        return None
    try:
        with transaction.atomic():
            return EmailSubscription.objects.get_or_create(
                team=team, email=request.email, defaults={"language": request.language}
            )
    except IntegrityError:  # confirmed twice at once
        return EmailSubscription.objects.get(team=team, email=request.email), False


def subscription_stop(subscription: PushSubscription | EmailSubscription) -> None:
    """Stop following: the subscription, its address and keys are deleted, nothing is kept."""
    subscription.delete()
