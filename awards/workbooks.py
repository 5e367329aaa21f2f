"""The results as Excel workbooks (DESIGN §7).

- ``write_ranking``: a phase's ranking under one award rule, a sheet per board
  (cluster) of the rule, read from ``awards.selectors.leaderboard_stream``:
  final once the phase is finalized (the current finalization's stored
  standings and their prizes), provisional before (computed live). A rule
  judging units on indicators shows each indicator's value and target and why
  a unit is not eligible (``awards.scoring.indicator_results``);
- ``write_award_list``: awards with their nominations nested under them, and
  a summary sheet of counts and amounts per prize tier and overall
  (``awards.selectors.award_totals``). Amounts are read from ``awards.money``:
  a salary-based prize not decided yet is an estimate at today's base salary,
  marked as such; once approved, the amount of the decision date.

Both stream rows into the sheets of ``core.workbooks``, laid out to print: the
rows are read in batches, never gathered first. Headers and title lines are
Vietnamese, as the offices read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import IO

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.formats import number_format

from awards.models import Award, Finalization, Nomination
from awards.money import award_money
from awards.scoring import IndicatorResult, indicator_results, rule_clusters
from awards.selectors import (
    AWARD_LIST_ORDER,
    BoardStream,
    NoRanking,
    award_totals,
    leaderboard_rule,
    leaderboard_stream,
    listed_nominations,
)
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Indicator, Phase, Quota
from collectors.models import Agent
from core.workbooks import (
    COUNT,
    DATE,
    DATETIME,
    DECIMAL,
    MEASURE,
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
    "indicator_ranking_rows",
    "ranking_columns",
    "ranking_filename",
    "ranking_rows",
    "ranking_titles",
    "rule_indicators",
    "shortfall",
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

_COMPARATOR_SIGNS = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<"}
NOT_REPORTED = "chưa có số liệu"
INDICATOR_VALUE, INDICATOR_TARGET = "Thực hiện", "Chỉ tiêu"
REASON = "Lý do không đủ điều kiện"


def rule_indicators(rule: AwardRule) -> list[Indicator]:
    """The indicators an indicators rule judges on, in their order; none for other rules."""
    if rule.metric != AwardRule.Metric.INDICATORS:
        return []
    return list(Indicator.objects.filter(campaign_id=rule.campaign_id).order_by("position", "code"))


def _indicator_heading(indicator: Indicator) -> str:
    unit = f" ({indicator.unit_of_measure})" if indicator.unit_of_measure else ""
    return f"{indicator.name}{unit}"


def ranking_columns(rule: AwardRule, indicators: list[Indicator] | None = None) -> list[Column]:
    """The ranking sheet's columns; names and affiliation headers follow the competitor kind.
    A rule judging units on ``indicators`` shows each one's value and target (under the
    indicator's name) and why a unit is not eligible, instead of quotas and times."""
    kind = rule.competitor_kind
    score_format = COUNT if rule.metric in _WHOLE_METRICS else DECIMAL
    competitor = [
        Column("Hạng", 6),
        Column("Vị trí", 6),
        Column("Mã", 11),
        Column(_NAME_HEADER.get(kind, "Tên"), 24, wrap=True),
        Column(_AFFILIATION_HEADER.get(kind, "Đơn vị"), 26, wrap=True),
    ]
    if rule.metric == AwardRule.Metric.INDICATORS:
        measured = []
        for indicator in indicators or []:
            heading = _indicator_heading(indicator)
            sign = _COMPARATOR_SIGNS.get(indicator.comparator, "")
            measured += [
                Column(INDICATOR_VALUE, 10, MEASURE, group=heading),
                Column(f"{INDICATOR_TARGET} ({sign})", 10, MEASURE, group=heading),
            ]
        return [
            *competitor,
            Column("Điểm", 9, score_format),
            *measured,
            Column("Đủ điều kiện", 9),
            Column(REASON, 30, wrap=True),
            Column("Giải", 14, wrap=True),
        ]
    return [
        *competitor,
        Column("Địa bàn", 18, wrap=True),
        Column("Điểm", 8, score_format),
        Column("Chỉ tiêu tối thiểu", 9, COUNT),
        Column("% chỉ tiêu", 9, PERCENT),
        Column("Đủ điều kiện", 9),
        Column("Thời điểm đạt", 16, DATETIME),
        Column("Giải", 14, wrap=True),
        Column(REASON, 30, wrap=True),
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
    indicators = rule_indicators(rule)
    columns = ranking_columns(rule, indicators)
    written = 0
    # The reasons of bars from commendation, as the offices read them.
    with WorkbookWriter(output) as book, translation.override("vi"):
        for cluster in rule_clusters(rule):
            if allows is not None and not allows(cluster.pk if cluster else None):
                continue
            board = leaderboard_stream(phase=phase, rule=rule, cluster=cluster, batch=CHUNK)
            titles = ranking_titles(phase=phase, rule=rule, cluster=cluster, finalization=board.finalization, now=now)
            sheet = book.sheet(cluster.name if cluster else WHOLE_BOARD, columns=columns, titles=titles)
            append = sheet.append
            if rule.metric == AwardRule.Metric.INDICATORS:
                rows = indicator_ranking_rows(board, phase=phase, indicators=indicators)
            else:
                rows = ranking_rows(board, rule=rule, tz=phase.campaign.tzinfo)
            for row in rows:
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


def _figure(value: Decimal) -> str:
    """A value as an office writes it: 3,6 · 26,8 · 100 · 1.250,5."""
    plain = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    with translation.override("vi"):
        return number_format(plain, force_grouping=True)


def shortfall(indicator: Indicator, result: IndicatorResult) -> str:
    """Why ``result`` misses its target: "Tỷ lệ nợ BHXH, BHYT, BHTN: 3,6 (chỉ tiêu < 3,4)"."""
    sign = _COMPARATOR_SIGNS.get(indicator.comparator, "")
    value = NOT_REPORTED if result.value is None else _figure(result.value)
    return f"{indicator.name}: {value} (chỉ tiêu {sign} {_figure(result.target)})"


def _reasons(row, missed: list[str]) -> str | None:
    """Why a unit on an indicator board is not eligible: its bar from commendation, the indicators it misses."""
    if row.eligible:
        return None
    return "; ".join(([row.barred] if row.barred else []) + missed) or None


def indicator_ranking_rows(board: BoardStream, *, phase: Phase, indicators: list[Indicator]) -> Iterator[list]:
    """A board of units judged on ``indicators`` as sheet rows: each indicator's value
    and target (``awards.scoring.indicator_results``, read a batch of units at a time),
    eligibility and, for a unit that is not eligible, the indicators it misses."""
    by_id = {indicator.pk: indicator for indicator in indicators}
    rows = iter(board.rows)
    while batch := list(islice(rows, CHUNK)):
        results = indicator_results(
            campaign_id=phase.campaign_id, phase_id=phase.pk, unit_ids=[row.id for row in batch]
        )
        for row in batch:
            measured, missed = [], []
            for result in results.get(row.id, []):
                measured += [result.value, result.target]
                if not result.met:
                    missed.append(shortfall(by_id[result.indicator_id], result))
            yield [
                row.rank,
                row.position,
                row.code,
                row.name,
                row.affiliation,
                row.score,
                *measured,
                YES if row.eligible else NO,
                _reasons(row, missed),
                row.prize.title if row.prize is not None else None,
            ]


# --- Award list ------------------------------------------------------------------------

AWARD_LIST_TITLE = "Danh sách khen thưởng"
ALL_CAMPAIGNS = "Tất cả phong trào"
AWARD_COLUMNS = [
    Column("Đợt", 9, wrap=True),
    Column("Giải thưởng", 18, wrap=True),
    Column("Cụm", 11, wrap=True),
    Column("Giải", 13, wrap=True),
    Column("Mã", 11),
    Column("Tên", 22, wrap=True),
    Column("Đơn vị / Tổ chức", 22, wrap=True),
    Column("Số tiền (đồng)", 13, MONEY),
    Column("Trạng thái", 12, wrap=True),
    Column("Biên bản hội đồng", 12, wrap=True),
    Column("Số quyết định", 12, wrap=True),
    Column("Ngày quyết định", 11, DATE),
    Column("Ghi chú số tiền", 24, wrap=True),
]
SUMMARY_COLUMNS = [
    Column("Giải thưởng", 32, wrap=True),
    Column("Giải", 20, wrap=True),
    Column("Số lượng", 10, COUNT),
    Column("Số tiền (đồng)", 16, MONEY),
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

    with WorkbookWriter(output) as book:
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
            for number, nomination in enumerate(award.nominations.all(), start=1):
                sheet.append_styled(
                    _nomination_row(nomination, nomination_status),
                    indent={_NAME: 2},
                    data=True,
                    number=f"{sheet.numbers}.{number}",  # the award's own number, then the nominee's
                )
        outside = (
            listed_nominations(queryset).filter(award__isnull=True).select_related("phase").order_by("phase", "pk")
        )
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
        summary.append_styled(
            [GRAND_TOTAL, None, awards_count + nominated, awards_amount + nominated_amount], bold=True
        )
    return awards_count
