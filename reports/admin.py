"""The campaign admin's progress workbook action.

The campaigns app registers campaigns; reading their progress belongs to this
app, which adds the action to that admin."""

from __future__ import annotations

import io
import zipfile

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from campaigns.admin import CampaignAdmin as CampaignsCampaignAdmin
from campaigns.models import Campaign
from core.workbooks import attachment_header, workbook_response
from reports.workbooks import write_progress


@admin.action(description=gettext_lazy("Progress workbook (Excel)"), permissions=["view"])
def download_progress(modeladmin, request: HttpRequest, queryset) -> HttpResponse:
    """The whole-campaign progress workbook; several campaigns come as a ZIP of workbooks."""
    campaigns: list[Campaign] = list(queryset.order_by("code"))
    if len(campaigns) == 1:
        return workbook_response(
            lambda output: write_progress(output, campaign=campaigns[0]),
            filename=f"Tiến độ {campaigns[0].code}.xlsx",
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for campaign in campaigns:
            workbook = io.BytesIO()  # aggregated figures: a few hundred rows each
            write_progress(workbook, campaign=campaign)
            archive.writestr(f"Tiến độ {campaign.code}.xlsx", workbook.getvalue())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = attachment_header("Tiến độ.zip")
    return response


admin.site.unregister(Campaign)


@admin.register(Campaign)
class CampaignAdmin(CampaignsCampaignAdmin):
    actions = [*CampaignsCampaignAdmin.actions, download_progress]
