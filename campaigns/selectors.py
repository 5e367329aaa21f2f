"""Reads about campaigns: who takes part, and which phase a moment falls in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PhaseTransition,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
)
from collectors.models import Agent
from collectors.selectors import agent_ancestry
from core.reach import register_reach_path

# A campaign and everything set up under it belong to its organizer (core.reach, DESIGN §10).
register_reach_path(Campaign, "organizer")
for _model in (Phase, Team, Cluster, Quota, PlanTarget, Indicator, AwardRule):
    register_reach_path(_model, "campaign__organizer")
register_reach_path(PhaseTransition, "phase__campaign__organizer")
register_reach_path(IndicatorTarget, "indicator__campaign__organizer")
register_reach_path(IndicatorValue, "indicator__campaign__organizer")
register_reach_path(PrizeTier, "rule__campaign__organizer")


@dataclass
class Participation:
    """A running campaign an agent takes part in: their cluster (None in a
    campaign without clusters) and the phases."""

    campaign: Campaign
    cluster: Cluster | None
    phases: list[Phase] = field(default_factory=list)

    def phase_at(self, moment: datetime) -> Phase | None:
        for phase in self.phases:
            if phase.start <= moment < phase.cutoff:
                return phase
        return None


def agent_participations(
    *, agent: Agent, statuses: tuple[str, ...] = (Campaign.Status.RUNNING,)
) -> list[Participation]:
    """The campaigns (by default the running ones) the agent takes part in.

    In a campaign with clusters, an agent belongs to a cluster when listed in
    it, when a team of theirs is, when their unit or a unit above it is, or when
    the locality they serve or a locality above it is; where several clusters
    match, the lowest-numbered one is theirs. A campaign without clusters takes
    the members of its teams, and everyone working in or for the organizer's
    unit or a unit below it (staff by their unit, agents by the unit their
    organization is contracted to).
    """
    locality_ids, unit_ids = agent_ancestry(agent=agent)
    membership = Q(agents=agent) | Q(teams__members=agent)
    if locality_ids:
        membership |= Q(localities__in=locality_ids)
    if unit_ids:
        membership |= Q(units__in=unit_ids)
    clusters = (
        Cluster.objects.filter(membership, campaign__status__in=statuses)
        .select_related("campaign")
        .distinct()
        .order_by("campaign_id", "number")
    )
    by_campaign: dict[int, Participation] = {}
    for cluster in clusters:
        by_campaign.setdefault(cluster.campaign_id, Participation(campaign=cluster.campaign, cluster=cluster))
    unclustered = Campaign.objects.filter(status__in=statuses, clusters__isnull=True).filter(
        Q(teams__members=agent) | Q(organizer_id__in=unit_ids)
    )
    for campaign in unclustered.distinct():
        by_campaign.setdefault(campaign.pk, Participation(campaign=campaign, cluster=None))
    if by_campaign:
        for phase in Phase.objects.filter(campaign_id__in=by_campaign).order_by("campaign_id", "start"):
            participation = by_campaign[phase.campaign_id]
            phase.campaign = participation.campaign
            participation.phases.append(phase)
    return sorted(by_campaign.values(), key=lambda p: p.campaign.pk)
