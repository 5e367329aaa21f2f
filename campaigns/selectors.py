"""Reads about campaigns: who takes part, and which phase a moment falls in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from campaigns.models import Campaign, Cluster, Phase, Quota
from collectors.models import Agent, Locality, Unit


def _ancestor_ids(model, start_id: int | None) -> list[int]:
    """The id and every ancestor id of a locality or unit (a few levels: one query per level)."""
    ids: list[int] = []
    current = start_id
    while current is not None and current not in ids:
        ids.append(current)
        current = model.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return ids


@dataclass
class Participation:
    """A running campaign an agent takes part in: their cluster and the phases."""

    campaign: Campaign
    cluster: Cluster
    phases: list[Phase] = field(default_factory=list)

    def phase_at(self, moment: datetime) -> Phase | None:
        for phase in self.phases:
            if phase.start <= moment < phase.cutoff:
                return phase
        return None


def agent_participations(
    *, agent: Agent, statuses: tuple[str, ...] = (Campaign.Status.RUNNING,)
) -> list[Participation]:
    """The campaigns (by default the running ones) whose clusters include the agent.

    An agent belongs to a cluster when listed in it, when a team of theirs is,
    when their unit or a unit above it is, or when the locality they serve or a
    locality above it is. Where several clusters of one campaign match, the
    lowest-numbered one is theirs.
    """
    locality_ids = _ancestor_ids(Locality, agent.locality_id)
    unit_ids = _ancestor_ids(Unit, agent.unit_id)
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
    if by_campaign:
        for phase in Phase.objects.filter(campaign_id__in=by_campaign).order_by("campaign_id", "start"):
            participation = by_campaign[phase.campaign_id]
            phase.campaign = participation.campaign
            participation.phases.append(phase)
    return list(by_campaign.values())


def quotas_for(*, agent: Agent, participation: Participation, phase: Phase) -> list[Quota]:
    """The agent quotas that apply to this agent in this phase of the campaign."""
    return list(
        Quota.objects.filter(campaign=participation.campaign, competitor_kind="agent")
        .filter(Q(phase__isnull=True) | Q(phase=phase))
        .filter(Q(cluster__isnull=True) | Q(cluster=participation.cluster))
        .filter(Q(role="") | Q(role=agent.role))
        .order_by("product", "pk")
    )
