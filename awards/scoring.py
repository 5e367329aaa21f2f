"""Standings for an award rule, a phase and a cluster, computed in the database.

Competitors are agents, teams or BHXH units (DESIGN §5):

- an agent scores its counted enrollments passing the rule's filters (or their
  contributions, for the revenue metric); a team its members'; a unit those of
  the agents working in or for it (its office and the offices below it, and the
  service organizations contracted to them);
- *percent of target* divides that score by the competitor's plan target;
- *collective indicators* score a unit by the mean achievement ratio over the
  campaign's indicators (value/target for ≥ and >, target/value for ≤ and <,
  each capped at 2), eligible only when every target is met.

Each applicable quota is counted alongside the score, and the competitor is
eligible when the rule requires quotas and every one is met. The leaderboard
orders everyone (eligible first); the prize rank orders the eligible by the
rule's tie policy: earlier reached (the receipt time of the last counted
enrollment), then code; or tied competitors share the rank.

Provisional standings count submitted and confirmed enrollments, final ones
confirmed only. A phase rule counts the phase's receipts; a whole-campaign rule
those of every phase. Everything is aggregated and ranked in one statement
(GROUP BY and window functions), never one query per competitor, and the same
statement runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from campaigns.membership import LOCALITY_DEPTH, UNIT_DEPTH, cluster_members_sql
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    CompetitorKind,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PlanTarget,
    Quota,
    Team,
)
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment

# Achievement ratios of collective indicators are capped (DESIGN §5).
RATIO_CAP = 2


@dataclass(frozen=True, slots=True)
class CompetitorStanding:
    kind: str
    competitor_id: int
    code: str
    name: str
    cluster_id: int | None
    score: Decimal
    target: Decimal | None
    reached_at: datetime | None
    quota_counts: tuple[int, ...]
    eligible: bool
    position: int  # order on the leaderboard, everyone included
    rank: int | None  # prize rank among the eligible
    details: dict = field(default_factory=dict, compare=False)

    @property
    def agent_id(self) -> int | None:
        return self.competitor_id if self.kind == CompetitorKind.AGENT else None

    @property
    def full_name(self) -> str:
        return self.name


# The name agent standings were first published under.
AgentStanding = CompetitorStanding


def rule_phases(rule: AwardRule, phase: Phase) -> list[int]:
    """The phases whose receipts a rule counts when judged at ``phase``."""
    if rule.scope == AwardRule.Scope.CAMPAIGN:
        return list(Phase.objects.filter(campaign_id=rule.campaign_id).values_list("pk", flat=True))
    return [phase.pk]


def rule_applies(rule: AwardRule, phase: Phase) -> bool:
    """Whether finalizing ``phase`` decides the rule's awards: a phase rule in its
    phase (or every phase), a whole-campaign rule in the campaign's last phase."""
    if rule.scope == AwardRule.Scope.CAMPAIGN:
        last = Phase.objects.filter(campaign_id=rule.campaign_id).order_by("-number").values_list("pk", flat=True)
        return phase.pk == last.first()
    return rule.phase_id in (None, phase.pk)


def rule_clusters(rule: AwardRule) -> list[Cluster | None]:
    """The leaderboards a rule keeps: one per cluster, or one for everyone (None)."""
    if not rule.per_cluster:
        return [None]
    if rule.cluster_id:
        return [rule.cluster]
    clusters = list(Cluster.objects.filter(campaign_id=rule.campaign_id).order_by("number"))
    return clusters or [None]


def applicable_quotas(*, rule: AwardRule, phase: Phase, cluster: Cluster | None) -> list[Quota]:
    """The quotas of the rule's competitor kind that apply in this phase and cluster."""
    quotas = Quota.objects.filter(campaign_id=rule.campaign_id, competitor_kind=rule.competitor_kind)
    if rule.scope == AwardRule.Scope.PHASE:
        quotas = quotas.filter(Q(phase__isnull=True) | Q(phase=phase))
    else:
        quotas = quotas.filter(phase__isnull=True)
    quotas = quotas.filter(Q(cluster__isnull=True) | Q(cluster=cluster)) if cluster else quotas.filter(cluster=None)
    return list(quotas.order_by("pk"))


