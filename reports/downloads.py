"""``GET /campaigns/{code}/progress.xlsx?phase=&on=``: the progress workbook, built
inline (it is aggregated: a few hundred rows at national scale). Its
parameters, check and file name are the progress export job's."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from campaigns.models import Campaign
from core.exports import export_params
from core.views import ERROR, XLSX, XLSX_FILE, FileDownloadMixin
from core.workbooks import workbook_response
from reports.exports import PROGRESS, progress_scope
from reports.workbooks import write_progress


class ProgressWorkbookView(FileDownloadMixin, APIView):
    reach_scope = "reach"  # progress_scope: staff within their reach, managers their organizations

    @extend_schema(
        parameters=[
            OpenApiParameter("phase", int, description="A phase id; without it, the whole campaign."),
            OpenApiParameter(
                "on", OpenApiTypes.DATE, description="YYYY-MM-DD: the figures at the end of that day; without it, now."
            ),
        ],
        responses={(200, XLSX): XLSX_FILE, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, code):
        """The campaign's progress against plan. Staff read every sheet; an
        organization's manager only the organization sheet with their own organizations."""
        campaign = get_object_or_404(Campaign, code=code)
        params = {"campaign": campaign.code}
        for name in ("phase", "on"):
            if request.query_params.get(name):
                params[name] = request.query_params[name]
        form = export_params(kind=PROGRESS.name, params=params)
        organization_ids = progress_scope(request.user, campaign)
        return workbook_response(
            lambda output: write_progress(
                output,
                campaign=campaign,
                phase=form.cleaned_data["phase"],
                organization_ids=organization_ids,
                on=form.cleaned_data["on"],
            ),
            filename=PROGRESS.filename(form),
        )
