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
confirmed only (``enrollments.choices.counting_statuses``). A phase rule counts
the phase's receipts; a whole-campaign rule those of every phase. Everything is
aggregated and ranked in one statement (GROUP BY and window functions), never
one query per competitor, and the same statement runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from awards.screening import screen_sql
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
from enrollments.choices import counting_statuses
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
    screen_id: int | None = None  # the bar from commendation that makes the competitor not eligible
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


def applicable_quotas(*, rule: AwardRule, phase: Phase, boards: Boards) -> list[Quota]:
    """The quotas of the rule's competitor kind that apply in this phase and on these boards."""
    quotas = Quota.objects.filter(campaign_id=rule.campaign_id, competitor_kind=rule.competitor_kind)
    if rule.scope == AwardRule.Scope.PHASE:
        quotas = quotas.filter(Q(phase__isnull=True) | Q(phase=phase))
    else:
        quotas = quotas.filter(phase__isnull=True)
    if not boards.every:
        cluster = boards.cluster
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


def team_clusters(campaign: Campaign) -> dict[int, int | None]:
    """Team → the cluster it competes in: listed in it, or serving a locality in
    it (the lower-numbered cluster first). Teams in no cluster are left out;
    in a campaign without clusters every team competes (None)."""
    teams = list(Team.objects.filter(campaign=campaign).values_list("pk", "locality_id"))
    clusters = list(
        Cluster.objects.filter(campaign=campaign).order_by("number").prefetch_related("teams", "localities")
    )
    if not clusters:
        return {pk: None for pk, _locality in teams}
    chains = _ancestors_of(Locality, {loc for _pk, loc in teams if loc}, LOCALITY_DEPTH)
    chosen = {}
    for pk, locality in teams:
        above = set(chains.get(locality, []))
        for candidate in clusters:
            listed = any(team.pk == pk for team in candidate.teams.all())
            if listed or above & {loc.pk for loc in candidate.localities.all()}:
                chosen[pk] = candidate.pk
                break
    return chosen


def unit_clusters(campaign: Campaign) -> dict[int, int | None]:
    """Unit → the cluster it competes in: the clusters list the units (a unit
    listed by two competes in the lower-numbered one). In a campaign without
    clusters the offices directly below the organizer compete (None)."""
    clusters = Cluster.objects.filter(campaign=campaign)
    if not clusters.exists():
        return dict.fromkeys(Unit.objects.filter(parent_id=campaign.organizer_id).values_list("pk", flat=True))
    claimed: dict[int, int | None] = {}
    for unit_id, cluster_id in clusters.order_by("-number").values_list("units", "pk"):
        if unit_id:
            claimed[unit_id] = cluster_id  # lowest number written last wins
    return claimed


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
        return "CAST(NULL AS NUMERIC)"
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


@dataclass(frozen=True)
class Boards:
    """Which leaderboards a statement computes: one cluster's, or every cluster's
    of the rule at once (``every``); ``cluster`` None with ``every`` False is the
    single leaderboard of a rule that does not rank per cluster."""

    cluster: Cluster | None = None
    every: bool = False

    def keeps(self, rule: AwardRule, cluster_id: int | None) -> bool:
        if self.every:
            return rule.cluster_id in (None, cluster_id)
        return cluster_id == (self.cluster.pk if self.cluster else None)


