"""Admin actions for the phase lifecycle and the awards workflow.

Each goes through the services (row locks, state checks, history rows) with
the user's reach (``core.reach``): the selection comes from the admin's
reach-scoped list, and the services check it again. An action that needs more
than a click (a reason, minutes, a decision number) asks for it on an
intermediate page first; closing asks for a confirmation, and for the reason
when a phase would close before its cutoff. Finalizing is queued as a Celery
task once the request's transaction commits. The actions that apply to one
phase or award also show as buttons on its change page (``PHASE_BUTTONS``,
``AWARD_BUTTONS``), which run these very actions.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from awards.models import Award
from awards.nominations import nomination_approve, nomination_reject, nomination_review
from awards.services import (
    award_approve,
    award_reject,
    award_review,
    award_revoke,
    phase_finalize_request,
    phase_reopen,
)
from campaigns.models import Phase
from campaigns.services import phase_close, phase_closes_early
from core.admin_actions import ObjectAction, ReasonForm, apply_each, ask_then_apply
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


def _ask(modeladmin, request, queryset, form_class, title, act: Callable[[object, dict], object], notes=None):
    return ask_then_apply(modeladmin, request, queryset, form_class, title, act, refused=REFUSED, notes=notes)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


# --- Phases -------------------------------------------------------------------------


def close_phases(modeladmin, request, queryset):
    """Confirm first; a phase closing before its cutoff needs the reason, kept in its history."""
    reach = reach_of(request.user)
    now = timezone.now()
    early = [phase for phase in queryset.select_related("campaign") if phase_closes_early(phase, now=now)]
    notes = [
        _("%(phase)s ends on %(cutoff)s: closing it now stops submissions %(days)s days early.")
        % {
            "phase": phase,
            "cutoff": date_format(phase.cutoff.astimezone(phase.campaign.tzinfo), "d/m/Y H:i"),
            "days": (phase.cutoff - now).days,
        }
        for phase in early
    ]
    return _ask(
        modeladmin,
        request,
        queryset,
        ReasonForm if early else OptionalReasonForm,
        _("Close phases"),
        lambda phase, data: phase_close(phase=phase, by=request.user, reason=data["reason"], reach=reach, now=now),
        notes=notes,
    )


close_phases.short_description = _("Close the selected phases…")
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

PHASE_BUTTONS = (
    ObjectAction("close_phases", _("Close"), lambda phase: phase.status in (Phase.Status.SCHEDULED, Phase.Status.OPEN)),
    ObjectAction("finalize_phases", _("Finalize"), lambda phase: phase.status == Phase.Status.CLOSED),
    ObjectAction(
        "reopen_phases", _("Reopen"), lambda phase: phase.status in (Phase.Status.CLOSED, Phase.Status.FINALIZED)
    ),
)


# --- Awards and nominations --------------------------------------------------------
# Both go proposed → reviewed by the council → approved by the director (or rejected); each
# action asks for what its service needs and calls it with the user's reach.

_MINUTES = (MinutesForm, lambda data: {"minutes": data["minutes"]})
_DECISION = (DecisionForm, lambda data: data)
_REASON = (ReasonForm, lambda data: {"reason": data["reason"]})


def _decision_action(name: str, service, subject: str, asks, title, description, permission: str):
    """An admin action ``name`` asking for ``asks`` (a form and what of it the service takes), then
    calling ``service(<subject>=record, by=…, reach=…, …)`` on each selected record."""
    form_class, taken = asks

    def action(modeladmin, request, queryset):
        reach = reach_of(request.user)
        return _ask(
            modeladmin,
            request,
            queryset,
            form_class,
            title,
            lambda record, data: service(**{subject: record}, by=request.user, reach=reach, **taken(data)),
        )

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = [permission]
    return action


review_awards = _decision_action(
    "review_awards",
    award_review,
    "award",
    _MINUTES,
    _("Council review"),
    _("Mark the selected awards as reviewed by the council…"),
    "review",
)
approve_awards = _decision_action(
    "approve_awards",
    award_approve,
    "award",
    _DECISION,
    _("Director's decision"),
    _("Approve the selected awards (decision)…"),
    "approve",
)
reject_awards = _decision_action(
    "reject_awards", award_reject, "award", _REASON, _("Reject awards"), _("Reject the selected awards…"), "approve"
)
revoke_awards = _decision_action(
    "revoke_awards", award_revoke, "award", _REASON, _("Revoke awards"), _("Revoke the selected awards…"), "revoke"
)
AWARD_ACTIONS = [review_awards, approve_awards, reject_awards, revoke_awards]

review_nominations = _decision_action(
    "review_nominations",
    nomination_review,
    "nomination",
    _MINUTES,
    _("Council review"),
    _("Mark the selected nominations as reviewed by the council…"),
    "review",
)
approve_nominations = _decision_action(
    "approve_nominations",
    nomination_approve,
    "nomination",
    _DECISION,
    _("Director's decision"),
    _("Approve the selected nominations (decision)…"),
    "approve",
)
reject_nominations = _decision_action(
    "reject_nominations",
    nomination_reject,
    "nomination",
    _REASON,
    _("Reject nominations"),
    _("Reject the selected nominations…"),
    "approve",
)
NOMINATION_ACTIONS = [review_nominations, approve_nominations, reject_nominations]


AWARD_BUTTONS = (
    ObjectAction("review_awards", _("Council review"), lambda award: award.status == Award.Status.PROPOSED),
    ObjectAction("approve_awards", _("Approve"), lambda award: award.status == Award.Status.REVIEWED),
    ObjectAction(
        "reject_awards", _("Reject"), lambda award: award.status in (Award.Status.PROPOSED, Award.Status.REVIEWED)
    ),
    ObjectAction("revoke_awards", _("Revoke"), lambda award: award.status == Award.Status.APPROVED),
)
