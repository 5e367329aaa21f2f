"""The API token endpoint: a token for a username and password, refused in the error
contract (``core.api``) to a login locked out (429 ``locked_out``) or an initial password
(403 ``password_change_required``)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from accounts.exceptions import LoginLockedOut, PasswordChangeRequired
from accounts.selectors import password_must_change


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Throttled per client address (``TOKEN_THROTTLE_RATE``, ``accounts.addresses``); a
    username that failed too often from an address is locked out there (django-axes,
    ``LOGIN_FAILURE_LIMIT``, ``LOGIN_LOCKOUT_MINUTES``); an initial password gets no token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names its own parsers: the bounded ones (core.parsers) apply here too.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Axes marks the request it refused, or whose failure reached the limit.
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut()
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        if password_must_change(user=user):
            raise PasswordChangeRequired()
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