class _Params(dict):
    """Query parameters, named as they are added."""

    def add(self, name: str, value) -> str:
        self[name] = value
        return f"%({name})s"

    def add_list(self, name: str, values) -> str:
        values = list(values) or [None]
        return ", ".join(self.add(f"{name}{i}", value) for i, value in enumerate(values))


def _filter_sql(*, product: str, min_months: int | None, role: str, params: _Params, prefix: str) -> str:
    """A SQL condition on enrollment ``e`` and its agent ``ag`` for a rule's or a quota's filters."""
    terms = ["e.agent_id IS NOT NULL"]
    if product:
        terms.append(f"e.product = {params.add(f'{prefix}_product', product)}")
    if min_months:
        terms.append(f"e.payment_months >= {params.add(f'{prefix}_months', min_months)}")
    if role:
        terms.append(f"ag.role = {params.add(f'{prefix}_role', role)}")
    return " AND ".join(terms)


# --- Who competes in a cluster ---------------------------------------------------


def _ancestors_of(model, ids: set[int], depth: int) -> dict[int, list[int]]:
    """Each id with up to depth-1 of its ancestors, a level per query."""
    chains = {pk: [pk] for pk in ids}
    frontier = {pk: pk for pk in ids}  # origin → current
    for _ in range(depth - 1):
        parents = dict(model.objects.filter(pk__in=set(frontier.values())).values_list("pk", "parent_id"))
        frontier = {origin: parents[current] for origin, current in frontier.items() if parents.get(current)}
        for origin, parent in frontier.items():
            chains[origin].append(parent)
    return chains


def cluster_teams(campaign: Campaign, cluster: Cluster | None) -> list[int]:
    """The teams competing in a cluster: listed in it, or serving a locality in
    it; a team in two clusters competes in the lower-numbered one. None: every team."""
    teams = list(Team.objects.filter(campaign=campaign).values_list("pk", "locality_id"))
    if cluster is None:
        return [pk for pk, _locality in teams]
    clusters = list(
        Cluster.objects.filter(campaign=campaign).order_by("number").prefetch_related("teams", "localities")
    )
    chains = _ancestors_of(Locality, {loc for _pk, loc in teams if loc}, LOCALITY_DEPTH)
    chosen = []
    for pk, locality in teams:
        above = set(chains.get(locality, []))
        for candidate in clusters:
            listed = any(team.pk == pk for team in candidate.teams.all())
            if listed or above & {loc.pk for loc in candidate.localities.all()}:
                if candidate.pk == cluster.pk:
                    chosen.append(pk)
                break
    return chosen


def cluster_units(campaign: Campaign, cluster: Cluster | None) -> list[int]:
    """The units competing in a cluster: those it lists (a unit listed by two
    clusters competes in the lower-numbered one). None: the units every cluster
    lists, or in a campaign without clusters the offices directly below the organizer."""
    clusters = Cluster.objects.filter(campaign=campaign)
    if not clusters.exists():
        return list(Unit.objects.filter(parent_id=campaign.organizer_id).values_list("pk", flat=True))
    claimed: dict[int, int] = {}
    for unit_id, cluster_id in clusters.order_by("-number").values_list("units", "pk"):
        if unit_id:
            claimed[unit_id] = cluster_id  # lowest number written last wins
    return sorted(unit for unit, owner in claimed.items() if cluster is None or owner == cluster.pk)