def _competitors_sql(
    rule: AwardRule, boards: Boards, params: _Params, only: list[int] | None = None
) -> tuple[str, str]:
    """(CTEs, FROM clause) giving competitors ``c`` (id, code, name, cluster_id)
    and the agents ``ag`` whose enrollments score for them; only the
    competitors listed in ``only``, when given."""
    campaign = rule.campaign
    agent = Agent._meta.db_table
    if rule.competitor_kind == CompetitorKind.AGENT:
        if boards.every or not rule.per_cluster:
            members_sql, member_params = cluster_members_sql(campaign, None)
        else:
            members_sql, member_params = cluster_members_sql(campaign, boards.cluster)
        params.update(member_params)
        if only is not None:
            members_sql = f"SELECT z.* FROM ({members_sql}) z WHERE z.agent_id IN ({params.add_list('only', only)})"
        terms = []
        if rule.role:
            terms.append(f"x.role = {params.add('competitor_role', rule.role)}")
        if boards.every and rule.cluster_id:
            terms.append(f"m.cluster_id = {params.add('only_cluster', rule.cluster_id)}")
        where = f" WHERE {' AND '.join(terms)}" if terms else ""
        cluster_column = "m.cluster_id" if rule.per_cluster else "CAST(NULL AS BIGINT)"
        ctes = (
            f"members AS ({members_sql}), "
            f"c AS (SELECT x.id, x.code, x.full_name AS name, {cluster_column} AS cluster_id "
            f"FROM members m JOIN {agent} x ON x.id = m.agent_id{where})"
        )
        return ctes, f"c JOIN {agent} ag ON ag.id = c.id"
    placed = team_clusters(campaign) if rule.competitor_kind == CompetitorKind.TEAM else unit_clusters(campaign)
    if not rule.per_cluster:
        placed = dict.fromkeys(placed)
    placed = {pk: cluster_id for pk, cluster_id in placed.items() if boards.keeps(rule, cluster_id)}
    if only is not None:
        wanted = set(only)
        placed = {pk: cluster_id for pk, cluster_id in placed.items() if pk in wanted}
    ids = params.add_list("competitor", placed)
    cases = " ".join(
        f"WHEN {params.add(f'cc{n}', pk)} THEN {params.add(f'cv{n}', cluster_id)}"
        for n, (pk, cluster_id) in enumerate(placed.items())
        if cluster_id is not None
    )
    cluster_column = f"CASE y.id {cases} END" if cases else "CAST(NULL AS BIGINT)"
    if rule.competitor_kind == CompetitorKind.TEAM:
        team, members = Team._meta.db_table, Team.members.through._meta.db_table
        ctes = (
            f"c AS (SELECT y.id, y.code, y.name, {cluster_column} AS cluster_id FROM {team} y WHERE y.id IN ({ids})), "
            f"links AS (SELECT tm.team_id AS competitor_id, tm.agent_id FROM {members} tm WHERE tm.team_id IN ({ids}))"
        )
    else:
        ctes = (
            f"c AS (SELECT y.id, y.code, y.name, {cluster_column} AS cluster_id "
            f"FROM {Unit._meta.db_table} y WHERE y.id IN ({ids})), "
            f"links AS (SELECT DISTINCT competitor_id, agent_id FROM ({_unit_agents_sql(ids)}) z)"
        )
    return ctes, f"c LEFT JOIN links k ON k.competitor_id = c.id LEFT JOIN {agent} ag ON ag.id = k.agent_id"


def _count_sql(
    rule: AwardRule, phase: Phase, boards: Boards, final: bool, params: _Params, quotas, only: list[int] | None = None
) -> str:
    campaign = rule.campaign
    statuses = counting_statuses(final=final)
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
        quota_columns.append(f", SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS q{n}")
        # A quota binds only competitors of its role and of its cluster, if it names them.
        exempt = []
        if quota.role:
            exempt.append(f"b.role <> {params.add(f'q{n}_role', quota.role)}")
        if quota.cluster_id:
            exempt.append(f"COALESCE(b.cluster_id, 0) <> {params.add(f'q{n}_cluster', quota.cluster_id)}")
        met = f"b.q{n} >= {params.add(f'q{n}_minimum', quota.minimum)}"
        quota_checks.append(f"({' OR '.join([*exempt, met])})")
    ctes, source = _competitors_sql(rule, boards, params, only)
    phases = params.add_list("rule_phase", rule_phases(rule, phase))
    role_column = "MAX(ag.role)" if rule.competitor_kind == CompetitorKind.AGENT else "''"
    target = _target_sql(rule, phase, params)
    if rule.metric == AwardRule.Metric.PERCENT_OF_TARGET:
        score = "CASE WHEN b.target > 0 THEN b.raw * 100.0 / b.target ELSE 0 END"
        base_checks = ["b.raw > 0", "b.target > 0"]
    else:
        score = "b.raw"
        base_checks = ["b.raw > 0"]
    eligible = " AND ".join(["b.screen_id IS NULL", *base_checks, *quota_checks])
    screen = screen_sql(rule, phase, params)
    enrollment = Enrollment._meta.db_table
    statuses_sql = params.add_list("status", statuses)
    sums = (
        f"COALESCE(SUM(CASE WHEN {rule_filter} THEN {measure} ELSE 0 END), 0) AS raw, "
        f"MAX(CASE WHEN {rule_filter} THEN e.receipt_at END) AS reached_at{''.join(quota_columns)}"
    )
    if rule.competitor_kind == CompetitorKind.AGENT and boards.every and only is None:
        # Every agent of the campaign: aggregate the phase's enrollments per agent
        # in index order first, then join the members (no per-agent probing).
        scored = f"""
        s AS (
            SELECT e.agent_id, {sums}
            FROM {enrollment} e
            WHERE e.phase_id IN ({phases}) AND e.counted AND e.status IN ({statuses_sql})
            GROUP BY e.agent_id
        ),
        b AS (
            SELECT c.id, c.code, c.name, c.cluster_id, ag.role, {target} AS target,
                   COALESCE(s.raw, 0) AS raw, s.reached_at, {screen} AS screen_id
                   {"".join(f", COALESCE(s.q{n}, 0) AS q{n}" for n in range(len(quotas)))}
            FROM {source} LEFT JOIN s ON s.agent_id = c.id
        )"""
    else:
        scored = f"""
        b AS (
            SELECT c.id, c.code, c.name, c.cluster_id, {role_column} AS role, {target} AS target, {sums},
                   {screen} AS screen_id
            FROM {source}
            LEFT JOIN {enrollment} e
                   ON e.agent_id = ag.id AND e.phase_id IN ({phases}) AND e.counted AND e.status IN ({statuses_sql})
            GROUP BY c.id, c.code, c.name, c.cluster_id
        )"""
    return f"""
        WITH {ctes},{scored},
        board AS (
            SELECT b.id, b.code, b.name, b.cluster_id, {score} AS score, b.target, b.reached_at,
                   CASE WHEN {eligible} THEN 1 ELSE 0 END AS eligible, b.screen_id
                   {"".join(f", COALESCE(b.q{n}, 0) AS q{n}" for n in range(len(quotas)))}
            FROM b
        )
    """


