"""The awards finalizing proposes, and the council's and director's decisions.

- ``GET /awards/`` (filtered, with the totals of every award the filters
  select) and ``GET /awards/{id}/``; ``GET /awards/totals/``;
- ``POST /awards/{id}/review|approve|reject|revoke/``, through the services.

Staff see and decide the awards of the campaigns of their offices (``core.reach``):
any other award is not found (404), and the services check the reach again.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from awards.models import Award, Nomination
from awards.permissions import require_perm
from awards.selectors import AWARD_LIST_ORDER, award_totals
from awards.serializers import (
    ApproveInSerializer,
    AwardSerializer,
    AwardTotalsSerializer,
    RequiredReasonSerializer,
    ReviewInSerializer,
)
from awards.services import award_approve, award_reject, award_review, award_revoke
from campaigns.models import CompetitorKind
from core.api import ErrorSerializer as ERROR
from core.listing import IntegerFilter, Pagination
from core.reach import reach_filter, reach_of


class AwardFilter(django_filters.FilterSet):
    """The awards listed, totalled and exported: by phase, campaign, status, rule, cluster or competitor kind."""

    phase = IntegerFilter(field_name="phase_id", label=gettext_lazy("phase"))
    campaign = django_filters.CharFilter(field_name="phase__campaign__code", label=gettext_lazy("campaign code"))
    status = django_filters.MultipleChoiceFilter(choices=Award.Status.choices, label=gettext_lazy("status"))
    rule = django_filters.CharFilter(method="filter_rule", label=gettext_lazy("award rule code or id"))
    cluster = IntegerFilter(field_name="cluster_id", label=gettext_lazy("cluster"))
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


def _totals(awards) -> dict:
    return AwardTotalsSerializer(award_totals(awards)).data


class AwardPagination(Pagination):
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
            "description": "Totals of every award the filters select: count, amount (VND), by_status, active; "
            "estimate: whether the amounts include salary-based prizes not decided yet, at today's base salary.",
            "properties": {
                "count": {"type": "integer"},
                "amount": {"type": "integer"},
                "by_status": {"type": "object", "additionalProperties": {"type": "object"}},
                "active": {"type": "object", "additionalProperties": {"type": "integer"}},
                "estimate": {"type": "boolean"},
            },
        }
        return paginated


_AWARD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Award id.")


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Awards proposed by finalizing, and their review, approval, rejection and revocation."""

    reach_scope = "reach"
    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    pagination_class = AwardPagination

    def get_queryset(self):
        awards = Award.objects.select_related(
            "phase__campaign", "rule", "cluster", "tier", "finalization", "standing"
        ).prefetch_related(Prefetch("nominations", queryset=Nomination.objects.order_by("pk")))
        return reach_filter(awards, reach_of(self.request.user)).order_by(*AWARD_LIST_ORDER)

    def _may_view(self):
        require_perm(self.request.user, "awards.view_award", _("You may not see awards."))

    def list(self, request):
        """Awards, filtered by phase, campaign, status, rule, cluster or competitor kind, with their totals."""
        self._may_view()
        awards = self.filter_queryset(self.get_queryset())
        data = AwardSerializer(self.paginate_queryset(awards), many=True).data
        return self.paginator.get_paginated_response(data, totals=_totals(awards))

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
        return Response(_totals(self.filter_queryset(self.get_queryset())))

    def _decide(self, request, perm: str, refusal: str, parser, service):
        require_perm(request.user, perm, refusal)
        award = self.get_object()
        body = parser(data=request.data)
        body.is_valid(raise_exception=True)
        service(award=award, by=request.user, reach=reach_of(request.user), **body.validated_data)
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
