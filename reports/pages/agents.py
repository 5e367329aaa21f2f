"""An agent's page: their progress per campaign and phase."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.models import Finalization
from awards.permissions import PUBLISHED
from awards.scoring import rule_applies
from awards.selectors import (
    agent_standing,
)
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota
from campaigns.selectors import agent_participations
from collectors.models import Agent
from enrollments.choices import Product
from enrollments.models import Enrollment
from reports.pages.access import may_view_agent
from reports.pages.common import forbidden
from reports.pages.leaderboard import quota_label

# --- An agent's progress ------------------------------------------------------------------


@dataclass
class PhaseProgress:
    phase: Phase
    counted: int
    by_product: list[tuple[str, int]]
    quotas: list[dict]
    place: dict
    version: int | None  # the final version, once finalized

    @property
    def final(self) -> bool:
        return self.version is not None


@dataclass
class CampaignProgress:
    campaign: Campaign
    cluster: Cluster | None
    phases: list[PhaseProgress]


def _quota_applies(quota: Quota, agent: Agent, phase: Phase, cluster_id: int | None) -> bool:
    return (
        quota.competitor_kind == CompetitorKind.AGENT
        and quota.phase_id in (None, phase.pk)
        and quota.cluster_id in (None, cluster_id)
        and quota.role in ("", agent.role)
    )


def agent_progress(*, agent: Agent) -> list[CampaignProgress]:
    """Per running or closed campaign the agent takes part in and per phase:
    what counts, each quota and what remains, and the agent's place on the
    board of the first agent rule ranking them. What ``GET /api/v1/me/progress/``
    answers (``reports.api.MyProgressView``), for closed campaigns too."""
    participations = agent_participations(agent=agent, statuses=PUBLISHED)
    phase_ids = [phase.pk for p in participations for phase in p.phases]
    tallies: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    rows = (
        Enrollment.objects.filter(agent=agent, phase_id__in=phase_ids, counted=True)
        .values_list("phase_id", "product", "payment_months")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for phase_id, product, months, n in rows:
        tallies[phase_id].append((product, months, n))
    campaign_ids = [p.campaign.pk for p in participations]
    quotas = list(Quota.objects.filter(campaign_id__in=campaign_ids).order_by("pk"))
    rules = list(
        AwardRule.objects.filter(campaign_id__in=campaign_ids)
        .select_related("campaign", "cluster")
        .order_by("position", "code", "pk")
    )
    versions = dict(
        Finalization.objects.filter(
            phase_id__in=phase_ids, current=True, phase__status=Phase.Status.FINALIZED
        ).values_list("phase_id", "version")
    )
    now = timezone.now()
    result = []
    for participation in participations:
        campaign = participation.campaign
        cluster_id = participation.cluster.pk if participation.cluster else None
        phases = []
        for phase in participation.phases:
            tally = tallies[phase.pk]
            place = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None}
            if phase.start <= now:  # a phase not started yet has no leaderboard
                applying = [rule for rule in rules if rule.campaign_id == campaign.pk and rule_applies(rule, phase)]
                place = agent_standing(phase=phase, agent=agent, cluster=participation.cluster, rules=applying)
            quota_rows = []
            for quota in quotas:
                if quota.campaign_id != campaign.pk or not _quota_applies(quota, agent, phase, cluster_id):
                    continue
                reached = sum(
                    n
                    for product, months, n in tally
                    if quota.product in ("", product)
                    and (quota.min_payment_months is None or months >= quota.min_payment_months)
                )
                quota_rows.append(
                    {
                        "label": quota_label(quota),
                        "minimum": quota.minimum,
                        "counted": reached,
                        "remaining": max(quota.minimum - reached, 0),
                        "met": reached >= quota.minimum,
                        "percent": (Decimal(reached) * 100 / quota.minimum).quantize(Decimal("0.1")),
                    }
                )
            by_product: dict[str, int] = defaultdict(int)
            for product, _months, n in tally:
                by_product[product] += n
            phases.append(
                PhaseProgress(
                    phase=phase,
                    counted=sum(by_product.values()),
                    by_product=[(str(Product(p).label), n) for p, n in sorted(by_product.items())],
                    quotas=quota_rows,
                    place=place,
                    version=versions.get(phase.pk),
                )
            )
        result.append(CampaignProgress(campaign=participation.campaign, cluster=participation.cluster, phases=phases))
    return result


def agent_page(request: HttpRequest, code: str) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.select_related("organization", "unit", "locality"), code=code)
    if not may_view_agent(request.user, agent):
        return forbidden(request, _("You may see your own page, or the pages of your organization's agents."))
    campaigns = agent_progress(agent=agent)
    for item in campaigns:
        for progress in item.phases:
            progress.leaderboard_url = reverse("pages:leaderboard", args=[item.campaign.code, progress.phase.number])
            if item.cluster is not None:
                progress.leaderboard_url += "?" + urlencode({"cluster": item.cluster.pk})
    return render(request, "pages/agent.html", {"agent": agent, "campaigns": campaigns})
