"""The login lockout's terms as users are told them (``accounts.views.lockout_response``,
``accounts.exceptions.LoginLockedOut``). Free of DRF's views: the API's authentication
classes load it while DRF itself is loading."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import ngettext

LOCKED_OUT_CODE = "locked_out"


def lockout_seconds() -> int:
    """How long a username stays locked out from an address after its last counted failure."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = max(1, lockout_seconds() // 60)
    return ngettext(
        "Too many failed logins: this account is locked from your address for %(minutes)d minute. "
        "Try again later, or ask an administrator to unlock it.",
        "Too many failed logins: this account is locked from your address for %(minutes)d minutes. "
        "Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}
