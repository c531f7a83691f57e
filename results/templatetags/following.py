"""`{% load following %}`: what the Follow button needs to know of the site (its VAPID key)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def push_public_key() -> str:
    """The site's VAPID public key; empty when Web Push is not set up (e-mail only)."""
    return settings.TASUKI_VAPID_PUBLIC_KEY