def _unit_agents_sql(unit_sql: str) -> str:
    """(competitor_id, agent_id) for every agent working in or for the units
    selected by ``unit_sql`` (a list of ids) or the offices below them."""
    unit, agent, organization = Unit._meta.db_table, Agent._meta.db_table, ServiceOrganization._meta.db_table
    parts = []
    for level in range(UNIT_DEPTH):
        joins, parent = "", "u.id"
        for step in range(level):
            alias = f"d{step}"
            joins += f" JOIN {unit} {alias} ON {alias}.parent_id = {parent}"
            parent = f"{alias}.id"
        base = f"FROM {unit} u{joins}"
        select = "SELECT u.id AS competitor_id, x.id AS agent_id"
        where = f"WHERE u.id IN ({unit_sql})"
        parts.append(f"{select} {base} JOIN {agent} x ON x.unit_id = {parent} {where}")
        parts.append(
            f"{select} {base} JOIN {organization} o ON o.contracting_unit_id = {parent} "
            f"JOIN {agent} x ON x.organization_id = o.id {where}"
        )
    return " UNION ALL ".join(parts)


# --- The statement -----------------------------------------------------------------


def _target_sql(rule: AwardRule, phase: Phase, params: _Params) -> str:
    """The competitor ``c``'s plan target for the rule: for its product (or all
    products), this phase's target before the whole campaign's."""
    column = {CompetitorKind.TEAM: "team_id", CompetitorKind.UNIT: "unit_id"}.get(rule.competitor_kind)
    if column is None:
        return "NULL"
    table = PlanTarget._meta.db_table
    product = params.add("target_product", rule.product or "")
    base = (
        f"SELECT SUM(pt.target) FROM {table} pt "
        f"WHERE pt.campaign_id = %(campaign)s AND pt.{column} = c.id AND pt.product = {product}"
    )
    whole = f"({base} AND pt.phase_id IS NULL)"
    if rule.scope == AwardRule.Scope.CAMPAIGN:
        return whole
    return f"COALESCE(({base} AND pt.phase_id = %(phase)s), {whole})"


def _competitors_sql(rule: AwardRule, campaign: Campaign, cluster: Cluster | None, params: _Params) -> tuple[str, str]:
    """(CTEs, FROM clause) giving competitors ``c`` (id, code, name) and the
    agents ``ag`` whose enrollments score for them."""
    agent = Agent._meta.db_table
    if rule.competitor_kind == CompetitorKind.AGENT:
        members_sql, member_params = cluster_members_sql(campaign, cluster)
        params.update(member_params)
        role = f" WHERE x.role = {params.add('competitor_role', rule.role)}" if rule.role else ""
        ctes = (
            f"members AS ({members_sql}), "
            f"c AS (SELECT x.id, x.code, x.full_name AS name FROM members m JOIN {agent} x ON x.id = m.agent_id{role})"
        )
        return ctes, f"c JOIN {agent} ag ON ag.id = c.id"
    if rule.competitor_kind == CompetitorKind.TEAM:
        ids = params.add_list("team", cluster_teams(campaign, cluster))
        team, members = Team._meta.db_table, Team.members.through._meta.db_table
        ctes = (
            f"c AS (SELECT t.id, t.code, t.name FROM {team} t WHERE t.id IN ({ids})), "
            f"links AS (SELECT tm.team_id AS competitor_id, tm.agent_id FROM {members} tm WHERE tm.team_id IN ({ids}))"
        )
    else:
        ids = params.add_list("unit", cluster_units(campaign, cluster))
        ctes = (
            f"c AS (SELECT u.id, u.code, u.name FROM {Unit._meta.db_table} u WHERE u.id IN ({ids})), "
            f"links AS (SELECT DISTINCT competitor_id, agent_id FROM ({_unit_agents_sql(ids)}) y)"
        )
    return ctes, f"c LEFT JOIN links k ON k.competitor_id = c.id LEFT JOIN {agent} ag ON ag.id = k.agent_id"


