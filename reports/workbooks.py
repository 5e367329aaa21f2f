"""The progress workbook: new participants against plan (kế hoạch giao).

``write_progress`` writes one sheet per way of cutting the campaign — a summary
by phase, by locality (province → district), by BHXH unit, by service
organization with the post office / other agents split, by team and by
cluster — each ending with the campaign's total row. Every figure, counted and
plan, comes from ``reports.progress`` (the reader the campaign overview page
uses too); this module only lays the rows out, with a plan, reached and % of
plan column per product and for all products together.
"""

from __future__ import annotations

from datetime import date

from django.utils import formats, timezone, translation

from campaigns.models import Campaign, Phase
from collectors.models import ServiceOrganization
from core.workbooks import COUNT, PERCENT, Column, WorkbookWriter, datetime_text, period_text
from enrollments.choices import Product
from reports.progress import (
    NO_DISTRICT,
    NO_LOCALITY,
    NO_ORGANIZATION,
    NO_TEAM,
    NO_UNIT,
    OUTSIDE_CLUSTERS,
    TOTAL,
    Figure,
    PlanProgress,
    ProgressRow,
    progress_against_plan,
)
from reports.scope import Scope

KIND_ORDER = [
    ServiceOrganization.Kind.POST_OFFICE,
    ServiceOrganization.Kind.OTHER_AGENT,
    ServiceOrganization.Kind.BHXH_UNIT,
    ServiceOrganization.Kind.COMMUNE_COMMITTEE,
]

# The label cells of the rows of what belongs to no subject.
LEFTOVER_LABELS = {
    OUTSIDE_CLUSTERS: ["", "Không thuộc cụm nào"],
    NO_DISTRICT: ["", "Không xác định quận/huyện", "—"],
    NO_LOCALITY: ["", "Chưa xác định địa bàn", "—"],
    NO_UNIT: ["", "Chưa xác định đơn vị"],
    NO_ORGANIZATION: ["", "Cán bộ BHXH (không thuộc tổ chức dịch vụ thu)", "—"],
    NO_TEAM: ["", "Không thuộc tổ nào"],
}
_GROUP_LABELS = {TOTAL: "Cộng"}
STOCK_LABEL = "Số người đang tham gia (lũy kế)"


class _Sheet:
    """One sheet of the workbook: label columns, then plan / reached / % of plan
    per product (and for all products together, when there are several); a line per figure."""

    def __init__(self, book: WorkbookWriter, name: str, labels: list[Column], progress: PlanProgress, titles):
        self.progress = progress
        products = progress.products
        self.groups = [*products, TOTAL] if len(products) > 1 else list(products)
        self.label_count = len(labels)
        columns = list(labels)
        for group in self.groups:
            label = _GROUP_LABELS.get(group) or str(Product(group).label)
            columns += [
                Column("Kế hoạch", 10, COUNT, group=label),
                Column("Thực hiện", 10, COUNT, group=label),
                Column("Tỷ lệ % kế hoạch", 10, PERCENT, group=label),
            ]
        self.sheet = book.sheet(name, columns=columns, titles=titles)
        self.rows = self.numbered = 0

    def line(self, labels: list, figure: Figure, *, style: str = "row") -> None:
        values = list(labels) + [None] * (self.label_count - len(labels))
        for group in self.groups:
            values += [figure.plan_of(group), figure.count(group), figure.ratio(group)]
        # Subtotals stay among the rows (inside the filter), unnumbered; the total comes after them.
        number = None
        if style == "row":
            self.numbered += 1
            number = self.numbered
        self.sheet.append_styled(values, bold=style != "row", data=style != "total", number=number)
        self.rows += 1

    def row(self, row: ProgressRow, labels: list | None = None) -> None:
        self.line(labels if labels is not None else LEFTOVER_LABELS[row.leftover], row.total, style=row.style)

    def total(self) -> None:
        self.line(["", "Tổng cộng"], self.progress.total.total, style="total")

    def note(self, text: str) -> None:
        self.sheet.append_styled([text])


# --- Sheets ----------------------------------------------------------------------------


def _summary_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    campaign = progress.campaign
    if progress.phase is None:
        total = progress.total
        for phase, cell in zip(progress.phases, total.cells, strict=True):
            sheet.line([phase.number, phase.name, period_text(phase.start, phase.cutoff, campaign.tzinfo)], cell)
    sheet.total()
    if progress.stock is not None:
        day = formats.date_format(progress.as_of, "SHORT_DATE_FORMAT")
        sheet.line(["", STOCK_LABEL, f"ngày {day}"], progress.stock, style="total")


def _locality_labels(row: ProgressRow) -> list | None:
    if row.leftover:
        return None
    locality = row.subject
    return [locality.code, locality.name, str(locality.get_level_display())]


def _locality_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    for province in progress.by_locality:
        sheet.row(province, _locality_labels(province))
        for child in province.children:
            sheet.row(child, _locality_labels(child))
    sheet.total()


