"""The API's own logins: a token for a username and password, one per device, refused in the
error contract (``core.api``) to a login locked out (429 ``locked_out``) or an initial
password (403 ``password_change_required``); the caller's tokens, listed and revoked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.exceptions import LoginLockedOut, PasswordChangeRequired
from accounts.models import ApiToken
from accounts.selectors import password_must_change
from accounts.services import api_token_create, api_token_revoke
from core.api import ErrorSerializer as ERROR
from core.listing import query_errors


class TokenRequestSerializer(AuthTokenSerializer):
    device = serializers.CharField(
        label=_("device"),
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("The device's name, shown in your list of tokens."),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as Authorization: Token …; it is shown only this once."))
    token_key = serializers.CharField(help_text=_("The token's first characters: its name in your list of tokens."))
    device = serializers.CharField()
    expiry = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text=_("Whether this request was sent with this token."))

    class Meta:
        model = ApiToken
        fields = ["token_key", "device", "created", "expiry", "current"]

    def get_current(self, token) -> bool:
        used = getattr(self.context["request"], "auth", None)
        return isinstance(used, ApiToken) and used.digest == token.digest


class TokenView(GenericAPIView):
    """Exchange a username and password for a new API token of this device.

    Throttled per client address (``TOKEN_THROTTLE_RATE``, ``accounts.addresses``); a
    username that failed too often from an address is locked out there (django-axes,
    ``LOGIN_FAILURE_LIMIT``, ``LOGIN_LOCKOUT_MINUTES``); an initial password gets no token.
    Every call makes a token of its own, valid ``API_TOKEN_DAYS`` days."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(responses={200: TokenSerializer, 400: ERROR, 403: ERROR, 429: ERROR})
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
        token, secret = api_token_create(user=user, device=serializer.validated_data.get("device", ""))
        body = {"token": secret, "token_key": token.token_key, "device": token.device, "expiry": token.expiry}
        return Response(TokenSerializer(body).data)


class TokenListView(APIView):
    """The caller's own API tokens, one per device (``GET``); the newest first."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True), 401: ERROR})
    def get(self, request):
        errors = query_errors(request, ())  # no filters: any parameter is refused
        if errors:
            raise exceptions.ValidationError(errors)
        tokens = ApiToken.objects.filter(user=request.user, expiry__gt=timezone.now()).order_by("-created")
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenRevokeView(APIView):
    """Revoke one of the caller's own tokens by its key (``DELETE``): that device logs in again."""

    @extend_schema(responses={204: None, 401: ERROR, 404: ERROR})
    def delete(self, request, token_key: str):
        if not api_token_revoke(user=request.user, token_key=token_key):
            raise exceptions.NotFound(_("You have no token %(key)s.") % {"key": token_key})
        return Response(status=status.HTTP_204_NO_CONTENT)