def _no_moment() -> str:
    """A NULL of the type of receipt times (PostgreSQL types its NULLs)."""
    return "CAST(NULL AS timestamptz)" if connection.vendor == "postgresql" else "NULL"


# A unit's target for an indicator (``t``: its IndicatorTarget, ``i``: the
# indicator), and whether its value of the phase (``v``) meets it: 1 or 0.
_WANTED = "COALESCE(t.target, i.default_target)"
_MET = f"""CASE WHEN v.value IS NOT NULL AND (
        (i.comparator = 'gte' AND v.value >= {_WANTED}) OR (i.comparator = 'gt' AND v.value > {_WANTED})
        OR (i.comparator = 'lte' AND v.value <= {_WANTED}) OR (i.comparator = 'lt' AND v.value < {_WANTED})
    ) THEN 1 ELSE 0 END"""


def _indicators_sql(
    rule: AwardRule, phase: Phase, boards: Boards, params: _Params, only: list[int] | None = None
) -> str:
    ctes, _source = _competitors_sql(rule, boards, params, only)
    indicator, target, value = Indicator._meta.db_table, IndicatorTarget._meta.db_table, IndicatorValue._meta.db_table
    cap = params.add("cap", RATIO_CAP)
    wanted, met = _WANTED, _MET
    # value × 1.0 keeps SQLite from dividing integers.
    ratio = f"""CASE
        WHEN v.value IS NULL THEN 0
        WHEN i.comparator IN ('gte', 'gt') THEN
            CASE WHEN {wanted} <= 0 OR v.value * 1.0 / {wanted} > {cap} THEN {cap} ELSE v.value * 1.0 / {wanted} END
        ELSE
            CASE WHEN v.value <= 0 OR {wanted} * 1.0 / v.value > {cap} THEN {cap} ELSE {wanted} * 1.0 / v.value END
    END"""
    return f"""
        WITH {ctes},
        b AS (
            SELECT c.id, c.code, c.name, c.cluster_id, SUM({ratio}) * 1.0 / COUNT(i.id) AS score,
                   SUM({met}) AS met, COUNT(i.id) AS indicators, {screen_sql(rule, phase, params)} AS screen_id
            FROM c
            JOIN {indicator} i ON i.campaign_id = %(campaign)s
            LEFT JOIN {target} t ON t.indicator_id = i.id AND t.unit_id = c.id
            LEFT JOIN {value} v ON v.indicator_id = i.id AND v.unit_id = c.id AND v.phase_id = %(phase)s
            GROUP BY c.id, c.code, c.name, c.cluster_id
        ),
        board AS (
            SELECT b.id, b.code, b.name, b.cluster_id, b.score, CAST(NULL AS NUMERIC) AS target,
                   {_no_moment()} AS reached_at,
                   CASE WHEN b.screen_id IS NULL AND b.met = b.indicators THEN 1 ELSE 0 END AS eligible, b.screen_id
            FROM b
        )
    """


