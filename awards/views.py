"""The standings, phase and award API: thin adapters over ``awards.scoring``
and ``awards.services``.

- ``GET /phases/{id}/`` and ``GET /phases/{id}/standings/``: a phase and its
  leaderboard, final (the current finalization's stored standings) once the
  phase is finalized, provisional (computed live) before;
- ``POST /phases/{id}/close|finalize|reopen/``: the phase lifecycle, for staff;
- ``/awards/``: the proposed awards and the council's and director's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from awards.models import Award, Finalization, Standing
from awards.permissions import require_leaderboard_access, require_perm
from awards.scoring import Boards, CompetitorStanding, LiveBoard, rule_clusters
from awards.selectors import board_quotas, current_finalization, default_rule, phase_rules, stored_quota_counts
from awards.serializers import (
    ApproveInSerializer,
    AwardSerializer,
    AwardTotalsSerializer,
    FinalizeAcceptedSerializer,
    PhaseSerializer,
    ReasonInSerializer,
    RequiredReasonSerializer,
    ReviewInSerializer,
    StandingsPageSerializer,
    StandingsQuerySerializer,
)
from awards.services import (
    award_approve,
    award_reject,
    award_review,
    award_revoke,
    phase_finalize_request,
    phase_reopen,
)
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota
from campaigns.services import phase_close
from core.workbooks import workbook_response
from enrollments.views import _ERROR as ERROR

# --- Leaderboards ---------------------------------------------------------------------


@dataclass
class _Leaderboard:
    rule: AwardRule
    cluster: Cluster | None
    finalization: Finalization | None


def _rule_from_query(phase: Phase, value: str | None) -> AwardRule:
    rules = phase_rules(phase)
    if not value:
        rule = default_rule(rules)
        if rule is None:
            raise exceptions.NotFound(_("No award rule ranks competitors in %(phase)s.") % {"phase": phase.name})
        return rule
    for rule in rules:
        if rule.code == value:
            return rule
    if value.isdigit():
        for rule in rules:
            if rule.pk == int(value):
                return rule
    message = _("%(rule)s is not an award rule ranking competitors in %(phase)s.") % {
        "rule": value,
        "phase": phase.name,
    }
    raise exceptions.ValidationError({"rule": [message]})


def _board_of(rule: AwardRule, phase: Phase, cluster_id: int | None) -> Cluster | None:
    """The cluster whose board is asked for; None for a rule ranking everyone together."""
    requested = None
    if cluster_id is not None:
        requested = Cluster.objects.filter(pk=cluster_id, campaign_id=phase.campaign_id).first()
        if requested is None:
            message = _("There is no cluster %(id)s in the campaign %(campaign)s.") % {
                "id": cluster_id,
                "campaign": phase.campaign.name,
            }
            raise exceptions.ValidationError({"cluster": [message]})
    if not rule.per_cluster:
        return None
    if rule.cluster_id:
        if requested is not None and requested.pk != rule.cluster_id:
            message = _("The rule %(rule)s ranks %(cluster)s only.") % {"rule": rule.code, "cluster": rule.cluster}
            raise exceptions.ValidationError({"cluster": [message]})
        return rule.cluster
    if not Cluster.objects.filter(campaign_id=phase.campaign_id).exists():
        return None
    if requested is None:
        message = _("Choose a cluster: the rule %(rule)s ranks each cluster on its own.") % {"rule": rule.code}
        raise exceptions.ValidationError({"cluster": [message]})
    return requested


def _live_row(row: CompetitorStanding) -> dict:
    return {
        "position": row.position,
        "rank": row.rank,
        "kind": row.kind,
        "id": row.competitor_id,
        "code": row.code,
        "name": row.name,
        "score": row.score,
        "target": row.target,
        "eligible": row.eligible,
        "reached_at": row.reached_at,
        "quota_counts": list(row.quota_counts),
    }


def _stored_row(row: Standing, keep: list[int] | None) -> dict:
    counts = stored_quota_counts(row)
    if keep is not None:
        counts = [counts[n] for n in keep]
    return {
        "position": row.position,
        "rank": row.rank,
        "kind": row.competitor_kind,
        "id": row.competitor_id,
        "code": row.competitor_code,
        "name": row.competitor_name,
        "score": row.score,
        "target": row.target,
        "eligible": row.eligible,
        "reached_at": row.reached_at,
        "quota_counts": counts,
    }


def _quota_brief(quota: Quota) -> dict:
    return {
        "id": quota.pk,
        "product": quota.product or None,
        "min_payment_months": quota.min_payment_months,
        "role": quota.role or None,
        "cluster": quota.cluster_id,
        "minimum": quota.minimum,
    }


class StandingsPagination(PageNumberPagination):
    page_size = 50


class AwardPagination(PageNumberPagination):
    """Pages of awards, with the totals of every award the filters select."""

    page_size = 50

    def get_paginated_response(self, data, totals=None):
        response = super().get_paginated_response(data)
        response.data["totals"] = totals
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["totals"] = {
            "type": "object",
            "description": "Totals of every award the filters select: count, amount (VND), by_status, active.",
            "properties": {
                "count": {"type": "integer"},
                "amount": {"type": "integer"},
                "by_status": {"type": "object", "additionalProperties": {"type": "object"}},
                "active": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        }
        return paginated


# --- Phases -------------------------------------------------------------------------

_PHASE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Phase id.")


class PhaseViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A phase, its leaderboard, and its lifecycle for staff."""

    serializer_class = PhaseSerializer
    queryset = Phase.objects.select_related("campaign")

    def _phase(self) -> Phase:
        phase = self.get_object()
        phase.current_finalization = Finalization.objects.filter(phase=phase, current=True).first()
        return phase

    def _answer(self, phase: Phase, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=phase.pk)
        fresh.current_finalization = Finalization.objects.filter(phase=fresh, current=True).first()
        return Response(PhaseSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(parameters=[_PHASE_ID], responses={200: PhaseSerializer, 403: ERROR, 404: ERROR})
    def retrieve(self, request, pk=None):
        """A phase: its status and the version of its current final standings."""
        phase = self._phase()
        require_leaderboard_access(request.user, phase.campaign)
        return Response(PhaseSerializer(phase, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            _PHASE_ID,
            StandingsQuerySerializer,
            OpenApiParameter("page", int, description="Page number (50 rows a page)."),
        ],
        responses={200: StandingsPageSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get"])
    def standings(self, request, pk=None):
        """The leaderboard of a phase: final once the phase is finalized, provisional before.

        Staff read every board; an organization's managers the boards of its agents'
        clusters; an agent taking part the board of their own cluster."""
        phase = self.get_object()
        access = require_leaderboard_access(request.user, phase.campaign)
        query = StandingsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rule = _rule_from_query(phase, query.validated_data.get("rule"))
        cluster = _board_of(rule, phase, query.validated_data.get("cluster"))
        if not access.allows(cluster.pk if cluster else None):
            raise exceptions.PermissionDenied(_("You may read the leaderboard of your own cluster only."))
        board = _Leaderboard(rule=rule, cluster=cluster, finalization=current_finalization(phase))
        paginator = StandingsPagination()
        if board.finalization is not None:
            quotas = board_quotas(rule=rule, phase=phase, boards=Boards(every=True))
            keep = [n for n, quota in enumerate(quotas) if quota.cluster_id in (None, getattr(cluster, "pk", None))]
            stored = Standing.objects.filter(finalization=board.finalization, rule=rule, cluster=cluster)
            page = paginator.paginate_queryset(stored.order_by("position"), request, view=self)
            # Stored counts follow the quotas as they were; if they changed since, show the counts as stored.
            consistent = all(len(stored_quota_counts(row)) == len(quotas) for row in page)
            rows = [_stored_row(row, keep if consistent else None) for row in page]
            quotas = [quotas[n] for n in keep] if consistent else []
        else:
            quotas = board_quotas(rule=rule, phase=phase, boards=Boards(cluster=cluster))
            try:
                expected = int(request.query_params.get(paginator.page_query_param, 1))
            except ValueError:
                expected = 1
            live = LiveBoard(rule=rule, phase=phase, cluster=cluster, page_size=paginator.page_size, page=expected)
            rows = [_live_row(row) for row in paginator.paginate_queryset(live, request, view=self)]
        body = {
            "campaign": {"code": phase.campaign.code, "name": phase.campaign.name},
            "phase": {"id": phase.pk, "number": phase.number, "name": phase.name, "status": phase.status},
            "rule": {
                "id": rule.pk,
                "code": rule.code,
                "name": rule.name,
                "competitor_kind": rule.competitor_kind,
                "metric": rule.metric,
                "selection": rule.selection,
                "per_cluster": rule.per_cluster,
            },
            "cluster": {"id": cluster.pk, "number": cluster.number, "name": cluster.name} if cluster else None,
            "final": board.finalization is not None,
            "version": board.finalization.version if board.finalization else None,
            "finalized_at": phase.finalized_at if board.finalization else None,
            "quotas": [_quota_brief(quota) for quota in quotas],
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": rows,
        }
        return Response(StandingsPageSerializer(body).data)

    @extend_schema(
        parameters=[_PHASE_ID],
        request=ReasonInSerializer,
        responses={200: PhaseSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Staff: close a phase by hand (early, or before the periodic task has run)."""
        require_perm(request.user, "campaigns.close_phase", _("You may not close phases."))
        phase = self.get_object()
        body = ReasonInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        phase_close(phase=phase, by=request.user, reason=body.validated_data["reason"])
        return self._answer(phase)

    @extend_schema(
        parameters=[_PHASE_ID],
        request=None,
        responses={202: FinalizeAcceptedSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def finalize(self, request, pk=None):
        """Staff: finalize a closed phase. Queued: read the phase at `status_url` until it is finalized."""
        require_perm(request.user, "campaigns.finalize_phase", _("You may not finalize phases."))
        phase = self.get_object()
        phase_finalize_request(phase=phase, by=request.user)
        url = reverse("api:phase-detail", args=[phase.pk], request=request)
        body = {"message": _("Finalizing has been queued."), "status_url": url, "phase": self._answer(phase).data}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @extend_schema(
        parameters=[_PHASE_ID],
        request=RequiredReasonSerializer,
        responses={200: PhaseSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Staff: reopen a finalized phase, with the reason, before any of its awards is approved."""
        require_perm(request.user, "campaigns.reopen_phase", _("You may not reopen phases."))
        phase = self.get_object()
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        phase_reopen(phase=phase, by=request.user, reason=body.validated_data["reason"])
        return self._answer(phase)


# --- Awards -------------------------------------------------------------------------


class AwardFilter(django_filters.FilterSet):
    phase = django_filters.NumberFilter(field_name="phase_id", label=gettext_lazy("phase"))
    campaign = django_filters.CharFilter(field_name="phase__campaign__code", label=gettext_lazy("campaign code"))
    status = django_filters.MultipleChoiceFilter(choices=Award.Status.choices, label=gettext_lazy("status"))
    rule = django_filters.CharFilter(method="filter_rule", label=gettext_lazy("award rule code or id"))
    cluster = django_filters.NumberFilter(field_name="cluster_id", label=gettext_lazy("cluster"))
    kind = django_filters.ChoiceFilter(
        field_name="competitor_kind", choices=CompetitorKind.choices, label=gettext_lazy("competitor kind")
    )

    class Meta:
        model = Award
        fields = []

    def filter_rule(self, queryset, name, value):
        match = Q(rule__code=value)
        if value.isdigit():
            match |= Q(rule_id=int(value))
        return queryset.filter(match)


def award_totals(awards) -> dict:
    """Count and amount of the awards selected, per status and for the active ones."""
    by_status = {value: {"count": 0, "amount": 0} for value in Award.Status.values}
    rows = awards.order_by().values("status").annotate(count=Count("pk"), amount=Sum("amount"))
    for row in rows:
        by_status[row["status"]] = {"count": row["count"], "amount": int(row["amount"] or 0)}
    active = [by_status[value] for value in Award.ACTIVE]
    return {
        "count": sum(item["count"] for item in by_status.values()),
        "amount": sum(item["amount"] for item in by_status.values()),
        "by_status": by_status,
        "active": {"count": sum(item["count"] for item in active), "amount": sum(item["amount"] for item in active)},
    }


_AWARD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Award id.")


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Awards proposed by finalizing, and their review, approval, rejection and revocation."""

    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    pagination_class = AwardPagination

    def get_queryset(self):
        return Award.objects.select_related(
            "phase__campaign", "rule", "cluster", "tier", "finalization", "standing"
        ).order_by(
            "phase__campaign_id",
            "phase__number",
            "rule__position",
            "rule__code",
            "cluster__number",
            "tier__position",
            "standing__position",
            "pk",
        )

    def _may_view(self):
        require_perm(self.request.user, "awards.view_award", _("You may not see awards."))

    def list(self, request):
        """Awards, filtered by phase, campaign, status, rule, cluster or competitor kind, with their totals."""
        self._may_view()
        awards = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(awards)
        data = AwardSerializer(page, many=True).data
        return self.paginator.get_paginated_response(data, totals=award_totals(awards))

    @extend_schema(parameters=[_AWARD_ID], responses={200: AwardSerializer, 403: ERROR, 404: ERROR})
    def retrieve(self, request, pk=None):
        """One award."""
        self._may_view()
        return Response(AwardSerializer(self.get_object()).data)

    @extend_schema(filters=True, responses={200: AwardTotalsSerializer, 400: ERROR, 403: ERROR})
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        """Count and amount of the awards the filters select (same filters as the list)."""
        self._may_view()
        return Response(award_totals(self.filter_queryset(self.get_queryset())))

    def _decide(self, request, perm: str, refusal: str, parser, service):
        require_perm(request.user, perm, refusal)
        award = self.get_object()
        body = parser(data=request.data)
        body.is_valid(raise_exception=True)
        service(award=award, by=request.user, **body.validated_data)
        return Response(AwardSerializer(self.get_queryset().get(pk=award.pk)).data)

    @extend_schema(
        parameters=[_AWARD_ID],
        request=ReviewInSerializer,
        responses={200: AwardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The council: the proposal is reviewed, with the reference of its minutes."""
        return self._decide(
            request, "awards.review_award", _("Only the council reviews awards."), ReviewInSerializer, award_review
        )

    @extend_schema(
        parameters=[_AWARD_ID],
        request=ApproveInSerializer,
        responses={200: AwardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The director approves a reviewed award with the decision's number and date."""
        return self._decide(
            request, "awards.approve_award", _("Only the director approves awards."), ApproveInSerializer, award_approve
        )

    @extend_schema(
        parameters=[_AWARD_ID],
        request=RequiredReasonSerializer,
        responses={200: AwardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The director rejects a proposed or reviewed award, with the reason."""
        return self._decide(
            request,
            "awards.approve_award",
            _("Only the director rejects awards."),
            RequiredReasonSerializer,
            award_reject,
        )

    @extend_schema(
        parameters=[_AWARD_ID],
        request=RequiredReasonSerializer,
        responses={200: AwardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke an approved award, with the reason."""
        return self._decide(
            request, "awards.revoke_award", _("You may not revoke awards."), RequiredReasonSerializer, award_revoke
        )


# --- Excel workbooks ----------------------------------------------------------------

_WORKBOOK = OpenApiResponse(OpenApiTypes.BINARY, description="An Excel workbook (.xlsx).")


class WorkbookView(APIView):
    """A download: the workbook whatever the client says it accepts; errors are JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class PhaseRankingWorkbookView(WorkbookView):
    @extend_schema(
        operation_id="phases_ranking_workbook",
        parameters=[
            OpenApiParameter(
                "rule", str, description="Award rule code or id (default: the first rule ranking agents)."
            ),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): _WORKBOOK,
            400: ERROR,
            403: ERROR,
            404: ERROR,
        },
    )
    def get(self, request, pk: int):
        """The ranking of a phase as an Excel workbook, a sheet per cluster: final once the
        phase is finalized, provisional before. Same access as the leaderboard: staff read
        every cluster; organization managers and agents the sheets of their own clusters."""
        from awards.workbooks import ranking_filename, write_ranking  # it reads this module's helpers

        phase = get_object_or_404(Phase.objects.select_related("campaign"), pk=pk)
        access = require_leaderboard_access(request.user, phase.campaign)
        rule = _rule_from_query(phase, request.query_params.get("rule"))
        if not any(access.allows(cluster.pk if cluster else None) for cluster in rule_clusters(rule)):
            raise exceptions.PermissionDenied(_("You may read the leaderboard of your own cluster only."))
        return workbook_response(
            lambda output: write_ranking(output, phase=phase, rule=rule, allows=access.allows),
            filename=ranking_filename(phase, rule),
        )


class AwardListWorkbookView(WorkbookView):
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
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): _WORKBOOK,
            400: ERROR,
            403: ERROR,
        },
    )
    def get(self, request):
        """Staff: the award list as an Excel workbook, each award followed by its nominations,
        with the totals per prize tier and overall. Filtered like `GET /awards/`."""
        from awards.workbooks import award_list_filename, write_award_list  # it reads this module's helpers

        require_perm(request.user, "awards.view_award", _("You may not see awards."))
        filters = AwardFilter(request.query_params, queryset=Award.objects.all(), request=request)
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        chosen = filters.form.cleaned_data
        phase = None
        if chosen.get("phase") is not None:
            phase = Phase.objects.select_related("campaign").filter(pk=int(chosen["phase"])).first()
        campaign = Campaign.objects.filter(code=chosen["campaign"]).first() if chosen.get("campaign") else None
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
