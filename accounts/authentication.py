"""The API's authentication (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``): a
device's token (django-rest-knox) and DRF's session authentication, refusing a user whose
password is initial."""

from __future__ import annotations

from hmac import compare_digest

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import authentication, exceptions

from accounts.exceptions import PasswordChangeRequired
from accounts.models import ApiToken
from accounts.selectors import password_must_change


class TokenAuthentication(knox_auth.TokenAuthentication):
    """A device's API token (django-rest-knox: hashed, expiring), as ``Authorization: Token …``.

    One query per request: the unexpired tokens with the key, their user, the user's
    password state and their agent (``enrollments.selectors.agent_of``: most callers are
    agents). (knox's own lookup also loads every other token of the user on every request,
    to delete the expired ones; here they go when the user asks for a new token,
    ``accounts.services.api_token_create``.)"""

    def authenticate_credentials(self, token):
        token = token.decode("utf-8")
        candidates = ApiToken.objects.filter(
            Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()), token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user", "user__password_state", "user__agent")
        try:
            digest = hash_token(token)
        except (TypeError, ValueError) as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if password_must_change(user=user):
            raise PasswordChangeRequired()
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and password_must_change(user=result[0]):
            raise PasswordChangeRequired()
        return result
