"""The results as Excel workbooks (DESIGN §7).

- ``write_ranking``: a phase's ranking under one award rule, a sheet per board
  (cluster) of the rule, read from ``awards.selectors.leaderboard_stream``:
  final once the phase is finalized (the current finalization's stored
  standings and their prizes), provisional before (computed live);
- ``write_award_list``: awards with their nominations nested under them, and
  a summary sheet of counts and amounts per prize tier and overall
  (``awards.selectors.award_totals``). Amounts are read from ``awards.money``:
  a salary-based prize not decided yet is an estimate at today's base salary,
  marked as such; once approved, the amount of the decision date.

Both stream rows into write-only sheets (``core.workbooks``): the
rows are read in batches, never gathered first. Headers and title lines are
Vietnamese, as the offices read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO

from django.db.models import Prefetch
from django.utils import timezone, translation

from awards.models import Award, Finalization, Nomination
from awards.money import award_money
from awards.scoring import rule_clusters
from awards.selectors import (
    AWARD_LIST_ORDER,
    BoardStream,
    NoRanking,
    award_totals,
    leaderboard_rule,
    leaderboard_stream,
    listed_nominations,
)
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota
from collectors.models import Agent
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
from enrollments.contributions import ParameterTable

__all__ = [
    "NoRanking",  # raised by write_ranking for a phase no rule ranks
    "award_list_filename",
    "ranking_columns",
    "ranking_filename",
    "ranking_rows",
    "ranking_titles",
    "write_award_list",
    "write_ranking",
]

# Rows fetched per round trip when streaming standings and awards.
CHUNK = 2000

YES, NO = "Có", "Không"
PROVISIONAL, FINAL = "Tạm tính", "Chính thức"
WHOLE_BOARD = "Bảng xếp hạng"  # the sheet of a rule ranking everyone together

_NAME_HEADER = {CompetitorKind.AGENT: "Họ và tên"}
_AFFILIATION_HEADER = {CompetitorKind.AGENT: "Tổ chức dịch vụ thu / Đơn vị"}
# Scores of these metrics are whole numbers (participants, VND).
_WHOLE_METRICS = (AwardRule.Metric.COUNT, AwardRule.Metric.REVENUE)


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
        Column("Lý do không đủ điều kiện", 32),
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
    rule; ``NoRanking`` when no rule ranks it) to ``output``, a sheet per board the
    rule keeps; ``allows(cluster_id)`` picks the boards a reader may see (default:
    all). Returns the data rows written."""
    if rule is None:
        rule = leaderboard_rule(phase=phase)
    now = timezone.now()
    columns = ranking_columns(rule)
    book = WorkbookWriter()
    with translation.override("vi"):  # the reasons of bars from commendation, as the offices read them
        written = _write_boards(book, phase=phase, rule=rule, columns=columns, allows=allows, now=now)
    book.save(output)
    return written


def _write_boards(book: WorkbookWriter, *, phase: Phase, rule: AwardRule, columns, allows, now: datetime) -> int:
    written = 0
    for cluster in rule_clusters(rule):
        if allows is not None and not allows(cluster.pk if cluster else None):
            continue
        board = leaderboard_stream(phase=phase, rule=rule, cluster=cluster, batch=CHUNK)
        titles = ranking_titles(phase=phase, rule=rule, cluster=cluster, finalization=board.finalization, now=now)
        sheet = book.sheet(cluster.name if cluster else WHOLE_BOARD, columns=columns, titles=titles)
        append = sheet.append
        for row in ranking_rows(board, rule=rule, tz=phase.campaign.tzinfo):
            append(row)
        written += sheet.data_rows
    return written


def _first_quota_by_role(quotas: list[Quota]) -> dict[str, tuple[int, int]]:
    """Competitor role → (index of its count, minimum) of the first quota binding it
    ("" for teams and units, which only role-less quotas bind)."""
    chosen = {}
    for role in ("", *Agent.Role.values):
        for index, quota in enumerate(quotas):
            if quota.role in ("", role):
                chosen[role] = (index, quota.minimum)
                break
    return chosen