def _count_sql(rule, phase, cluster, final, params: _Params, quotas: list[Quota]) -> str:
    campaign = rule.campaign
    statuses = [EnrollmentStatus.CONFIRMED] if final else [EnrollmentStatus.SUBMITTED, EnrollmentStatus.CONFIRMED]
    products = [rule.product] if rule.product else list(campaign.products)
    rule_filter = (
        _filter_sql(product="", min_months=rule.min_payment_months, role="", params=params, prefix="rule")
        + f" AND e.product IN ({params.add_list('product', products)})"
    )
    measure = "e.amount_due" if rule.metric == AwardRule.Metric.REVENUE else "1"
    quota_columns, quota_checks = [], []
    for n, quota in enumerate(quotas):
        condition = _filter_sql(
            product=quota.product, min_months=quota.min_payment_months, role="", params=params, prefix=f"q{n}"
        )
        role = params.add(f"q{n}_role_applies", quota.role or "")
        minimum = params.add(f"q{n}_minimum", quota.minimum)
        quota_columns.append(f", SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS q{n}")
        # A quota with a role binds only agents of that role; one without binds everyone.
        quota_checks.append(f"(({role} <> '' AND b.role <> {role}) OR b.q{n} >= {minimum})")
    ctes, source = _competitors_sql(rule, campaign, cluster, params)
    phases = params.add_list("rule_phase", rule_phases(rule, phase))
    role_column = "MAX(ag.role)" if rule.competitor_kind == CompetitorKind.AGENT else "''"
    target = _target_sql(rule, phase, params)
    if rule.metric == AwardRule.Metric.PERCENT_OF_TARGET:
        score = "CASE WHEN b.target > 0 THEN b.raw * 100.0 / b.target ELSE 0 END"
        base_checks = ["b.raw > 0", "b.target > 0"]
    else:
        score = "b.raw"
        base_checks = ["b.raw > 0"]
    eligible = " AND ".join(base_checks + quota_checks)
    enrollment = Enrollment._meta.db_table
    return f"""
        WITH {ctes},
        b AS (
            SELECT c.id, c.code, c.name, {role_column} AS role, {target} AS target,
                   COALESCE(SUM(CASE WHEN {rule_filter} THEN {measure} ELSE 0 END), 0) AS raw,
                   MAX(CASE WHEN {rule_filter} THEN e.receipt_at END) AS reached_at
                   {"".join(quota_columns)}
            FROM {source}
            LEFT JOIN {enrollment} e
                   ON e.agent_id = ag.id AND e.phase_id IN ({phases}) AND e.counted
                  AND e.status IN ({params.add_list("status", statuses)})
            GROUP BY c.id, c.code, c.name
        ),
        board AS (
            SELECT b.id, b.code, b.name, {score} AS score, b.target, b.reached_at,
                   CASE WHEN {eligible} THEN 1 ELSE 0 END AS eligible
                   {"".join(f", b.q{n}" for n in range(len(quotas)))}
            FROM b
        )
    """


def _indicators_sql(rule: AwardRule, phase: Phase, cluster, params: _Params) -> str:
    ids = params.add_list("unit", cluster_units(rule.campaign, cluster))
    indicator, target, value = Indicator._meta.db_table, IndicatorTarget._meta.db_table, IndicatorValue._meta.db_table
    cap = params.add("cap", RATIO_CAP)
    wanted = "COALESCE(t.target, i.default_target)"
    # value × 1.0 keeps SQLite from dividing integers.
    ratio = f"""CASE
        WHEN v.value IS NULL THEN 0
        WHEN i.comparator IN ('gte', 'gt') THEN
            CASE WHEN {wanted} <= 0 OR v.value * 1.0 / {wanted} > {cap} THEN {cap} ELSE v.value * 1.0 / {wanted} END
        ELSE
            CASE WHEN v.value <= 0 OR {wanted} * 1.0 / v.value > {cap} THEN {cap} ELSE {wanted} * 1.0 / v.value END
    END"""
    met = f"""CASE WHEN v.value IS NOT NULL AND (
        (i.comparator = 'gte' AND v.value >= {wanted}) OR (i.comparator = 'gt' AND v.value > {wanted})
        OR (i.comparator = 'lte' AND v.value <= {wanted}) OR (i.comparator = 'lt' AND v.value < {wanted})
    ) THEN 1 ELSE 0 END"""
    return f"""
        WITH b AS (
            SELECT u.id, u.code, u.name, SUM({ratio}) * 1.0 / COUNT(i.id) AS score,
                   SUM({met}) AS met, COUNT(i.id) AS indicators
            FROM {Unit._meta.db_table} u
            JOIN {indicator} i ON i.campaign_id = %(campaign)s
            LEFT JOIN {target} t ON t.indicator_id = i.id AND t.unit_id = u.id
            LEFT JOIN {value} v ON v.indicator_id = i.id AND v.unit_id = u.id AND v.phase_id = %(phase)s
            WHERE u.id IN ({ids})
            GROUP BY u.id, u.code, u.name
        ),
        board AS (
            SELECT b.id, b.code, b.name, b.score, NULL AS target, NULL AS reached_at,
                   CASE WHEN b.met = b.indicators THEN 1 ELSE 0 END AS eligible
            FROM b
        )
    """