def board_sql(
    *, rule: AwardRule, phase: Phase, boards: Boards, final: bool, only: list[int] | None = None
) -> tuple[str, _Params, list[Quota]]:
    """The statement scoring the rule's competitors on the chosen boards (only
    those in ``only``, when given), unranked: a ``board`` CTE with the columns
    id, code, name, cluster_id, score, target, reached_at, eligible, screen_id,
    q0…qn (``screen_id``: the bar from commendation that makes the competitor
    not eligible, ``awards.screening``; eligibility is decided here only). Its
    parameters, and the quotas whose counts it selects."""
    params = _Params(campaign=rule.campaign_id, phase=phase.pk)
    quotas = []
    if rule.metric == AwardRule.Metric.INDICATORS:
        body = _indicators_sql(rule, phase, boards, params, only)
    else:
        if rule.requires_quota:
            quotas = applicable_quotas(rule=rule, phase=phase, boards=boards)
        body = _count_sql(rule, phase, boards, final, params, quotas, only)
    return body, params, quotas


# The order of a leaderboard (DESIGN §5): the eligible first, then by score, the
# earlier reached, the code. A competitor that never reached anything comes last.
BOARD_ORDER = "eligible DESC, score DESC, reached_at ASC NULLS LAST, code ASC"


def standings_sql(*, rule: AwardRule, phase: Phase, boards: Boards, final: bool) -> tuple[str, _Params, list[Quota]]:
    """The statement ranking the rule's competitors on the chosen boards, its
    parameters and the quotas whose counts it selects. Columns: id, code, name,
    cluster_id, score, target, reached_at, eligible, screen_id, q0…qn, position,
    prize_rank."""
    body, params, quotas = board_sql(rule=rule, phase=phase, boards=boards, final=final)
    # One sort serves both windows: the eligible come first on the board, so
    # among them the prize rank is the position (or, shared, the RANK by score).
    order = BOARD_ORDER
    if rule.tie_policy == AwardRule.TiePolicy.SHARE:
        prize_rank = "RANK() OVER (PARTITION BY cluster_id ORDER BY eligible DESC, score DESC)"
    else:
        prize_rank = f"ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY {order})"
    sql = f"""{body}
        SELECT board.*,
               ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY {order}) AS position,
               CASE WHEN eligible = 1 THEN {prize_rank} END AS prize_rank
        FROM board
    """
    return sql, params, quotas


def standings(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False
) -> list[CompetitorStanding]:
    """The leaderboard of one cluster (None: everyone the rule ranks together)
    for a rule at a phase, best first."""
    rows, _size = standings_page(rule=rule, phase=phase, cluster=cluster, final=final)
    return rows


def standings_page(
    *,
    rule: AwardRule,
    phase: Phase,
    cluster: Cluster | None,
    final: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[CompetitorStanding], int | None]:
    """A slice of a leaderboard in position order, and the size of the whole
    board (None when the slice is empty): the board is ranked whole in the
    database, and only the slice travels."""
    sql, params, quotas = standings_sql(rule=rule, phase=phase, boards=Boards(cluster=cluster), final=final)
    window = ""
    if limit is not None:
        window = f" LIMIT {params.add('page_limit', int(limit))} OFFSET {params.add('page_offset', int(offset))}"
    rows = _fetch(
        f"SELECT ranked.*, COUNT(*) OVER () AS board_size FROM ({sql}) ranked ORDER BY position{window}", params
    )
    kind, quota_count = rule.competitor_kind, len(quotas)
    result = [_standing(row, kind, quota_count) for row in rows]
    return result, (int(rows[0][-1]) if rows else None)


def standings_stream(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False, batch: int = 2000
) -> Iterator[list[CompetitorStanding]]:
    """The whole leaderboard in position order, ``batch`` rows at a time: ranked
    whole in the database by one statement, read through a server-side cursor
    on PostgreSQL, so that memory stays flat whatever the size of the board."""
    sql, params, quotas = standings_sql(rule=rule, phase=phase, boards=Boards(cluster=cluster), final=final)
    kind, quota_count = rule.competitor_kind, len(quotas)
    query = f"SELECT ranked.* FROM ({sql}) ranked ORDER BY position"
    postgresql = connection.vendor == "postgresql"
    streamed = postgresql and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    with connection.chunked_cursor() if streamed else connection.cursor() as cursor:
        if postgresql:
            cursor.cursor.execute(query, params, binary=True)
        else:
            cursor.execute(query, params)
        while rows := cursor.fetchmany(batch):
            yield [_standing(row, kind, quota_count) for row in rows]


