"""The API's authentication (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``): a
device's token (django-rest-knox) and DRF's session authentication, refusing a user whose
password is initial."""

from __future__ import annotations

from knox import auth as knox_auth
from rest_framework import authentication

from accounts.exceptions import PasswordChangeRequired
from accounts.selectors import password_must_change


class TokenAuthentication(knox_auth.TokenAuthentication):
    """A device's API token (django-rest-knox: hashed, expiring), as ``Authorization: Token …``."""

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
