"""Django calls ``password_changed()`` of each password validator whenever a user's new
password is saved (``set_password()`` then ``save()``: the password-change pages, the
admin, ``manage.py changepassword``, ``create_user``), and not when a login merely
re-hashes the same password. That is the one place that hears of every real change."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.services import password_after_change


class PasswordChangeHook:
    """Validates nothing; after a change, revokes the user's API tokens and clears the
    initial-password mark (``accounts.services.password_after_change``)."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            password_after_change(user=user)

    def get_help_text(self) -> str:
        return _("Changing your password signs out the apps that use your API token.")