def _unit_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    for row in progress.by_unit:
        unit = row.subject
        labels = None
        if unit is not None:
            labels = [unit.code, unit.name, str(unit.get_kind_display()), unit.parent.name if unit.parent else ""]
        sheet.row(row, labels)
    sheet.total()


def _organization_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    rows = progress.by_organization
    for kind in KIND_ORDER:
        lines = sorted((row for row in rows if row.subject and row.subject.kind == kind), key=lambda r: r.subject.code)
        if not lines:
            continue
        for line in lines:
            organization = line.subject
            sheet.row(line, [organization.code, organization.name, str(organization.get_kind_display())])
        label = str(ServiceOrganization.Kind(kind).label)
        sheet.row(progress.rollup(lines), ["", f"Cộng {label}", label])
    for row in rows:
        if row.leftover:
            sheet.row(row)
    sheet.total()


def _team_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    rows = progress.by_team
    if not rows:
        sheet.note("Phong trào không có tổ tuyên truyền.")
    for row in rows:
        team = row.subject
        sheet.row(row, [team.code, team.name, team.locality.name if team.locality else ""] if team else None)
    sheet.total()


def _cluster_sheet(sheet: _Sheet, progress: PlanProgress) -> None:
    rows = progress.by_cluster
    if not rows:
        sheet.note("Phong trào không chia cụm thi đua.")
    for row in rows:
        cluster = row.subject
        sheet.row(row, [cluster.number, cluster.name] if cluster else None)
    sheet.total()


def write_progress(
    output,
    *,
    campaign: Campaign,
    phase: Phase | None = None,
    organization_ids: list[int] | None = None,
    on: date | None = None,
) -> int:
    """Write the progress workbook of ``campaign`` (one ``phase``, or the whole
    campaign) to ``output`` (a path or a binary file); return the data rows written.

    ``organization_ids`` limits it to those service organizations' agents (what
    an organization's manager may read): then only the organization sheet is
    written, with its own total.

    ``on`` cuts the figures at the end of that day; the summary sheet ends with
    the people covered on that day (today, or the period's last day once it
    has ended, without ``on``) against the plan of people covered.
    """
    scope = Scope(everything=True) if organization_ids is None else Scope(organization_ids=tuple(organization_ids))
    progress = progress_against_plan(campaign=campaign, phase=phase, scope=scope, on=on)
    tz = campaign.tzinfo
    period = (
        f"{phase.name} ({period_text(phase.start, phase.cutoff, tz)})"
        if phase is not None
        else "toàn phong trào (tất cả các đợt)"
    )
    titles = [
        "TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN NGƯỜI THAM GIA MỚI",
        f"Phong trào: {campaign.name}",
        f"Phạm vi: {period}",
        (
            f"Số liệu đến hết ngày {on:%d/%m/%Y}"
            if on is not None
            else f"Số liệu đến {datetime_text(timezone.now(), tz)} (giờ {campaign.time_zone})"
        ),
        "Tính người tham gia mới đã nộp hoặc đã xác nhận và được tính thi đua; "
        "địa bàn là địa bàn nhân viên thu phụ trách.",
    ]
    organization_labels = [
        Column("Mã tổ chức", 12),
        Column("Tên tổ chức", 30, wrap=True),
        Column("Loại", 18, wrap=True),
    ]
    if organization_ids is not None:
        sheets = [("Theo tổ chức dịch vụ thu", organization_labels, _organization_sheet)]
    else:
        sheets = [
            ("Tổng hợp", [Column("Đợt", 6), Column("Tên đợt", 24, wrap=True), Column("Thời gian", 24)], _summary_sheet),
            (
                "Theo địa bàn",
                [Column("Mã địa bàn", 11), Column("Tên địa bàn", 28, wrap=True), Column("Cấp", 14, wrap=True)],
                _locality_sheet,
            ),
            (
                "Theo đơn vị BHXH",
                [
                    Column("Mã đơn vị", 12),
                    Column("Tên đơn vị", 30, wrap=True),
                    Column("Loại đơn vị", 16, wrap=True),
                    Column("Đơn vị cấp trên", 24, wrap=True),
                ],
                _unit_sheet,
            ),
            ("Theo tổ chức dịch vụ thu", organization_labels, _organization_sheet),
            (
                "Theo tổ tuyên truyền",
                [Column("Mã tổ", 10), Column("Tên tổ", 28, wrap=True), Column("Địa bàn", 20, wrap=True)],
                _team_sheet,
            ),
            ("Theo cụm thi đua", [Column("Số cụm", 7), Column("Tên cụm", 30, wrap=True)], _cluster_sheet),
        ]
    rows = 0
    with WorkbookWriter(output) as book, translation.override("vi"):
        for name, labels, fill in sheets:
            sheet = _Sheet(book, name, labels, progress, titles)
            fill(sheet, progress)
            rows += sheet.rows
    return rows
