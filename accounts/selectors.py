"""Reads about logins."""

from __future__ import annotations

from accounts.models import PasswordState


def password_must_change(*, user) -> bool:
    """Whether ``user`` still has an initial password. Reads ``user.password_state``, so a
    user loaded with ``select_related("password_state")`` costs no query."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return user.password_state.must_change
    except PasswordState.DoesNotExist:
        return False
