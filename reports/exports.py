"""The progress workbook as an export job, and who may read a campaign's progress
(staff: the campaigns within their reach, ``core.reach``).

Registered from ``ReportsConfig.ready()``. The same parameters, check and file
name serve the direct download (``reports.downloads``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards.permissions import PUBLISHED
from campaigns.exports import CampaignField, PhaseField, same_campaign
from campaigns.models import Campaign
from collectors.selectors import user_reach
from core.exports import ExportKind, register_export_kind
from core.reach import reach_allows
from reports.workbooks import write_progress


class ProgressParams(forms.Form):
    campaign = CampaignField(label=gettext_lazy("campaign code"))
    phase = PhaseField(label=gettext_lazy("phase"), required=False, min_value=1)
    on = forms.DateField(
        label=gettext_lazy("on (date)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("YYYY-MM-DD: the figures at the end of that day."),
    )

    def clean(self):
        cleaned = super().clean()
        same_campaign(self, phase=cleaned.get("phase"), campaign=cleaned.get("campaign"))
        return cleaned

    def stored(self) -> dict[str, Any]:
        phase = self.cleaned_data["phase"]
        stored = {"campaign": self.cleaned_data["campaign"].code, "phase": phase.pk if phase else None}
        if self.cleaned_data.get("on"):
            stored["on"] = self.cleaned_data["on"].isoformat()
        return stored


def progress_scope(user, campaign: Campaign) -> list[int] | None:
    """What of ``campaign``'s progress ``user`` may read: None for everything
    (staff who may view campaigns, of a campaign within their reach), else the
    ids of the organizations they manage (only their rows, of a running or
    closed campaign). Raises PermissionDenied for anyone else."""
    if user.is_authenticated and user.has_perm("campaigns.view_campaign") and reach_allows(campaign, user_reach(user)):
        return None
    if user.is_authenticated and campaign.status in PUBLISHED:
        organization_ids = sorted(user.managed_organizations.values_list("pk", flat=True))
        if organization_ids:
            return organization_ids
    raise PermissionDenied(_("You may not read this campaign's progress."))


def _check_progress(user, form: ProgressParams) -> None:
    progress_scope(user, form.cleaned_data["campaign"])


def _write_progress(output, form: ProgressParams, user) -> int:
    campaign = form.cleaned_data["campaign"]
    return write_progress(
        output,
        campaign=campaign,
        phase=form.cleaned_data["phase"],
        organization_ids=progress_scope(user, campaign),
        on=form.cleaned_data.get("on"),
    )


def progress_filename(form: ProgressParams) -> str:
    phase = form.cleaned_data["phase"]
    scope = phase.name if phase else "toàn phong trào"
    return f"Tiến độ {form.cleaned_data['campaign'].code} {scope} {timezone.localtime():%d-%m-%Y %Hh%M}.xlsx"


PROGRESS = register_export_kind(
    ExportKind(
        name="progress",
        label=gettext_lazy("Progress against plan"),
        params=ProgressParams,
        check=_check_progress,
        full_access="campaigns.view_campaign",
        write=_write_progress,
        filename=progress_filename,
        params_help="`campaign` (code), `phase` (id, optional), `on` (YYYY-MM-DD, optional)",
    )
)
