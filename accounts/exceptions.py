"""The API's refusals of a login, in the error contract (``core.api``). Apart from the views:
the authentication classes import them while DRF itself is still loading."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from accounts.lockout import LOCKED_OUT_CODE, lockout_message, lockout_seconds


class LoginLockedOut(exceptions.APIException):
    """429 ``locked_out``: too many failed logins of this username from this address."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = LOCKED_OUT_CODE

    def __init__(self):
        super().__init__(lockout_message())
        # DRF's handler turns ``wait`` into Retry-After.
        self.wait = lockout_seconds()


class PasswordChangeRequired(exceptions.PermissionDenied):
    """403 ``password_change_required``: the user's password is initial."""

    default_detail = _("Your password is an initial one: change it on the website before using the API.")
    default_code = "password_change_required"
