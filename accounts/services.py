"""Writes about logins: marking a password initial, and what a password change ends."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, PasswordState


@transaction.atomic
def password_mark_initial(*, user) -> PasswordState:
    """Mark ``user``'s current password as initial: set by someone else (the agent import,
    an administrator), so it must be changed at the next login before the site or the API
    answers anything else. Call it after the password is saved."""
    state, _created = PasswordState.objects.update_or_create(
        user=user, defaults={"must_change": True, "marked_at": timezone.now(), "changed_at": None}
    )
    return state


@transaction.atomic
def password_after_change(*, user) -> None:
    """What a new password ends: ``user``'s API tokens stop working (a device logs in again
    with the new password), and an initial password no longer needs changing.

    Called for every password saved through ``set_password()`` (``accounts.validators``);
    other sessions end by themselves, as Django ties a session to the password's hash."""
    ApiToken.objects.filter(user=user).delete()
    PasswordState.objects.filter(user=user, must_change=True).update(must_change=False, changed_at=timezone.now())


def api_token_create(*, user, device: str = "") -> tuple[ApiToken, str]:
    """A new API token for one of ``user``'s devices: the stored row, and the token itself,
    which is shown once and never stored (only its hash is). The user's expired tokens go."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return ApiToken.objects.create(user, device=device.strip()[:100])


def api_token_revoke(*, user, token_key: str) -> bool:
    """Revoke one of ``user``'s own tokens, named by its key (the token's first characters)."""
    deleted, _rows = ApiToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)
