"""The results as Excel workbooks (DESIGN §7).

- ``write_ranking``: a phase's ranking under one award rule, a sheet per board
  (cluster) of the rule. Final once the phase is finalized: the current
  finalization's stored standings, streamed from the database in position
  order; provisional before: the standings computed live, board by board.
- ``write_award_list``: awards with their nominations nested under them, and
  a summary sheet of counts and amounts per prize tier and overall.

Both stream rows into write-only sheets (``core.workbooks``): the
rows are read in batches, never gathered first. Headers and title lines are
Vietnamese, as the offices read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO

from django.db.models import BigIntegerField, Case, CharField, F, Prefetch, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from awards.models import Award, Finalization, Nomination, Standing
from awards.scoring import Boards, rule_clusters, standings
from awards.selectors import board_quotas, current_finalization, default_rule, phase_rules
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota, Team
from collectors.models import Agent, Unit
from core.workbooks import (
    COUNT,
    DATE,
    DATETIME,
    DECIMAL,
    MONEY,
    PERCENT,
    Column,
    WorkbookWriter,
    datetime_text,
    excel_datetime,
    period_text,
)

# Competitor details are looked up this many at a time for a provisional board (well under
# the 999 parameters an old SQLite allows in a statement).
DETAIL_BATCH = 500
# Rows fetched per round trip when streaming stored standings and awards.
CHUNK = 2000

YES, NO = "Có", "Không"
PROVISIONAL, FINAL = "Tạm tính", "Chính thức"
WHOLE_BOARD = "Bảng xếp hạng"  # the sheet of a rule ranking everyone together

_NAME_HEADER = {CompetitorKind.AGENT: "Họ và tên"}
_AFFILIATION_HEADER = {CompetitorKind.AGENT: "Tổ chức dịch vụ thu / Đơn vị"}
# Scores of these metrics are whole numbers (participants, VND).
_WHOLE_METRICS = (AwardRule.Metric.COUNT, AwardRule.Metric.REVENUE)


class NoRanking(Exception):
    """The phase has no award rule ranking competitors."""


# --- Ranking ---------------------------------------------------------------------------


def ranking_columns(rule: AwardRule) -> list[Column]:
    """The ranking sheet's columns; names and affiliation headers follow the competitor kind."""
    kind = rule.competitor_kind
    score_format = COUNT if rule.metric in _WHOLE_METRICS else DECIMAL
    return [
        Column("Hạng", 7),
        Column("Vị trí", 8),
        Column("Mã", 14),
        Column(_NAME_HEADER.get(kind, "Tên"), 30),
        Column(_AFFILIATION_HEADER.get(kind, "Đơn vị"), 32),
        Column("Địa bàn", 24),
        Column("Điểm", 11, score_format),
        Column("Chỉ tiêu tối thiểu", 11, COUNT),
        Column("% chỉ tiêu", 11, PERCENT),
        Column("Đủ điều kiện", 11),
        Column("Thời điểm đạt", 17, DATETIME),
        Column("Giải", 18),
    ]


def ranking_filename(phase: Phase, rule: AwardRule) -> str:
    return f"Bảng xếp hạng {phase.campaign.code} {phase.name} {rule.code}.xlsx"


def ranking_titles(
    *, phase: Phase, rule: AwardRule, cluster: Cluster | None, finalization: Finalization | None, now: datetime
) -> list[str]:
    """Campaign; phase and its dates; rule and board; provisional, or final with its version and time."""
    campaign = phase.campaign
    tz = campaign.tzinfo
    board = f"{rule.name} — {cluster.name}" if cluster is not None else rule.name
    if finalization is not None:
        status = f"{FINAL} — phiên bản {finalization.version}, chốt lúc {datetime_text(finalization.at, tz)}"
    else:
        status = f"{PROVISIONAL} — số liệu đến {datetime_text(now, tz)}"
    return [campaign.name, f"{phase.name} ({period_text(phase.start, phase.cutoff, tz)})", board, status]


