"""What the project keeps about a login beside Django's user: whether its password is initial,
and its API tokens, one per device."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


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


class ApiToken(AbstractAuthToken):
    """An API token of one of a user's devices (django-rest-knox: only a hash of it is
    stored). Each login through the token endpoint makes its own, named after the device
    when the app says which; it expires after ``API_TOKEN_DAYS`` days; its user lists and
    revokes their own, and a password change revokes them all."""

    device = models.CharField(_("device"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "-created"]
