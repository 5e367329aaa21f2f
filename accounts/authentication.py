"""The API's authentication (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``): DRF's
token and session authentication, refusing a user whose password is initial."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.exceptions import PasswordChangeRequired
from accounts.selectors import password_must_change


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        # DRF's own, with the password state read in the same query.
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__password_state").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if password_must_change(user=token.user):
            raise PasswordChangeRequired()
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and password_must_change(user=result[0]):
            raise PasswordChangeRequired()
        return result