def _standing(row: tuple, kind: str, quota_count: int) -> CompetitorStanding:
    """A row of ``standings_sql`` (and any columns after it) as a standing."""
    competitor_id, code, name, cluster_id, score, target, reached_at, eligible, screen_id, *rest = row
    reached_at = _moment(reached_at)
    return CompetitorStanding(
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
        screen_id=screen_id,
    )


class LiveBoard:
    """A provisional leaderboard for Django's paginator: asked for its size,
    it ranks the board once and keeps the page it expects to be asked for."""

    def __init__(self, *, rule: AwardRule, phase: Phase, cluster: Cluster | None, page_size: int, page: int = 1):
        self.rule, self.phase, self.cluster = rule, phase, cluster
        self.page_size, self.expected = page_size, max(page, 1)
        self._rows: list[CompetitorStanding] | None = None
        self._offset = 0
        self._size: int | None = None

    def _load(self, offset: int, limit: int) -> None:
        rows, size = standings_page(rule=self.rule, phase=self.phase, cluster=self.cluster, limit=limit, offset=offset)
        if size is None and offset:
            _first, size = standings_page(rule=self.rule, phase=self.phase, cluster=self.cluster, limit=1)
        self._rows, self._offset, self._size = rows, offset, size or 0

    def count(self) -> int:
        if self._size is None:
            self._load((self.expected - 1) * self.page_size, self.page_size)
        return self._size

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if self._rows is None or start != self._offset or stop - start > self.page_size:
            self._load(start, (stop - start) if stop is not None else self.count())
        return self._rows[: (stop - start) if stop is not None else None]


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


def _moment(value) -> datetime | None:
    """A receipt time read from a board's statement (SQLite answers text from a CASE expression)."""
    return _aware(parse_datetime(value)) if isinstance(value, str) else value


def _decimal(value) -> Decimal:
    """Scores as decimals with four places (SQLite answers in floats), rounded
    half away from zero as PostgreSQL rounds a value stored in a four-place column."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(str(value)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def agent_standings(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, final: bool = False
) -> list[CompetitorStanding]:
    """The leaderboard of an agent rule; see ``standings``."""
    if rule.competitor_kind != CompetitorKind.AGENT:
        raise ValueError("agent_standings ranks agents only")
    return standings(rule=rule, phase=phase, cluster=cluster, final=final)


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """A unit's value of an indicator in a phase (None when none was recorded),
    the target it is held to and whether the value meets it: what the score and
    the eligibility of an indicators rule are made of."""

    indicator_id: int
    value: Decimal | None
    target: Decimal
    met: bool


def indicator_results(*, campaign_id: int, phase_id: int, unit_ids: list[int]) -> dict[int, list[IndicatorResult]]:
    """Unit → its result on each indicator of the campaign, in the indicators'
    order, for showing next to the scores; judged by the same targets and
    comparisons as the board's own statement (``_WANTED``, ``_MET``)."""
    if not unit_ids:
        return {}
    indicator, target, value = Indicator._meta.db_table, IndicatorTarget._meta.db_table, IndicatorValue._meta.db_table
    params = _Params(campaign=campaign_id, phase=phase_id)
    units = params.add_list("unit", unit_ids)
    sql = f"""
        SELECT u.id, i.id, v.value, {_WANTED} AS target, {_MET} AS met
        FROM {Unit._meta.db_table} u
        JOIN {indicator} i ON i.campaign_id = %(campaign)s
        LEFT JOIN {target} t ON t.indicator_id = i.id AND t.unit_id = u.id
        LEFT JOIN {value} v ON v.indicator_id = i.id AND v.unit_id = u.id AND v.phase_id = %(phase)s
        WHERE u.id IN ({units})
        ORDER BY u.id, i.position, i.code
    """
    results: dict[int, list[IndicatorResult]] = defaultdict(list)
    for unit_id, indicator_id, reported, wanted, met in _fetch(sql, params):
        results[unit_id].append(
            IndicatorResult(indicator_id, None if reported is None else _decimal(reported), _decimal(wanted), bool(met))
        )
    return dict(results)
