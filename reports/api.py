"""The agent's own progress in the campaigns they take part in, and a campaign's
progress against plan."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from core.conditional import ConditionalGetMixin
from core.exports import export_params
from core.views import ERROR
from enrollments.selectors import agent_of
from reports.agent_progress import agent_progress
from reports.exports import PROGRESS, progress_scope
from reports.progress import Figure, progress_against_plan
from reports.scope import Scope
from reports.serializers import CampaignProgressSerializer, MyProgressSerializer


class MyProgressView(ConditionalGetMixin, APIView):
    """Per running or closed campaign the caller takes part in, and per phase:
    what counts so far, each quota and what remains, the caller's place on the
    leaderboard of the first agent rule ranking them (final once the phase is
    finalized, provisional before) and their award for the phase, if any.

    The answer carries an `ETag`: sent back in `If-None-Match`, it gets an empty
    `304 Not Modified` while the progress is unchanged."""

    reach_scope = "own"  # the calling agent's own progress

    @extend_schema(responses={200: MyProgressSerializer, 304: None})
    def get(self, request):
        agent = agent_of(request.user)
        if agent is None:
            raise exceptions.PermissionDenied()
        # The same reader as the agent's page: both show the same figures.
        progress = {"agent": agent, "campaigns": agent_progress(agent=agent)}
        return Response(MyProgressSerializer(progress).data)


def _figure(figure: Figure, products: list[str]) -> dict:
    return {
        "counted": figure.counted,
        "plan": figure.plan,
        "percent": figure.percent_of(),
        "by_product": [
            {
                "product": product,
                "counted": figure.count(product),
                "plan": figure.plan_of(product),
                "percent": figure.percent_of(product),
            }
            for product in products
        ],
    }


class CampaignProgressView(APIView):
    """New participants counted against plan in a campaign (in all and per
    cluster), and the people covered on a day against the plan of people covered.
    The same reader as the progress workbook and the overview page. Staff read the
    campaigns within their reach; an organization's manager their organizations'
    numbers (without the people covered)."""

    reach_scope = "reach"  # progress_scope: staff within their reach, managers their organizations

    @extend_schema(
        parameters=[
            OpenApiParameter("phase", int, description="A phase id; without it, the whole campaign."),
            OpenApiParameter(
                "on", OpenApiTypes.DATE, description="YYYY-MM-DD: the figures at the end of that day; without it, now."
            ),
        ],
        responses={200: CampaignProgressSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, code):
        campaign = get_object_or_404(Campaign, code=code)
        params = {"campaign": campaign.code}
        for name in ("phase", "on"):
            if request.query_params.get(name):
                params[name] = request.query_params[name]
        form = export_params(kind=PROGRESS.name, params=params)
        organization_ids = progress_scope(request.user, campaign)
        scope = Scope(everything=True) if organization_ids is None else Scope(organization_ids=tuple(organization_ids))
        phase, on = form.cleaned_data["phase"], form.cleaned_data["on"]
        progress = progress_against_plan(campaign=campaign, phase=phase, scope=scope, on=on)
        products = progress.products
        clusters = [
            {
                "id": getattr(row.subject, "pk", None),
                "name": row.label,
                "figure": _figure(row.total, products),
            }
            for row in progress.by_cluster
        ]
        body = {
            "campaign": campaign.code,
            "phase": phase.pk if phase else None,
            "on": on,
            "total": _figure(progress.total.total, products),
            "clusters": clusters,
            "covered_on": progress.as_of,
            "covered": _figure(progress.stock, products) if progress.stock is not None else None,
        }
        return Response(CampaignProgressSerializer(body).data)