def standings(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False
) -> list[CompetitorStanding]:
    """The leaderboard of one cluster (None: everyone the rule ranks together)
    for a rule at a phase, best first."""
    params = _Params(campaign=rule.campaign_id, phase=phase.pk)
    quotas = []
    if rule.metric == AwardRule.Metric.INDICATORS:
        body = _indicators_sql(rule, phase, cluster, params)
    else:
        quotas = applicable_quotas(rule=rule, phase=phase, cluster=cluster) if rule.requires_quota else []
        body = _count_sql(rule, phase, cluster, final, params, quotas)
    if rule.tie_policy == AwardRule.TiePolicy.SHARE:
        rank_window = "RANK() OVER (PARTITION BY eligible ORDER BY score DESC)"
    else:
        rank_window = "ROW_NUMBER() OVER (PARTITION BY eligible ORDER BY score DESC, reached_at ASC, code ASC)"
    sql = f"""{body}
        SELECT board.*,
               ROW_NUMBER() OVER (ORDER BY eligible DESC, score DESC, reached_at ASC, code ASC) AS position,
               CASE WHEN eligible = 1 THEN {rank_window} END AS prize_rank
        FROM board
        ORDER BY position
    """
    rows = _fetch(sql, params)
    kind, cluster_id, quota_count = rule.competitor_kind, (cluster.pk if cluster else None), len(quotas)
    result = []
    for row in rows:
        competitor_id, code, name, score, target, reached_at, eligible, *rest = row
        if isinstance(reached_at, str):  # SQLite returns text from a CASE expression
            reached_at = _aware(parse_datetime(reached_at))
        result.append(
            CompetitorStanding(
                kind,
                competitor_id,
                code,
                name,
                cluster_id,
                _decimal(score),
                None if target is None else _decimal(target),
                reached_at,
                tuple(int(value or 0) for value in rest[:quota_count]),
                bool(eligible),
                int(rest[quota_count]),
                None if rest[quota_count + 1] is None else int(rest[quota_count + 1]),
            )
        )
    return result


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary results spare parsing thousands of timestamps from text.
            cursor.cursor.execute(sql, params, binary=True)
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


_PLACES = Decimal("0.0001")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decimal(value) -> Decimal:
    """Scores as decimals with four places (SQLite answers in floats)."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(str(value)).quantize(_PLACES)


def agent_standings(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False
) -> list[CompetitorStanding]:
    """The leaderboard of an agent rule; see ``standings``."""
    if rule.competitor_kind != CompetitorKind.AGENT:
        raise ValueError("agent_standings ranks agents only")
    return standings(rule=rule, phase=phase, cluster=cluster, final=final)


def indicator_details(*, campaign: Campaign, phase: Phase, unit_ids: list[int]) -> dict[int, dict[str, str]]:
    """Unit → indicator code → reported value, for showing next to the scores."""
    values: dict[int, dict[str, str]] = defaultdict(dict)
    rows = IndicatorValue.objects.filter(indicator__campaign=campaign, phase=phase, unit_id__in=unit_ids)
    for unit_id, code, value in rows.values_list("unit_id", "indicator__code", "value"):
        values[unit_id][code] = str(value)
    return dict(values)
