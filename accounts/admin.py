"""Accounts in the admin: Django's users, where a password an administrator sets for
someone else is initial; who still has an initial password. Login lockouts are django-axes'
own admin pages ("Access attempts": delete a row to unlock)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import ApiToken, PasswordState
from accounts.services import password_mark_initial

User = get_user_model()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """The API tokens of every device: shown without the token itself (only its hash is
    stored); deleting one revokes it."""

    list_display = ["token_key", "user", "device", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "device", "token_key"]
    fields = readonly_fields = ["token_key", "user", "device", "created", "expiry", "digest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PasswordState)
class PasswordStateAdmin(admin.ModelAdmin):
    """Read-only: an initial password is marked by the agent import or an administrator
    setting someone's password, and cleared when its user changes it."""

    list_display = ["user", "must_change", "marked_at", "changed_at"]
    list_filter = ["must_change"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = readonly_fields = ["user", "must_change", "marked_at", "changed_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    actions = ["require_password_change"]

    @admin.action(description=gettext_lazy("Require a password change at the next login"), permissions=["change"])
    def require_password_change(self, request, queryset) -> None:
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            password_mark_initial(user=user)
            count += 1
        message = ngettext(
            "%(count)d user must change their password at the next login.",
            "%(count)d users must change their password at the next login.",
            count,
        )
        self.message_user(request, message % {"count": count})

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # A user added here gets a password the administrator chose.
            password_mark_initial(user=obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        user = self.get_object(request, unquote(id))
        if request.method == "POST" and response.status_code == 302 and user is not None and user != request.user:
            # A password set for someone else is theirs to replace.
            password_mark_initial(user=user)
            messages.info(request, _("The user must change this password at the next login."))
        return response
