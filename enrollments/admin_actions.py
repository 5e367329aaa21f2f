"""Admin actions that move selected enrollments along the state map.

They go through the same services as the API (history rows, coverage and
counting kept in step), within the user's reach: the selection comes from the
admin's reach-scoped list, and the services check it again. A change the
database refused for contention runs again; a row still refused then is
reported like a refused move. Rejecting and cancelling ask for the reason on
an intermediate page first.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import ReasonForm, apply_each, ask_then_apply
from core.db import retry_on_conflict
from core.errors import Busy, InvalidTransition
from core.reach import OutOfReach, reach_of
from enrollments.services import enrollment_cancel, enrollment_confirm, enrollment_reject


def _enrollments_updated(count: int) -> str:
    return ngettext("%(n)d enrollment updated.", "%(n)d enrollments updated.", count) % {"n": count}


def _apply(modeladmin, request, queryset, service) -> None:
    apply_each(
        modeladmin,
        request,
        queryset,
        lambda enrollment: retry_on_conflict(
            lambda: service(enrollment=enrollment, by=request.user, reach=reach_of(request.user))
        ),
        refused=(InvalidTransition, Busy, OutOfReach),
        label=lambda enrollment: enrollment.client_ref,
        done=_enrollments_updated,
    )


def _with_reason(modeladmin, request, queryset, service, title):
    return ask_then_apply(
        modeladmin,
        request,
        queryset.select_related("participant"),
        ReasonForm,
        title,
        lambda enrollment, data: retry_on_conflict(
            lambda: service(enrollment=enrollment, by=request.user, reason=data["reason"], reach=reach_of(request.user))
        ),
        refused=(InvalidTransition, Busy, OutOfReach),
        label=lambda enrollment: enrollment.client_ref,
        done=_enrollments_updated,
    )


@admin.action(description=_("Confirm the selected enrollments"), permissions=["review"])
def confirm_selected(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, enrollment_confirm)


@admin.action(description=_("Reject the selected enrollments…"), permissions=["review"])
def reject_selected(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, enrollment_reject, _("Reject enrollments"))


@admin.action(description=_("Cancel the selected enrollments (refund)…"), permissions=["review"])
def cancel_selected(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, enrollment_cancel, _("Cancel enrollments"))
