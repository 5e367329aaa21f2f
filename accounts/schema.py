"""The API schema's names for the authentication classes (``accounts.authentication``):
drf-spectacular knows DRF's and knox's own classes, not these subclasses."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class PasswordCheckingSessionScheme(SessionScheme):
    target_class = "accounts.authentication.SessionAuthentication"


class DeviceTokenScheme(KnoxTokenScheme):
    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"