def write_ranking(
    output: str | IO[bytes],
    *,
    phase: Phase,
    rule: AwardRule | None = None,
    allows: Callable[[int | None], bool] | None = None,
) -> int:
    """Write the ranking of ``phase`` under ``rule`` (default: the phase's first agent
    rule) to ``output``, a sheet per board the rule keeps; ``allows(cluster_id)``
    picks the boards a reader may see (default: all). Returns the data rows written."""
    if rule is None:
        rule = default_rule(phase_rules(phase))
        if rule is None:
            raise NoRanking(_("No award rule ranks competitors in %(phase)s.") % {"phase": phase.name})
    tz = phase.campaign.tzinfo
    finalization = current_finalization(phase)
    now = timezone.now()
    columns = ranking_columns(rule)
    stored_quotas = board_quotas(rule=rule, phase=phase, boards=Boards(every=True)) if finalization else []
    book = WorkbookWriter()
    written = 0
    for cluster in rule_clusters(rule):
        if allows is not None and not allows(cluster.pk if cluster else None):
            continue
        titles = ranking_titles(phase=phase, rule=rule, cluster=cluster, finalization=finalization, now=now)
        sheet = book.sheet(cluster.name if cluster else WHOLE_BOARD, columns=columns, titles=titles)
        if finalization is not None:
            rows = _final_rows(finalization=finalization, rule=rule, cluster=cluster, quotas=stored_quotas, tz=tz)
        else:
            rows = _provisional_rows(rule=rule, phase=phase, cluster=cluster, tz=tz)
        append = sheet.append
        for row in rows:
            append(row)
        written += sheet.data_rows
    book.save(output)
    return written


def _first_quota_by_role(quotas: list[tuple[int, Quota]]) -> dict[str, tuple[int, int]]:
    """Competitor role → (index of its count, minimum) of the first quota binding it
    ("" for teams and units, which only role-less quotas bind)."""
    chosen = {}
    for role in ("", *Agent.Role.values):
        for index, quota in quotas:
            if quota.role in ("", role):
                chosen[role] = (index, quota.minimum)
                break
    return chosen


def _final_rows(
    *, finalization: Finalization, rule: AwardRule, cluster: Cluster | None, quotas: list[Quota], tz
) -> Iterator[list]:
    """A board's stored standings in position order, streamed, as sheet rows."""
    cluster_id = cluster.pk if cluster else None
    # The stored counts follow every quota of the rule; this board's are those of its cluster or of none.
    by_role = _first_quota_by_role([(n, q) for n, q in enumerate(quotas) if q.cluster_id in (None, cluster_id)])
    total = len(quotas)
    kind = rule.competitor_kind
    if kind == CompetitorKind.AGENT:
        details = {
            "affiliation": Coalesce("agent__organization__name", "agent__unit__name"),
            "place": F("agent__locality__name"),
            "role": F("agent__role"),
        }
    elif kind == CompetitorKind.TEAM:
        details = {"affiliation": F("team__unit__name"), "place": F("team__locality__name"), "role": Value("")}
    else:
        details = {"affiliation": F("unit__parent__name"), "place": F("unit__locality__name"), "role": Value("")}
    # The tier of the award a standing won, while that award stands.
    prize = Case(
        When(award__status__in=Award.ACTIVE, then=F("award__tier__title")),
        default=Value(None),
        output_field=CharField(),
    )
    # Counts and amounts are whole: cast in the database rather than row by row here.
    points = Cast("score", BigIntegerField()) if rule.metric in _WHOLE_METRICS else F("score")
    rows = (
        Standing.objects.filter(finalization=finalization, rule=rule, cluster_id=cluster_id)
        .annotate(**details, prize=prize, points=points)
        .order_by("position")
        .values_list(
            "rank",
            "position",
            "competitor_code",
            "competitor_name",
            "affiliation",
            "place",
            "points",
            "quota_counts",
            "role",
            "eligible",
            "reached_at",
            "prize",
        )
    )
    for (
        rank,
        position,
        code,
        name,
        affiliation,
        place,
        score,
        counts,
        role,
        eligible,
        reached_at,
        title,
    ) in rows.iterator(chunk_size=CHUNK):
        minimum = share = None
        quota = by_role.get(role or "")
        if quota is not None and counts:
            values = counts.split(",")
            if len(values) == total:  # else the quotas changed since: no share to show
                minimum = quota[1]
                share = int(values[quota[0]]) / minimum
        yield [
            rank,
            position,
            code,
            name,
            affiliation,
            place,
            score,
            minimum,
            share,
            YES if eligible else NO,
            excel_datetime(reached_at, tz),
            title,
        ]


