"""What the project keeps about a login beside Django's user: whether its password is initial."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordState(models.Model):
    """A user whose password was set by someone else (the agent import, an administrator)
    must change it before using the site or the API (DESIGN §13). Users without a row
    have chosen their own password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_state",
    )
    must_change = models.BooleanField(_("must change password"), default=True)
    marked_at = models.DateTimeField(_("marked initial at"))
    changed_at = models.DateTimeField(_("changed by the user at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password state")
        verbose_name_plural = _("password states")

    def __str__(self) -> str:
        return str(self.user)
