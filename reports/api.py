"""The agent's own progress in the campaigns they take part in."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from awards.scoring import rule_applies
from awards.selectors import agent_standing
from campaigns.models import AwardRule, Phase, Quota
from campaigns.selectors import agent_participations
from enrollments.models import Enrollment
from enrollments.selectors import agent_of


def _quota_applies(quota: Quota, agent, phase: Phase, cluster_id: int) -> bool:
    return (
        quota.competitor_kind == "agent"
        and quota.phase_id in (None, phase.pk)
        and quota.cluster_id in (None, cluster_id)
        and quota.role in ("", agent.role)
    )


class MyProgressView(APIView):
    """Per running campaign and phase: what counts so far, each quota and what
    remains, and the agent's place on the leaderboard of the first agent rule
    ranking them (final once the phase is finalized, provisional before)."""

    @extend_schema(
        responses=inline_serializer(
            "Progress",
            fields={
                "agent": serializers.CharField(),
                "campaigns": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request):
        agent = agent_of(request.user)
        if agent is None:
            raise exceptions.PermissionDenied()
        participations = agent_participations(agent=agent)
        phase_ids = [phase.pk for p in participations for phase in p.phases]
        tallies: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        rows = (
            Enrollment.objects.filter(agent=agent, phase_id__in=phase_ids, counted=True)
            .filter(Q(status="submitted") | Q(status="confirmed"))
            .values_list("phase_id", "product", "payment_months")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for phase_id, product, months, n in rows:
            tallies[phase_id].append((product, months, n))
        campaign_ids = [p.campaign.pk for p in participations]
        quotas = list(Quota.objects.filter(campaign_id__in=campaign_ids))
        rules = list(
            AwardRule.objects.filter(campaign_id__in=campaign_ids)
            .select_related("campaign", "cluster")
            .order_by("position", "code", "pk")
        )
        now = timezone.now()
        campaigns = []
        for participation in participations:
            phases = []
            for phase in participation.phases:
                tally = tallies[phase.pk]
                place = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None}
                if phase.start <= now:  # a phase not started yet has no leaderboard
                    phase_rules = [
                        rule
                        for rule in rules
                        if rule.campaign_id == participation.campaign.pk and rule_applies(rule, phase)
                    ]
                    place = agent_standing(phase=phase, agent=agent, cluster=participation.cluster, rules=phase_rules)
                quota_rows = []
                for quota in quotas:
                    if quota.campaign_id != participation.campaign.pk:
                        continue
                    cluster_id = participation.cluster.pk if participation.cluster else None
                    if not _quota_applies(quota, agent, phase, cluster_id):
                        continue
                    reached = sum(
                        n
                        for product, months, n in tally
                        if quota.product in ("", product)
                        and (quota.min_payment_months is None or months >= quota.min_payment_months)
                    )
                    quota_rows.append(
                        {
                            "product": quota.product or None,
                            "min_payment_months": quota.min_payment_months,
                            "minimum": quota.minimum,
                            "counted": reached,
                            "remaining": max(quota.minimum - reached, 0),
                            "met": reached >= quota.minimum,
                        }
                    )
                phases.append(
                    {
                        "id": phase.pk,
                        "number": phase.number,
                        "name": phase.name,
                        "start": phase.start,
                        "cutoff": phase.cutoff,
                        "status": phase.status,
                        "counted": sum(n for _product, _months, n in tally),
                        "counted_by_product": {
                            product: sum(n for p, _m, n in tally if p == product)
                            for product in {p for p, _m, _n in tally}
                        },
                        "quotas": quota_rows,
                        # rank: the prize rank when eligible, else the place on the board.
                        "rank": place["rank"],
                        "position": place["position"],
                        "eligible": place["eligible"],
                        "competitors": place["competitors"],
                        "rule": place["rule"],
                        "provisional": phase.status != Phase.Status.FINALIZED,
                    }
                )
            campaigns.append(
                {
                    "code": participation.campaign.code,
                    "name": participation.campaign.name,
                    "cluster": (
                        {
                            "id": participation.cluster.pk,
                            "number": participation.cluster.number,
                            "name": participation.cluster.name,
                        }
                        if participation.cluster
                        else None
                    ),
                    "phases": phases,
                }
            )
        return Response({"agent": agent.code, "campaigns": campaigns})
