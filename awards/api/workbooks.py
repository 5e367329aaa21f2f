"""The Excel downloads: a phase's ranking (``awards.workbooks.write_ranking``)
and the award list (``awards.workbooks.write_award_list``). The workbook is
served whatever the client says it accepts; errors are JSON. Staff download
those of the campaigns within their reach (``core.reach``): another campaign's
phase or awards are not found."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.views import APIView

from awards.api.awards import AwardFilter
from awards.api.phases import resolve_board
from awards.models import Award
from awards.permissions import require_leaderboard_access, require_perm
from awards.workbooks import award_list_filename, ranking_filename, write_award_list, write_ranking
from campaigns.models import Campaign, CompetitorKind, Phase
from core.api import ErrorSerializer as ERROR
from core.reach import reach_allows, reach_filter, reach_of
from core.workbooks import workbook_response

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKBOOK = OpenApiResponse(OpenApiTypes.BINARY, description="An Excel workbook (.xlsx).")


class WorkbookView(APIView):
    """A download: the workbook whatever the client says it accepts; errors are JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class PhaseRankingWorkbookView(WorkbookView):
    reach_scope = "reach"

    @extend_schema(
        operation_id="phases_ranking_workbook",
        parameters=[
            OpenApiParameter(
                "rule", str, description="Award rule code or id (default: the first rule ranking agents)."
            ),
        ],
        responses={(200, _XLSX): _WORKBOOK, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, pk: int):
        """The ranking of a phase as an Excel workbook, a sheet per cluster: final once the
        phase is finalized, provisional before. Same access as the leaderboard: staff read
        every cluster; organization managers and agents the sheets of their own clusters."""
        phases = Phase.objects.select_related("campaign")
        if request.user.has_perm("campaigns.view_phase"):
            phases = reach_filter(phases, reach_of(request.user))  # staff: another office's phase is not found
        phase = get_object_or_404(phases, pk=pk)
        access = require_leaderboard_access(request.user, phase.campaign)
        rule = resolve_board(phase, access, rule=request.query_params.get("rule"), first_allowed=True).rule
        return workbook_response(
            lambda output: write_ranking(output, phase=phase, rule=rule, allows=access.allows),
            filename=ranking_filename(phase, rule),
        )


class AwardListWorkbookView(WorkbookView):
    reach_scope = "reach"
    filterset_class = AwardFilter

    @extend_schema(
        operation_id="awards_export_workbook",
        parameters=[
            OpenApiParameter("phase", int, description="Phase id."),
            OpenApiParameter("campaign", str, description="Campaign code."),
            OpenApiParameter(
                "status",
                str,
                many=True,
                enum=Award.Status.values,
                description="Statuses to list (repeat for several); default: proposed, reviewed and approved.",
            ),
            OpenApiParameter("rule", str, description="Award rule code or id."),
            OpenApiParameter("cluster", int, description="Cluster id."),
            OpenApiParameter("kind", str, enum=CompetitorKind.values, description="Competitor kind."),
        ],
        responses={(200, _XLSX): _WORKBOOK, 400: ERROR, 403: ERROR},
    )
    def get(self, request):
        """Staff: the award list as an Excel workbook, each award followed by its nominations,
        with the totals per prize tier and overall. Filtered like `GET /awards/`."""
        require_perm(request.user, "awards.view_award", _("You may not see awards."))
        reach = reach_of(request.user)
        filters = AwardFilter(request.query_params, queryset=reach_filter(Award.objects.all(), reach), request=request)
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        chosen = filters.form.cleaned_data
        phase = None
        if chosen.get("phase") is not None:
            phase = Phase.objects.select_related("campaign").filter(pk=int(chosen["phase"])).first()
        campaign = Campaign.objects.filter(code=chosen["campaign"]).first() if chosen.get("campaign") else None
        if any(chosen_one is not None and not reach_allows(chosen_one, reach) for chosen_one in (phase, campaign)):
            raise exceptions.NotFound()
        return workbook_response(
            lambda output: write_award_list(
                output,
                awards=filters.qs,
                phase=phase,
                campaign=campaign,
                statuses=list(chosen.get("status") or Award.ACTIVE),
            ),
            filename=award_list_filename(phase=phase, campaign=campaign),
        )