def ranking_rows(board: BoardStream, *, rule: AwardRule, tz) -> Iterator[list]:
    """A board's rows as sheet rows: the share of the first quota binding each
    competitor, eligibility and the bar from commendation that denies it, the
    time they reached their score, the prize."""
    by_role = _first_quota_by_role(board.quotas)
    total = len(board.quotas)
    whole = rule.metric in _WHOLE_METRICS
    for row in board.rows:
        minimum = share = None
        quota = by_role.get(row.role)
        if quota is not None and len(row.quota_counts) == total:
            index, minimum = quota
            share = row.quota_counts[index] / minimum
        yield [
            row.rank,
            row.position,
            row.code,
            row.name,
            row.affiliation,
            row.locality,
            int(row.score) if whole else row.score,
            minimum,
            share,
            YES if row.eligible else NO,
            excel_datetime(row.reached_at, tz),
            row.prize.title if row.prize is not None else None,
            row.barred,
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
    Column("Ghi chú số tiền", 40),
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
OUTSIDE_SECTOR = "Đề nghị ngoài ngành"
# Beside a salary-based prize before its decision (``awards.money``), and beside totals that include one.
ESTIMATE_NOTE = "Tạm tính theo mức lương cơ sở hiện hành; số tiền chính thức được xác định vào ngày quyết định"
_NAME, _AMOUNT, _NOTE = 5, 7, 12  # columns of the award list


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


def _nomination_row(nomination: Nomination, status: dict[str, str]) -> list:
    return [
        None,
        None,
        None,
        nomination.distinction or None,
        nomination.agent.code if nomination.agent_id else None,
        nomination.full_name,
        ", ".join(part for part in (nomination.job_title, nomination.organization) if part) or None,
        nomination.amount,
        status[nomination.status],
        nomination.council_reference or None,
        nomination.decision_number or None,
        nomination.decision_date,
        None,
    ]


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
    nominations made under it; then the nominations from outside the sector in
    their phases; then the totals. Returns the number of awards written."""
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
    totals = award_totals(queryset)
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
        .order_by(*AWARD_LIST_ORDER)
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
    parameters = ParameterTable.load()
    for award in queryset.iterator(chunk_size=CHUNK // 4):
        money = award_money(award, parameters=parameters)
        sheet.append(
            [
                award.phase.name,
                award.rule.name,
                award.cluster.name if award.cluster_id else None,
                award.tier.title,
                award.competitor_code,
                award.competitor_name,
                _affiliation(award),
                money.amount,
                award_status[award.status],
                award.council_reference or None,
                award.decision_number or None,
                award.decision_date,
                ESTIMATE_NOTE if money.estimate else None,
            ]
        )
        for nomination in award.nominations.all():
            sheet.append_styled(_nomination_row(nomination, nomination_status), indent={_NAME: 2}, data=True)
    outside = listed_nominations(queryset).filter(award__isnull=True).select_related("phase").order_by("phase", "pk")
    for nomination in outside:
        row = _nomination_row(nomination, nomination_status)
        row[0], row[1] = nomination.phase.name if nomination.phase_id else None, OUTSIDE_SECTOR
        sheet.append_styled(row, data=True)
    awards_count, awards_amount = totals["count"], totals["amount"]
    nominated, nominated_amount = totals["nominations"]["count"], totals["nominations"]["amount"]
    sheet.append_styled([])
    for label, amount in (
        (AWARDS_TOTAL, awards_amount),
        (NOMINATIONS_TOTAL, nominated_amount),
        (GRAND_TOTAL, awards_amount + nominated_amount),
    ):
        row: list = [None] * len(AWARD_COLUMNS)
        row[0], row[_AMOUNT] = label, amount
        if totals["estimate"] and label != NOMINATIONS_TOTAL:
            row[_NOTE] = ESTIMATE_NOTE
        sheet.append_styled(row, bold=True)

    summary = book.sheet("Tổng hợp", columns=SUMMARY_COLUMNS, titles=titles)
    for tier in totals["by_tier"]:
        summary.append([tier["rule_name"], tier["tier"], tier["count"], tier["amount"]])
    summary.append_styled([AWARDS_TOTAL, None, awards_count, awards_amount], bold=True)
    summary.append_styled([NOMINATIONS_TOTAL, None, nominated, nominated_amount], bold=True)
    summary.append_styled([GRAND_TOTAL, None, awards_count + nominated, awards_amount + nominated_amount], bold=True)
    book.save(output)
    return awards_count
