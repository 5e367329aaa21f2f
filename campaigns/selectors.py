"""Reads about campaigns: who takes part, which phase a moment falls in, and
whether a campaign's set-up is ready for it to start."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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


# --- Is a campaign ready to start? ------------------------------------------------------


@dataclass
class SetupReport:
    """What a campaign's set-up lacks (``blocking``: it cannot start) or what looks
    inconsistent in it (``warnings``: it may start once staff have seen them)."""

    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def campaign_setup_report(campaign: Campaign) -> SetupReport:
    report = SetupReport()
    tz = campaign.tzinfo
    phases = list(campaign.phases.order_by("start"))
    if not phases:
        report.blocking.append(_("The campaign has no phase."))
    if not campaign.products:
        report.blocking.append(_("The campaign counts no product (VSI or HHI)."))
    for before, after in pairwise(phases):
        if before.cutoff < after.start:
            report.warnings.append(
                _("No phase holds the receipts from %(start)s to %(end)s (between %(before)s and %(after)s).")
                % {
                    "start": date_format(before.cutoff.astimezone(tz), "d/m/Y H:i"),
                    "end": date_format(after.start.astimezone(tz), "d/m/Y H:i"),
                    "before": before.name,
                    "after": after.name,
                }
            )
    rules = list(campaign.award_rules.annotate(tier_count=Count("tiers")).order_by("position", "code"))
    if not rules:
        report.warnings.append(_("No award rule: nobody is ranked or rewarded."))
    for rule in rules:
        if rule.tier_count == 0:
            report.warnings.append(_("The award rule %(rule)s has no prize tier.") % {"rule": rule.name})
    clusters = campaign.clusters.annotate(
        members=Count("agents", distinct=True)
        + Count("localities", distinct=True)
        + Count("units", distinct=True)
        + Count("teams", distinct=True)
    )
    for cluster in clusters.order_by("number"):
        if cluster.members == 0:
            report.warnings.append(_("The cluster %(cluster)s has no member.") % {"cluster": cluster.name})
    for product in campaign.quotas.exclude(product="").values_list("product", flat=True).distinct():
        if product not in campaign.products:
            report.warnings.append(
                _("A quota counts %(product)s, which the campaign does not count.") % {"product": product}
            )
    if not campaign.plan_targets.exists():
        report.warnings.append(_("No plan target: progress against plan cannot be shown."))
    return report
