"""The login lockout in the authentication flow (django-axes)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, first of ``AUTHENTICATION_BACKENDS``: a username locked out from the
    client's address is refused before any password is compared.

    Only logins made over HTTP are counted and locked: a call to ``authenticate()`` with
    no request (a management command, a script, the test client's ``login()``) has no
    client address, and is left to the next backend instead of being an error."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
