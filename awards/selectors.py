"""Reads of the awards app: which rules rank a phase, its boards final or
provisional, a competitor's place and award. Pure queries; every adapter (API,
pages, workbooks) reads its figures from here."""

from __future__ import annotations

from awards.models import Award, Finalization, Standing
from awards.scoring import Boards, applicable_quotas, rule_applies
from awards.scoring import standings as live_standings
from campaigns.models import AwardRule, Cluster, CompetitorKind, Phase, Quota


def phase_rules(phase: Phase) -> list[AwardRule]:
    """The campaign's award rules that rank competitors at ``phase``, in order."""
    rules = (
        AwardRule.objects.filter(campaign_id=phase.campaign_id)
        .select_related("campaign", "cluster")
        .order_by("position", "code", "pk")
    )
    return [rule for rule in rules if rule_applies(rule, phase)]


def default_rule(rules: list[AwardRule]) -> AwardRule | None:
    """The first rule ranking agents, else the first rule."""
    for rule in rules:
        if rule.competitor_kind == CompetitorKind.AGENT:
            return rule
    return rules[0] if rules else None


def current_finalization(phase: Phase) -> Finalization | None:
    """The finalization whose standings are final, when the phase is finalized."""
    if phase.status != Phase.Status.FINALIZED:
        return None
    return Finalization.objects.filter(phase=phase, current=True).first()


def board_quotas(*, rule: AwardRule, phase: Phase, boards: Boards) -> list[Quota]:
    """The quotas whose counts the standings carry, in their order (as ``standings_sql`` picks them)."""
    if rule.metric == AwardRule.Metric.INDICATORS or not rule.requires_quota:
        return []
    return applicable_quotas(rule=rule, phase=phase, boards=boards)


def agent_standing(*, phase: Phase, agent, cluster: Cluster | None, rules: list[AwardRule]) -> dict:
    """The agent's place at ``phase`` on the board of the first agent rule that
    ranks them (their role, their cluster): final when the phase is finalized,
    provisional otherwise. One standings computation."""
    empty = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None}
    cluster_id = cluster.pk if cluster else None
    rule = next(
        (
            rule
            for rule in rules
            if rule.competitor_kind == CompetitorKind.AGENT
            and rule.role in ("", agent.role)
            and rule.cluster_id in (None, cluster_id)
        ),
        None,
    )
    if rule is None:
        return empty
    board = cluster if rule.per_cluster else None
    finalization = current_finalization(phase)
    if finalization is not None:
        stored = Standing.objects.filter(finalization=finalization, rule=rule, cluster=board)
        mine = stored.filter(agent=agent).values("position", "rank", "eligible").first()
        place = (mine["position"], mine["rank"], mine["eligible"]) if mine else None
        competitors = stored.count()
    else:
        rows = live_standings(rule=rule, phase=phase, cluster=board)
        row = next((row for row in rows if row.competitor_id == agent.pk), None)
        place = (row.position, row.rank, row.eligible) if row else None
        competitors = len(rows)
    if place is None:
        return {**empty, "rule": rule.code, "competitors": competitors}
    position, rank, eligible = place
    return {
        "rule": rule.code,
        # The prize rank among the eligible; an agent not (yet) eligible sees their place on the board.
        "rank": rank if eligible and rank is not None else position,
        "position": position,
        "eligible": eligible,
        "competitors": competitors,
    }


def stored_quota_counts(row: Standing) -> list[int]:
    """The quota counts a stored standing carries."""
    counts = getattr(row, "quotas", None)
    if counts is None:  # standings stored before quota counts had their own column
        counts = (getattr(row, "details", None) or {}).get("quotas", [])
    return list(counts)


def agent_awards(*, agent, phase_ids) -> dict[int, Award]:
    """The agent's award per phase among ``phase_ids``: the live one (proposed,
    reviewed or approved) of the current finalization, else the latest decided
    one (rejected, revoked), with its tier."""
    awards = (
        Award.objects.filter(agent=agent, phase_id__in=list(phase_ids), finalization__current=True)
        .exclude(status=Award.Status.SUPERSEDED)
        .select_related("tier", "rule")
        .order_by("phase_id", "pk")
    )
    found: dict[int, Award] = {}
    for award in awards:
        kept = found.get(award.phase_id)
        if kept is None or (award.status in Award.ACTIVE and kept.status not in Award.ACTIVE):
            found[award.phase_id] = award
    return found
