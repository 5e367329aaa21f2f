"""Appeals in the admin: within the user's reach (``ReachAdminMixin``), read-only
but for the council's answer, given by the actions *Uphold* and *Dismiss*, which
ask for the written reply. The attachment is downloaded through the admin's own
view of the appeal, so only those who see the appeal get it."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from awards.appeals.api import attachment_response
from awards.appeals.models import Appeal, AppealEvent
from awards.appeals.services import appeal_answer
from core.admin_actions import ask_then_apply
from core.admin_helpers import (
    PhaseListFilter,
    ReachAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyHistoryInline,
    local_datetime,
)
from core.errors import InvalidTransition
from core.reach import OutOfReach, reach_of


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


def _answer(upheld: bool, title):
    def act(modeladmin, request, queryset):
        reach = reach_of(request.user)
        return ask_then_apply(
            modeladmin,
            request,
            queryset,
            ReplyForm,
            title,
            lambda appeal, data: appeal_answer(
                appeal=appeal, by=request.user, upheld=upheld, reply=data["reply"], reach=reach
            ),
            refused=(InvalidTransition, OutOfReach),
        )

    return act


uphold_appeals = _answer(True, _("Uphold appeals"))
uphold_appeals.__name__ = "uphold_appeals"
uphold_appeals.short_description = _("Uphold the selected appeals (reopens the phase for correction)…")
uphold_appeals.allowed_permissions = ["answer"]

dismiss_appeals = _answer(False, _("Dismiss appeals"))
dismiss_appeals.__name__ = "dismiss_appeals"
dismiss_appeals.short_description = _("Dismiss the selected appeals…")
dismiss_appeals.allowed_permissions = ["answer"]


class AppealEventInline(ReadOnlyHistoryInline):
    model = AppealEvent
    fields = ["from_status", "to_status", "at", "by", "note"]
    readonly_fields = fields


@admin.register(Appeal)
class AppealAdmin(ReachAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "competitor_code", "competitor_name", "phase", "status", "filed", "answered"]
    list_filter = ["status", ("phase", PhaseListFilter)]
    list_select_related = ["phase__campaign"]
    search_fields = ["competitor_code", "competitor_name", "text"]
    fields = [
        "phase",
        "finalization",
        "competitor_kind",
        "agent",
        "team",
        "unit",
        "competitor_code",
        "competitor_name",
        "enrollment",
        "text",
        "attachment_link",
        "attachment_name",
        "attachment_type",
        "status",
        "reply",
        "filed_by",
        "filed_at",
        "answered_by",
        "answered_at",
        "correction",
    ]
    readonly_fields = fields
    inlines = [AppealEventInline]
    actions = [uphold_appeals, dismiss_appeals]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("attachment")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_answer_permission(self, request):
        return request.user.has_perm("awards.answer_appeal")

    @admin.display(description=_("filed at"), ordering="filed_at")
    def filed(self, obj):
        return local_datetime(obj.filed_at)

    @admin.display(description=_("answered at"), ordering="answered_at")
    def answered(self, obj):
        return local_datetime(obj.answered_at)

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj):
        if not obj.has_attachment:
            return "—"
        url = reverse("admin:awards_appeal_attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.attachment_name or _("Download"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.attachment_view)
        return [path("<int:pk>/attachment/", view, name="awards_appeal_attachment"), *super().get_urls()]

    def attachment_view(self, request, pk: int):
        """The attachment of an appeal the user may see here (its queryset is reach-scoped)."""
        if not self.has_view_permission(request):
            raise OutOfReach()
        appeals = super().get_queryset(request)  # reach-scoped, with the file's bytes
        return attachment_response(get_object_or_404(appeals, pk=pk))


@admin.register(AppealEvent)
class AppealEventAdmin(ReadOnlyHistoryAdmin):
    list_display = ["appeal", "from_status", "to_status", "at_display", "by", "note"]
    list_filter = ["to_status"]
    list_select_related = ["appeal", "by"]
    search_fields = ["appeal__competitor_code", "appeal__competitor_name", "note"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("appeal__attachment")
