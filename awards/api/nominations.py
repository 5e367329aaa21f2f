"""Nominations: individuals under a winning unit's award and people or bodies
from outside the sector (``awards.nominations``).

- ``GET /nominations/`` (filtered by campaign, phase, status, award, outside
  the sector) and ``GET /nominations/{id}/``;
- ``POST /nominations/``: propose one; the tier's distinction and amount apply
  unless given;
- ``POST /nominations/{id}/review|approve|reject/``: the council's and the
  director's decisions, through the services.

Staff see and act on the nominations of the campaigns of their offices
(``core.reach``): any other nomination is not found (404); an award, campaign,
phase or tier out of reach is not one a nomination may name (400).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from awards.models import Nomination
from awards.nominations import (
    nomination_add,
    nomination_approve,
    nomination_outside,
    nomination_reject,
    nomination_review,
)
from awards.permissions import require_perm
from awards.serializers import (
    ApproveInSerializer,
    NominationInSerializer,
    NominationSerializer,
    RequiredReasonSerializer,
    ReviewInSerializer,
)
from core.api import ErrorSerializer as ERROR
from core.reach import reach_filter, reach_of


class NominationFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__code", label=gettext_lazy("campaign code"))
    phase = django_filters.NumberFilter(field_name="phase_id", label=gettext_lazy("phase"))
    award = django_filters.NumberFilter(field_name="award_id", label=gettext_lazy("award"))
    status = django_filters.MultipleChoiceFilter(choices=Nomination.Status.choices, label=gettext_lazy("status"))
    outside_sector = django_filters.BooleanFilter(label=gettext_lazy("outside the sector"))

    class Meta:
        model = Nomination
        fields = []


_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Nomination id.")
_DECIDED = {200: NominationSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


class NominationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Nominations under units' awards and from outside the sector, and their review, approval and rejection."""

    reach_scope = "reach"
    serializer_class = NominationSerializer
    filterset_class = NominationFilter

    def get_queryset(self):
        nominations = Nomination.objects.select_related("campaign", "phase", "tier", "proposed_by_unit")
        return reach_filter(nominations, reach_of(self.request.user)).order_by("campaign_id", "phase_id", "pk")

    def list(self, request, *args, **kwargs):
        """Nominations, filtered by campaign, phase, award, status or outside the sector."""
        require_perm(request.user, "awards.view_nomination", _("You may not see nominations."))
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[_ID], responses={200: NominationSerializer, 403: ERROR, 404: ERROR})
    def retrieve(self, request, *args, **kwargs):
        """One nomination."""
        require_perm(request.user, "awards.view_nomination", _("You may not see nominations."))
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=NominationInSerializer, responses={201: NominationSerializer, 400: ERROR, 403: ERROR})
    def create(self, request, *args, **kwargs):
        """Nominate an individual under a unit's award (``award``), or a person or body from outside the
        sector (``campaign``, optionally ``phase`` and ``tier``)."""
        require_perm(request.user, "awards.add_nomination", _("You may not nominate."))
        reach = reach_of(request.user)
        body = NominationInSerializer(data=request.data, context={"reach": reach})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        award, campaign = data.pop("award", None), data.pop("campaign", None)
        if award is not None:
            for outside_only in ("phase", "tier", "proposed_by_unit"):
                data.pop(outside_only, None)
            nomination = nomination_add(award=award, by=request.user, reach=reach, **data)
        else:
            nomination = nomination_outside(campaign=campaign, by=request.user, reach=reach, **data)
        created = self.get_queryset().get(pk=nomination.pk)
        return Response(NominationSerializer(created).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, perm: str, refusal: str, parser, service):
        require_perm(request.user, perm, refusal)
        nomination = self.get_object()
        body = parser(data=request.data)
        body.is_valid(raise_exception=True)
        service(nomination=nomination, by=request.user, reach=reach_of(request.user), **body.validated_data)
        return Response(NominationSerializer(self.get_queryset().get(pk=nomination.pk)).data)

    @extend_schema(parameters=[_ID], request=ReviewInSerializer, responses=_DECIDED)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The council: the nomination is reviewed, with the reference of its minutes."""
        return self._decide(
            request,
            "awards.review_award",
            _("Only the council reviews nominations."),
            ReviewInSerializer,
            nomination_review,
        )

    @extend_schema(parameters=[_ID], request=ApproveInSerializer, responses=_DECIDED)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The director approves a reviewed nomination with the decision's number and date."""
        return self._decide(
            request,
            "awards.approve_award",
            _("Only the director approves nominations."),
            ApproveInSerializer,
            nomination_approve,
        )

    @extend_schema(parameters=[_ID], request=RequiredReasonSerializer, responses=_DECIDED)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The director rejects a proposed or reviewed nomination, with the reason."""
        return self._decide(
            request,
            "awards.approve_award",
            _("Only the director rejects nominations."),
            RequiredReasonSerializer,
            nomination_reject,
        )
