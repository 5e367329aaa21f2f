"""Admin actions that move selected enrollments along the state map.

They go through the same services as the API (history rows, coverage and
counting kept in step). Rejecting and cancelling ask for the reason on an
intermediate page first.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enrollments.services import InvalidTransition, enrollment_cancel, enrollment_confirm, enrollment_reject


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _apply(modeladmin, request, queryset, service, *, reason=None):
    done, refused = 0, []
    for enrollment in queryset.order_by("pk"):
        kwargs = {"enrollment": enrollment, "by": request.user}
        if reason is not None:
            kwargs["reason"] = reason
        try:
            service(**kwargs)
        except (InvalidTransition, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"{enrollment.client_ref}: {message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d enrollment updated.", "%(n)d enrollments updated.", done) % {"n": done},
            messages.SUCCESS,
        )
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


def _with_reason(modeladmin, request, queryset, service, title):
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        _apply(modeladmin, request, queryset, service, reason=form.cleaned_data["reason"])
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/enrollments/enrollment/transition_reason.html", context)


@admin.action(description=_("Confirm the selected enrollments"), permissions=["review"])
def confirm_selected(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, enrollment_confirm)


@admin.action(description=_("Reject the selected enrollments…"), permissions=["review"])
def reject_selected(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, enrollment_reject, _("Reject enrollments"))


@admin.action(description=_("Cancel the selected enrollments (refund)…"), permissions=["review"])
def cancel_selected(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, enrollment_cancel, _("Cancel enrollments"))
