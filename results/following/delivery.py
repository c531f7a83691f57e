"""Sending one announcement to one follower: a Web Push message, or an e-mail.

The push message is encrypted for the browser and signed with the site's VAPID key
(`pywebpush`); the public service worker (templates/following/sw.js) shows it. A push service
answering 404 or 410 says the browser dropped the subscription: it is deleted.
"""

import json
import logging

import pywebpush
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from results.following.models import EmailSubscription, PushSubscription
from results.following.tokens import stop_token

logger = logging.getLogger(__name__)

#: A pass older than this is news no more: the push service may drop it rather than deliver it late.
PUSH_TTL_SECONDS = 15 * 60
PUSH_TIMEOUT_SECONDS = 10
GONE = (404, 410)


class PushFailed(Exception):
    """The push service did not take the message (5xx, 429, network): worth another try."""


def push_deliver(*, subscription_id: int, text: str) -> str:
    """Send `text` to one browser; what happened: "sent", "gone" (deleted), "missing", "off"."""
    follower = PushSubscription.objects.select_related("team__race").filter(pk=subscription_id).first()
    if follower is None:
        return "missing"  # stopped following meanwhile
    if not settings.TASUKI_VAPID_PRIVATE_KEY:
        logger.warning("Push follower %s not sent a pass: the site has no VAPID keys now.", follower.pk)
        return "off"
    team = follower.team
    with translation.override(follower.language):
        message = {
            "title": f"{team.bib} · {team.name}",
            "body": text,
            "url": reverse("results:team", args=[team.race.slug, team.bib]),
            "stop_url": reverse("following:stop", args=[stop_token(follower)]),
            "stop_label": _("Unfollow"),
            "stopped_text": _("You no longer follow %(bib)s %(team)s.")
            % {"bib": team.bib, "team": team.name},
            "tag": f"tasuki-team-{team.pk}",
            "lang": follower.language,
        }
    try:
        pywebpush.webpush(
            subscription_info={
                "endpoint": follower.endpoint,
                "keys": {"p256dh": follower.p256dh, "auth": follower.auth},
            },
            data=json.dumps(message, ensure_ascii=False),
            vapid_private_key=settings.TASUKI_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.TASUKI_VAPID_SUBJECT},
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
            headers={"Urgency": "high"},
        )
    except pywebpush.WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            follower.delete()
            return "gone"
        if status is not None and 400 <= status < 500 and status != 429:
            # Our message refused (too large, bad key): another try would be refused the same.
            logger.warning("Push follower %s refused a pass: %s", follower.pk, status)
            return "refused"
        raise PushFailed(str(status or error)) from None
    return "sent"


def email_deliver(*, subscription_id: int, text: str) -> str:
    """Send `text` to one confirmed address, with a one-click way to stop."""
    follower = EmailSubscription.objects.select_related("team__race").filter(pk=subscription_id).first()
    if follower is None:
        return "missing"
    team = follower.team
    stop = settings.TASUKI_SITE_URL + reverse("following:stop", args=[stop_token(follower)])
    page = settings.TASUKI_SITE_URL + reverse("results:team", args=[team.race.slug, team.bib])
    with translation.override(follower.language):
        subject = f"{team.bib} · {team.name}: {text}"
        body = _("%(text)s\n\nThe team's page: %(page)s\n\nStop following this team: %(stop)s") % {
            "text": text,
            "page": page,
            "stop": stop,
        }
    EmailMessage(
        subject=subject,
        body=body,
        to=[follower.email],
        # Mail programs show their own "unsubscribe" button and press it with one POST (RFC 8058).
        headers={"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    ).send()
    return "sent"
