"""Too many failed logins: the page that says when the person may try again.

django-axes counts failed logins per username and address (ekiden/settings.py); while a pair
is locked out, every login with it is refused, the right password too, and each further try
starts the cool-off again. An official locked out at the finish line must know whether to wait
or to reset the password, so the page names the clock time, not just "later".
"""

import ipaddress
import math

from axes.helpers import get_client_username, get_cool_off
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from ekiden.throttle import client_address

# Too Many Requests, as axes answers by default: the client may retry, after Retry-After.
LOCKED_OUT = 429


def login_address(request) -> str | None:
    """The client's address as the registration limit reads it (behind TASUKI_TRUSTED_PROXIES),
    or None where there is none to read (a test client, a Unix socket, a forged header):
    axes keeps it in an IP address column, which PostgreSQL refuses anything else in."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    tried = getattr(request, "axes_attempt_time", None) or timezone.now()
    until = timezone.localtime(tried + cool_off)
    message = _(
        "Too many failed logins for %(username)s from this address. Logins are refused until "
        "%(time)s (%(zone)s), the right password too; each try before then starts the wait again."
    ) % {
        "username": get_client_username(request, credentials) or _("this username"),
        "time": time_format(until, "H:i"),
        "zone": until.tzname(),
    }
    response = render(
        request,
        "login_locked.html",
        {"message": message, "until": until, "login_path": request.path},
        status=LOCKED_OUT,
    )
    response["Retry-After"] = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
    return response
