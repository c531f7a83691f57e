"""Who is posting: a device by its bearer token (an official's session is DRF's own)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from results.timing.device_tokens import device_token_find
from results.timing.models import DeviceToken


class DeviceTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; the request's `auth` is then the DeviceToken."""

    keyword = b"bearer"

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword:
            return None
        if len(words) != 2:
            raise AuthenticationFailed(_("Authorization: write 'Bearer', one space, then the device token."))
        try:
            plain = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(
                _("this device token is not known; check it was copied whole.")
            ) from None
        token = device_token_find(plain)
        if token is None:
            raise AuthenticationFailed(_("this device token is not known; check it was copied whole."))
        if token.is_revoked:
            raise AuthenticationFailed(_("this device token was revoked; ask an organiser for a new one."))
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        # Makes a request without credentials a 401 that says what to send.
        return 'Bearer realm="tasuki devices"'


class DeviceOrSignedInUser(BasePermission):
    """A device with a token, or someone logged in; which stations each may post for is the
    view's next question. Anyone else gets a 401."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, DeviceToken):
            return True
        return bool(request.user and request.user.is_authenticated)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            **build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer"),
            "description": _("A device token from `create_device_token` or the admin."),
        }