def _competitor_details(kind: str, ids: list[int]) -> dict[int, tuple[str | None, str | None, str]]:
    """Competitor id → (organization or unit, locality, role) for one batch of a provisional board."""
    if kind == CompetitorKind.AGENT:
        rows = Agent.objects.filter(pk__in=ids).values_list(
            "pk", Coalesce("organization__name", "unit__name"), "locality__name", "role"
        )
        return {pk: (affiliation, place, role) for pk, affiliation, place, role in rows}
    if kind == CompetitorKind.TEAM:
        rows = Team.objects.filter(pk__in=ids).values_list("pk", "unit__name", "locality__name")
    else:
        rows = Unit.objects.filter(pk__in=ids).values_list("pk", "parent__name", "locality__name")
    return {pk: (affiliation, place, "") for pk, affiliation, place in rows}


def _provisional_rows(*, rule: AwardRule, phase: Phase, cluster: Cluster | None, tz) -> Iterator[list]:
    """A board's standings computed now (ranked whole in the database), as sheet rows;
    the competitors' organizations and localities are read a batch at a time."""
    quotas = board_quotas(rule=rule, phase=phase, boards=Boards(cluster=cluster))
    by_role = _first_quota_by_role(list(enumerate(quotas)))
    whole = rule.metric in _WHOLE_METRICS
    board = standings(rule=rule, phase=phase, cluster=cluster)
    for start in range(0, len(board), DETAIL_BATCH):
        batch = board[start : start + DETAIL_BATCH]
        details = _competitor_details(rule.competitor_kind, [row.competitor_id for row in batch])
        for row in batch:
            affiliation, place, role = details.get(row.competitor_id, (None, None, ""))
            minimum = share = None
            quota = by_role.get(role or "")
            if quota is not None and len(row.quota_counts) == len(quotas):
                minimum = quota[1]
                share = row.quota_counts[quota[0]] / minimum
            yield [
                row.rank,
                row.position,
                row.code,
                row.name,
                affiliation,
                place,
                int(row.score) if whole else row.score,
                minimum,
                share,
                YES if row.eligible else NO,
                excel_datetime(row.reached_at, tz),
                None,
            ]


# --- Award list ------------------------------------------------------------------------

AWARD_LIST_TITLE = "Danh sách khen thưởng"
ALL_CAMPAIGNS = "Tất cả phong trào"
AWARD_COLUMNS = [
    Column("Đợt", 12),
    Column("Giải thưởng", 28),
    Column("Cụm", 14),
    Column("Giải", 18),
    Column("Mã", 14),
    Column("Tên", 32),
    Column("Đơn vị / Tổ chức", 32),
    Column("Số tiền (đồng)", 16, MONEY),
    Column("Trạng thái", 20),
    Column("Biên bản hội đồng", 18),
    Column("Số quyết định", 18),
    Column("Ngày quyết định", 14, DATE),
]
SUMMARY_COLUMNS = [
    Column("Giải thưởng", 32),
    Column("Giải", 20),
    Column("Số lượng", 12, COUNT),
    Column("Số tiền (đồng)", 18, MONEY),
]
AWARDS_TOTAL = "Cộng giải thưởng"
NOMINATIONS_TOTAL = "Cộng cá nhân, tập thể được đề nghị"
GRAND_TOTAL = "Tổng cộng"
_NAME, _AMOUNT = 5, 7  # columns of the award list


def award_list_filename(*, phase: Phase | None = None, campaign: Campaign | None = None) -> str:
    if phase is not None:
        return f"Danh sách khen thưởng {phase.campaign.code} {phase.name}.xlsx"
    if campaign is not None:
        return f"Danh sách khen thưởng {campaign.code}.xlsx"
    return "Danh sách khen thưởng.xlsx"


def _affiliation(award: Award) -> str | None:
    if award.agent_id:
        agent = award.agent
        return (agent.organization or agent.unit).name if (agent.organization_id or agent.unit_id) else None
    if award.team_id:
        return award.team.unit.name if award.team.unit_id else None
    return award.unit.parent.name if award.unit.parent_id else None


