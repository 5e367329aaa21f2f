"""Standings of agents for an award rule and a phase, computed in one statement.

Per agent of the cluster: the score (counted enrollments passing the rule's
filters, or their contributions for the revenue metric), when it was reached
(the receipt time of the last of them), each applicable quota's count, whether
every quota is met, and the rank among the eligible by the rule's tie policy:
earlier reached, then code; or shared positions. Provisional standings count
submitted and confirmed enrollments, final ones confirmed only (DESIGN §5).

Aggregation and ranking run in the database (GROUP BY and window functions),
never one query per competitor; the statement runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from campaigns.membership import campaign_members_sql
from campaigns.models import AwardRule, Cluster, CompetitorKind, Phase, Quota
from collectors.models import Agent
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment


@dataclass(frozen=True)
class AgentStanding:
    agent_id: int
    code: str
    full_name: str
    cluster_id: int | None
    score: Decimal
    reached_at: datetime | None
    quota_counts: tuple[int, ...]
    eligible: bool
    position: int  # order on the leaderboard, everyone included
    rank: int | None  # prize rank among the eligible


def _filter_sql(*, product: str, min_months: int | None, role: str, params: dict, prefix: str) -> str:
    """A SQL condition on enrollment ``e`` and agent ``a`` for a rule's or a quota's filters."""
    terms = ["1 = 1"]
    if product:
        params[f"{prefix}_product"] = product
        terms.append(f"e.product = %({prefix}_product)s")
    if min_months:
        params[f"{prefix}_months"] = min_months
        terms.append(f"e.payment_months >= %({prefix}_months)s")
    if role:
        params[f"{prefix}_role"] = role
        terms.append(f"a.role = %({prefix}_role)s")
    return " AND ".join(terms)


def applicable_quotas(*, rule: AwardRule, phase: Phase, cluster: Cluster | None) -> list[Quota]:
    """The agent quotas of the rule's campaign that apply in this phase and cluster."""
    quotas = Quota.objects.filter(campaign_id=rule.campaign_id, competitor_kind=CompetitorKind.AGENT).filter(
        Q(phase__isnull=True) | Q(phase=phase)
    )
    quotas = quotas.filter(Q(cluster__isnull=True) | Q(cluster=cluster)) if cluster else quotas.filter(cluster=None)
    return list(quotas.order_by("pk"))


def agent_standings(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False
) -> list[AgentStanding]:
    """The leaderboard of one cluster (None: a campaign without clusters) for an
    agent rule in a phase, best first."""
    if rule.competitor_kind != CompetitorKind.AGENT:
        raise ValueError("agent_standings ranks agents only")
    campaign = rule.campaign
    members_sql, params = campaign_members_sql(campaign)
    params.update({"phase": phase.pk, "cluster": cluster.pk if cluster else None})
    statuses = [EnrollmentStatus.CONFIRMED] if final else [EnrollmentStatus.SUBMITTED, EnrollmentStatus.CONFIRMED]
    status_sql = ", ".join(f"%(status{i})s" for i in range(len(statuses)))
    params.update({f"status{i}": status for i, status in enumerate(statuses)})

    products = [rule.product] if rule.product else list(campaign.products)
    params.update({f"product{i}": product for i, product in enumerate(products)})
    product_sql = ", ".join(f"%(product{i})s" for i in range(len(products)))
    rule_filter = (
        _filter_sql(product="", min_months=rule.min_payment_months, role=rule.role, params=params, prefix="rule")
        + f" AND e.product IN ({product_sql})"
    )
    measure = "e.amount_due" if rule.metric == AwardRule.Metric.REVENUE else "1"

    quotas = applicable_quotas(rule=rule, phase=phase, cluster=cluster) if rule.requires_quota else []
    quota_columns, quota_checks = [], []
    for n, quota in enumerate(quotas):
        condition = _filter_sql(
            product=quota.product, min_months=quota.min_payment_months, role="", params=params, prefix=f"q{n}"
        )
        params[f"q{n}_role_applies"] = quota.role or ""
        params[f"q{n}_minimum"] = quota.minimum
        quota_columns.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS q{n}")
        # A quota with a role binds only agents of that role; one without binds everyone.
        quota_checks.append(
            f"((%(q{n}_role_applies)s <> '' AND a.role <> %(q{n}_role_applies)s)"
            f" OR COALESCE(s.q{n}, 0) >= %(q{n}_minimum)s)"
        )
    quota_select = "".join(f", {column}" for column in quota_columns)
    quota_values = "".join(f", COALESCE(s.q{n}, 0)" for n in range(len(quotas)))
    eligible = " AND ".join(["COALESCE(s.score, 0) > 0", *quota_checks])
    role_filter = "AND a.role = %(rule_role)s" if rule.role else ""
    if rule.tie_policy == AwardRule.TiePolicy.SHARE:
        rank_window = "RANK() OVER (PARTITION BY eligible ORDER BY score DESC)"
    else:
        rank_window = "ROW_NUMBER() OVER (PARTITION BY eligible ORDER BY score DESC, reached_at ASC, code ASC)"

    enrollment, agent = Enrollment._meta.db_table, Agent._meta.db_table
    sql = f"""
        WITH members AS ({members_sql}),
        cluster_agents AS (
            SELECT agent_id FROM members
            WHERE cluster_id = %(cluster)s OR (cluster_id IS NULL AND %(cluster)s IS NULL)
        ),
        scores AS (
            SELECT e.agent_id,
                   SUM(CASE WHEN {rule_filter} THEN {measure} ELSE 0 END) AS score,
                   MAX(CASE WHEN {rule_filter} THEN e.receipt_at END) AS reached_at
                   {quota_select}
            FROM {enrollment} e JOIN {agent} a ON a.id = e.agent_id
            WHERE e.phase_id = %(phase)s AND e.counted AND e.status IN ({status_sql})
              AND e.agent_id IN (SELECT agent_id FROM cluster_agents)
            GROUP BY e.agent_id
        ),
        board AS (
            SELECT a.id, a.code, a.full_name, COALESCE(s.score, 0) AS score, s.reached_at
                   {quota_values},
                   CASE WHEN {eligible} THEN 1 ELSE 0 END AS eligible
            FROM cluster_agents c JOIN {agent} a ON a.id = c.agent_id LEFT JOIN scores s ON s.agent_id = a.id
            WHERE 1 = 1 {role_filter}
        )
        SELECT board.*,
               ROW_NUMBER() OVER (ORDER BY eligible DESC, score DESC, reached_at ASC, code ASC) AS position,
               CASE WHEN eligible = 1 THEN {rank_window} END AS prize_rank
        FROM board
        ORDER BY position
    """  # noqa: S608 - table names from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    standings = []
    for row in rows:
        agent_id, code, full_name, score, reached_at, *rest = row
        quota_counts = tuple(int(value) for value in rest[: len(quotas)])
        eligible_flag, position, prize_rank = rest[len(quotas) :]
        if isinstance(reached_at, str):  # SQLite returns text from a CASE expression
            reached_at = parse_datetime(reached_at)
        standings.append(
            AgentStanding(
                agent_id=agent_id,
                code=code,
                full_name=full_name,
                cluster_id=cluster.pk if cluster else None,
                score=Decimal(score),
                reached_at=reached_at,
                quota_counts=quota_counts,
                eligible=bool(eligible_flag),
                position=int(position),
                rank=int(prize_rank) if prize_rank is not None else None,
            )
        )
    return standings
