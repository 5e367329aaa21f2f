"""Reads about campaigns: who takes part, which phase a moment falls in, and
whether a campaign's set-up is ready for it to start."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.membership import membership_tables
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
from collectors.selectors import agent_ancestry_sql
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

    Two queries, whatever the number of campaigns: the campaigns with the
    clusters matching (``_participations_sql``, the agent's ancestry joined in),
    then their phases."""
    if not statuses:
        return []
    sql, params = _participations_sql(agent, statuses)
    by_campaign: dict[int, Participation] = {}
    for campaign in Campaign.objects.raw(sql, params):
        cluster_id, number, name = campaign.p_cluster_id, campaign.p_cluster_number, campaign.p_cluster_name
        del campaign.p_cluster_id, campaign.p_cluster_number, campaign.p_cluster_name
        if campaign.pk in by_campaign:
            continue  # rows come by campaign and cluster number: the first is the agent's cluster
        cluster = None
        if cluster_id is not None:
            cluster = Cluster.from_db(campaign._state.db, _CLUSTER_FIELDS, [cluster_id, campaign.pk, number, name])
            cluster.campaign = campaign
        by_campaign[campaign.pk] = Participation(campaign=campaign, cluster=cluster)
    if by_campaign:
        for phase in Phase.objects.filter(campaign_id__in=by_campaign).order_by("campaign_id", "start"):
            participation = by_campaign[phase.campaign_id]
            phase.campaign = participation.campaign
            participation.phases.append(phase)
    return sorted(by_campaign.values(), key=lambda p: p.campaign.pk)


_CLUSTER_FIELDS = ["id", "campaign_id", "number", "name"]


def _participations_sql(agent: Agent, statuses: tuple[str, ...]) -> tuple[str, dict]:
    """One statement: a row per campaign of ``statuses`` the agent takes part in and
    cluster of it they match (``p_cluster_id``, ``p_cluster_number``, ``p_cluster_name``;
    NULL in a campaign without clusters), by campaign and cluster number. The rules of
    ``agent_participations``; the agent's localities and units from ``agent_ancestry_sql``."""
    t = {**membership_tables(), "campaign": Campaign._meta.db_table}
    ancestry, params = agent_ancestry_sql(agent=agent)
    params["agent"] = agent.pk
    marks = []
    for n, status in enumerate(statuses):
        params[f"status{n}"] = status
        marks.append(f"%(status{n})s")
    columns = ", ".join(f"c.{field.column}" for field in Campaign._meta.concrete_fields)
    chosen = f"c.status IN ({', '.join(marks)})"
    sql = f"""WITH RECURSIVE {ancestry}
        SELECT {columns}, cl.id AS p_cluster_id, cl.number AS p_cluster_number, cl.name AS p_cluster_name
        FROM {t["campaign"]} c JOIN {t["cluster"]} cl ON cl.campaign_id = c.id
        WHERE {chosen} AND (
            EXISTS (SELECT 1 FROM {t["cluster_agents"]} ca WHERE ca.cluster_id = cl.id AND ca.agent_id = %(agent)s)
            OR EXISTS (SELECT 1 FROM {t["cluster_teams"]} ct JOIN {t["team_members"]} tm ON tm.team_id = ct.team_id
                       WHERE ct.cluster_id = cl.id AND tm.agent_id = %(agent)s)
            OR EXISTS (SELECT 1 FROM {t["cluster_localities"]} cx
                       WHERE cx.cluster_id = cl.id AND cx.locality_id IN (SELECT id FROM up_locality))
            OR EXISTS (SELECT 1 FROM {t["cluster_units"]} cu
                       WHERE cu.cluster_id = cl.id AND cu.unit_id IN (SELECT id FROM up_unit)))
        UNION ALL
        SELECT {columns}, NULL, NULL, NULL
        FROM {t["campaign"]} c
        WHERE {chosen} AND NOT EXISTS (SELECT 1 FROM {t["cluster"]} e WHERE e.campaign_id = c.id) AND (
            c.organizer_id IN (SELECT id FROM up_unit)
            OR EXISTS (SELECT 1 FROM {t["team"]} tt JOIN {t["team_members"]} tm ON tm.team_id = tt.id
                       WHERE tt.campaign_id = c.id AND tm.agent_id = %(agent)s))
        ORDER BY id, p_cluster_number"""  # noqa: S608 - names from model metadata; every value is a parameter
    return sql, params


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