def write_award_list(
    output: str | IO[bytes],
    *,
    phase: Phase | None = None,
    campaign: Campaign | None = None,
    statuses: list[str] | None = None,
    awards=None,
) -> int:
    """Write the award list to ``output``: the awards of ``awards`` (a queryset; default
    every award) of ``phase`` or ``campaign``, of ``statuses`` (default, when no
    queryset is given: the live ones, proposed to approved), each followed by the
    nominations made under it; then the totals. Returns the number of awards written."""
    queryset = awards if awards is not None else Award.objects.all()
    if phase is not None:
        queryset = queryset.filter(phase=phase)
        campaign = phase.campaign
    if campaign is not None:
        queryset = queryset.filter(phase__campaign=campaign)
    if statuses is None and awards is None:
        statuses = list(Award.ACTIVE)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    queryset = (
        queryset.select_related(
            "phase__campaign",
            "rule",
            "cluster",
            "tier",
            "agent__organization",
            "agent__unit",
            "team__unit",
            "unit__parent",
        )
        .prefetch_related(Prefetch("nominations", queryset=Nomination.objects.select_related("agent").order_by("pk")))
        .order_by(
            "phase__campaign_id",
            "phase__number",
            "rule__position",
            "rule__code",
            "cluster__number",
            "tier__position",
            "standing__position",
            "pk",
        )
    )
    tz = campaign.tzinfo if campaign is not None else timezone.get_current_timezone()
    with translation.override("vi"):
        award_status = {value: str(label) for value, label in Award.Status.choices}
        nomination_status = {value: str(label) for value, label in Nomination.Status.choices}
    if phase is not None:
        scope = f"{campaign.name} — {phase.name} ({period_text(phase.start, phase.cutoff, tz)})"
    else:
        scope = campaign.name if campaign is not None else ALL_CAMPAIGNS
    shown = ", ".join(award_status[value] for value in statuses) if statuses else "tất cả"
    titles = [AWARD_LIST_TITLE, scope, f"Trạng thái: {shown}", f"Lập lúc {datetime_text(timezone.now(), tz)}"]

    book = WorkbookWriter()
    sheet = book.sheet(AWARD_LIST_TITLE, columns=AWARD_COLUMNS, titles=titles)
    tiers: dict[int, list] = {}  # tier id → [rule name, tier title, count, amount], in list order
    awards_count = awards_amount = nominated = nominated_amount = 0
    for award in queryset.iterator(chunk_size=CHUNK // 4):
        sheet.append(
            [
                award.phase.name,
                award.rule.name,
                award.cluster.name if award.cluster_id else None,
                award.tier.title,
                award.competitor_code,
                award.competitor_name,
                _affiliation(award),
                award.amount,
                award_status[award.status],
                award.council_reference or None,
                award.decision_number or None,
                award.decision_date,
            ]
        )
        totals = tiers.setdefault(award.tier_id, [award.rule.name, award.tier.title, 0, 0])
        totals[2] += 1
        totals[3] += award.amount
        awards_count += 1
        awards_amount += award.amount
        for nomination in award.nominations.all():
            sheet.append_styled(
                [
                    None,
                    None,
                    None,
                    nomination.distinction or None,
                    nomination.agent.code if nomination.agent_id else None,
                    nomination.full_name,
                    ", ".join(part for part in (nomination.job_title, nomination.organization) if part) or None,
                    nomination.amount,
                    nomination_status[nomination.status],
                    None,
                    nomination.decision_number or None,
                    nomination.decision_date,
                ],
                indent={_NAME: 2},
                data=True,
            )
            if nomination.status != Nomination.Status.REJECTED:
                nominated += 1
                nominated_amount += nomination.amount
    sheet.append_styled([])
    for label, amount in (
        (AWARDS_TOTAL, awards_amount),
        (NOMINATIONS_TOTAL, nominated_amount),
        (GRAND_TOTAL, awards_amount + nominated_amount),
    ):
        row: list = [None] * len(AWARD_COLUMNS)
        row[0], row[_AMOUNT] = label, amount
        sheet.append_styled(row, bold=True)

    summary = book.sheet("Tổng hợp", columns=SUMMARY_COLUMNS, titles=titles)
    for rule_name, tier_title, count, amount in tiers.values():
        summary.append([rule_name, tier_title, count, amount])
    summary.append_styled([AWARDS_TOTAL, None, awards_count, awards_amount], bold=True)
    summary.append_styled([NOMINATIONS_TOTAL, None, nominated, nominated_amount], bold=True)
    summary.append_styled([GRAND_TOTAL, None, awards_count + nominated, awards_amount + nominated_amount], bold=True)
    book.save(output)
    return awards_count
