"""Admin actions for the phase lifecycle and the awards workflow.

Each goes through the services (row locks, state checks, history rows) with
the user's reach (``core.reach``): the selection comes from the admin's
reach-scoped list, and the services check it again. An action that needs more
than a click (a reason, minutes, a decision number) asks for it on an
intermediate page first. Finalizing is queued as a Celery task once the
request's transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from awards.nominations import nomination_approve, nomination_reject, nomination_review
from awards.services import (
    award_approve,
    award_reject,
    award_review,
    award_revoke,
    phase_finalize_request,
    phase_reopen,
)
from campaigns.services import phase_close
from core.admin_actions import ReasonForm, apply_each, ask_then_apply
from core.errors import InvalidTransition
from core.reach import OutOfReach, reach_of


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Council minutes reference"), max_length=100)


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=100)
    decision_date = forms.DateField(label=_("Decision date"), widget=forms.DateInput(attrs={"type": "date"}))


REFUSED = (InvalidTransition, OutOfReach)


def _apply(modeladmin, request, queryset, act: Callable[[object], object]) -> None:
    apply_each(modeladmin, request, queryset, act, refused=REFUSED)


def _ask(modeladmin, request, queryset, form_class, title, act: Callable[[object, dict], object]):
    return ask_then_apply(modeladmin, request, queryset, form_class, title, act, refused=REFUSED)


# --- Phases -------------------------------------------------------------------------


def close_phases(modeladmin, request, queryset):
    reach = reach_of(request.user)
    _apply(modeladmin, request, queryset, lambda phase: phase_close(phase=phase, by=request.user, reach=reach))


close_phases.short_description = _("Close the selected phases")
close_phases.allowed_permissions = ["close"]


def _finalizing_queued(count: int) -> str:
    return ngettext(
        "Finalizing %(n)d phase: the final standings and proposed awards appear when it is done.",
        "Finalizing %(n)d phases: the final standings and proposed awards appear when they are done.",
        count,
    ) % {"n": count}


def finalize_phases(modeladmin, request, queryset):
    reach = reach_of(request.user)
    apply_each(
        modeladmin,
        request,
        queryset,
        lambda phase: phase_finalize_request(phase=phase, by=request.user, reach=reach),
        refused=REFUSED,
        done=_finalizing_queued,
    )


finalize_phases.short_description = _("Finalize the selected phases (final standings and proposed awards)")
finalize_phases.allowed_permissions = ["finalize"]


def reopen_phases(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        ReasonForm,
        _("Reopen phases"),
        lambda phase, data: phase_reopen(
            phase=phase, by=request.user, reason=data["reason"], reach=reach_of(request.user)
        ),
    )


reopen_phases.short_description = _("Reopen the selected phases…")
reopen_phases.allowed_permissions = ["reopen"]

PHASE_ACTIONS = [close_phases, finalize_phases, reopen_phases]


# --- Awards -------------------------------------------------------------------------


def review_awards(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        MinutesForm,
        _("Council review"),
        lambda award, data: award_review(
            award=award, by=request.user, minutes=data["minutes"], reach=reach_of(request.user)
        ),
    )


review_awards.short_description = _("Mark the selected awards as reviewed by the council…")
review_awards.allowed_permissions = ["review"]


def approve_awards(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        DecisionForm,
        _("Director's decision"),
        lambda award, data: award_approve(award=award, by=request.user, reach=reach_of(request.user), **data),
    )


approve_awards.short_description = _("Approve the selected awards (decision)…")
approve_awards.allowed_permissions = ["approve"]


def reject_awards(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        ReasonForm,
        _("Reject awards"),
        lambda award, data: award_reject(
            award=award, by=request.user, reason=data["reason"], reach=reach_of(request.user)
        ),
    )


reject_awards.short_description = _("Reject the selected awards…")
reject_awards.allowed_permissions = ["approve"]


def revoke_awards(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        ReasonForm,
        _("Revoke awards"),
        lambda award, data: award_revoke(
            award=award, by=request.user, reason=data["reason"], reach=reach_of(request.user)
        ),
    )


revoke_awards.short_description = _("Revoke the selected awards…")
revoke_awards.allowed_permissions = ["revoke"]

AWARD_ACTIONS = [review_awards, approve_awards, reject_awards, revoke_awards]


# --- Nominations --------------------------------------------------------------------


def review_nominations(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        MinutesForm,
        _("Council review"),
        lambda nomination, data: nomination_review(
            nomination=nomination, by=request.user, minutes=data["minutes"], reach=reach_of(request.user)
        ),
    )


review_nominations.short_description = _("Mark the selected nominations as reviewed by the council…")
review_nominations.allowed_permissions = ["review"]


def approve_nominations(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        DecisionForm,
        _("Director's decision"),
        lambda nomination, data: nomination_approve(
            nomination=nomination, by=request.user, reach=reach_of(request.user), **data
        ),
    )


approve_nominations.short_description = _("Approve the selected nominations (decision)…")
approve_nominations.allowed_permissions = ["approve"]


def reject_nominations(modeladmin, request, queryset):
    return _ask(
        modeladmin,
        request,
        queryset,
        ReasonForm,
        _("Reject nominations"),
        lambda nomination, data: nomination_reject(
            nomination=nomination, by=request.user, reason=data["reason"], reach=reach_of(request.user)
        ),
    )


reject_nominations.short_description = _("Reject the selected nominations…")
reject_nominations.allowed_permissions = ["approve"]

NOMINATION_ACTIONS = [review_nominations, approve_nominations, reject_nominations]
