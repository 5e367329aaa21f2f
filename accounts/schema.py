"""The API schema's name for the session authentication (``accounts.authentication``):
drf-spectacular knows DRF's own class, and token subclasses, but not a session subclass."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class PasswordCheckingSessionScheme(SessionScheme):
    target_class = "accounts.authentication.SessionAuthentication"
