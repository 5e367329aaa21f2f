"""Admin action starting campaigns (draft → running), after the report of what
their set-up lacks or what looks inconsistent (``campaign_setup_report``), on an
intermediate page; also a button on a draft campaign's change page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.selectors import campaign_setup_report
from campaigns.services import campaign_start
from core.admin_actions import ObjectAction, ask_then_apply
from core.errors import InvalidTransition
from core.reach import OutOfReach, reach_of


class StartForm(forms.Form):
    """Nothing to fill in: applying the page is the confirmation."""


def _report_lines(campaign: Campaign) -> list[str]:
    report = campaign_setup_report(campaign)
    if campaign.status != Campaign.Status.DRAFT:
        return [_("%(campaign)s is not a draft: it is not started again.") % {"campaign": campaign.name}]
    lines = [
        _("%(campaign)s cannot start: %(problem)s") % {"campaign": campaign.name, "problem": problem}
        for problem in report.blocking
    ]
    lines += [
        _("%(campaign)s: %(warning)s") % {"campaign": campaign.name, "warning": warning} for warning in report.warnings
    ]
    if not lines:
        lines.append(_("%(campaign)s is ready to start.") % {"campaign": campaign.name})
    return lines


def start_campaigns(modeladmin, request, queryset):
    reach = reach_of(request.user)
    notes = [line for campaign in queryset.order_by("code") for line in _report_lines(campaign)]
    return ask_then_apply(
        modeladmin,
        request,
        queryset,
        StartForm,
        _("Start campaigns"),
        lambda campaign, data: campaign_start(campaign=campaign, by=request.user, reach=reach),
        refused=(InvalidTransition, OutOfReach),
        notes=notes,
    )


start_campaigns.short_description = _("Start the selected campaigns (draft → running)…")
start_campaigns.allowed_permissions = ["change"]

CAMPAIGN_BUTTONS = (
    ObjectAction("start_campaigns", _("Start"), lambda campaign: campaign.status == Campaign.Status.DRAFT),
)
