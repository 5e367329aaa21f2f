"""The progress workbook: new participants against plan (kế hoạch giao).

``write_progress`` writes one sheet per way of cutting the campaign — a summary
by phase, by locality (province → district), by BHXH unit, by service
organization with the post office / other agents split, by team and by
cluster — each ending with the campaign's total row. Every figure comes from a
GROUP BY in the database; Python only places the few grouped rows (one per
locality, unit, organization, team or cluster and product) on the sheets.

What counts: the campaign's enrollments that count (``counted=True``) and are
submitted or confirmed — the provisional figure, as leaderboards show it while
a phase runs. Plans are the ``PlanTarget`` rows of each scope for the phase
asked for (or the whole-campaign rows when no phase is given); several rows
for the same scope and product add up. A plan for "all products" is the plan of
the total column; without one, the total plan is the sum of the per-product
plans when every product has one. A row without a plan of its own takes the sum
of the plans below it (a province the sum of its districts', a subtotal the sum
of its rows').

A participant's place: the locality sheet uses the locality the **agent**
serves, not the participant's home address: plans are assigned to the places
agents work in, the participant's locality is optional on intake, and the
agent's is what clusters are drawn by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from campaigns.membership import campaign_members_sql
from campaigns.models import Campaign, Cluster, Phase, PlanTarget, Team
from collectors.models import Locality, ServiceOrganization, Unit
from core.workbooks import COUNT, PERCENT, Column, WorkbookWriter, datetime_text, period_text
from enrollments.choices import EnrollmentStatus, Product
from enrollments.models import Enrollment

COUNTED_STATUSES = (EnrollmentStatus.SUBMITTED, EnrollmentStatus.CONFIRMED)
TOTAL = "*"  # the column group of all products together
KIND_ORDER = [
    ServiceOrganization.Kind.POST_OFFICE,
    ServiceOrganization.Kind.OTHER_AGENT,
    ServiceOrganization.Kind.BHXH_UNIT,
    ServiceOrganization.Kind.COMMUNE_COMMITTEE,
]


# --- Figures -------------------------------------------------------------------------


@dataclass
class Line:
    """One row of a sheet: its label cells, what was reached per product and the
    plans of its own scope per product ("" for a plan of all products)."""

    labels: list
    actual: Counter = field(default_factory=Counter)
    plan: dict[str, int] = field(default_factory=dict)
    style: str = "row"  # "row", "subtotal" or "total"
    # The plan of each column group once resolved (``Figures.resolve`` or ``Figures.rollup``).
    resolved: dict[str, int | None] | None = None


def _plan_value(plan: dict[str, int], group: str, products: Sequence[str]) -> int | None:
    if group == TOTAL:
        if "" in plan:
            return plan[""]
        if products and all(product in plan for product in products):
            return sum(plan[product] for product in products)
        return None
    if group in plan:
        return plan[group]
    if len(products) == 1 and "" in plan:
        return plan[""]
    return None


def _summed(lines: Iterable[Line], groups: Sequence[str]) -> tuple[Counter, dict[str, int]]:
    """What resolved ``lines`` reach together, and their plans added up column by column."""
    actual: Counter = Counter()
    plans: dict[str, int] = {}
    for line in lines:
        actual.update(line.actual)
        for group in groups:
            value = line.resolved.get(group)
            if value is not None:
                plans[group] = plans.get(group, 0) + value
    return actual, plans


class Figures:
    """The counted enrollments and plans of one campaign (and phase), grouped."""

    def __init__(self, *, campaign: Campaign, phase: Phase | None, organization_ids: list[int] | None = None):
        self.campaign = campaign
        self.phase = phase
        self.organization_ids = organization_ids
        known = [product for product in Product.values if product in (campaign.products or [])]
        self.products: list[str] = known or list(Product.values)
        self.groups: list[str] = [*self.products, TOTAL] if len(self.products) > 1 else list(self.products)
        self._plans = self._load_plans()
        self._total: Counter | None = None

    def counted_q(self, prefix: str = "") -> Q:
        """The enrollments that count here, as a condition (on a relation to them when ``prefix`` is given)."""
        conditions = {
            "campaign": self.campaign,
            "counted": True,
            "status__in": COUNTED_STATUSES,
            "product__in": self.products,
        }
        if self.phase is not None:
            conditions["phase"] = self.phase
        if self.organization_ids is not None:
            conditions["agent__organization_id__in"] = self.organization_ids
        return Q(**{f"{prefix}{name}": value for name, value in conditions.items()})

    def counted(self) -> QuerySet[Enrollment]:
        return Enrollment.objects.filter(self.counted_q()).order_by()

    def tally(self, enrollments: QuerySet[Enrollment], key) -> dict[object, Counter]:
        """Counts per ``key`` (a field path or an expression) and product: one GROUP BY."""
        if not isinstance(key, str):
            enrollments, key = enrollments.annotate(group_key=key), "group_key"
        tallies: dict[object, Counter] = {}
        for value, product, n in enrollments.values_list(key, "product").annotate(n=Count("pk")).order_by():
            tallies.setdefault(value, Counter())[product] += n
        return tallies

    @staticmethod
    def by_product(enrollments: QuerySet[Enrollment]) -> Counter:
        return Counter(dict(enrollments.values_list("product").annotate(n=Count("pk")).order_by()))

    def total(self) -> Counter:
        """Everything counted, per product: every sheet's last row (asked for once)."""
        if self._total is None:
            self._total = self.by_product(self.counted())
        return Counter(self._total)

    def _load_plans(self) -> dict[tuple[str, int | None], dict[str, int]]:
        targets = PlanTarget.objects.filter(campaign=self.campaign)
        targets = targets.filter(phase=self.phase) if self.phase is not None else targets.filter(phase__isnull=True)
        rows = (
            targets.values_list(
                "scope", "cluster_id", "locality_id", "unit_id", "organization_id", "team_id", "product"
            )
            .annotate(total=Sum("target"))
            .order_by()
        )
        plans: dict[tuple[str, int | None], dict[str, int]] = {}
        for scope, cluster, locality, unit, organization, team, product, total in rows:
            subject = {
                PlanTarget.Scope.CLUSTER: cluster,
                PlanTarget.Scope.LOCALITY: locality,
                PlanTarget.Scope.UNIT: unit,
                PlanTarget.Scope.ORGANIZATION: organization,
                PlanTarget.Scope.TEAM: team,
            }.get(scope)
            plans.setdefault((scope, subject), {})[product] = total
        return plans

    def plan(self, scope: str, subject: int | None = None) -> dict[str, int]:
        return self._plans.get((scope, subject), {})

    def plan_subjects(self, scope: str) -> set[int]:
        return {subject for (kind, subject) in self._plans if kind == scope and subject is not None}

    def resolve(self, line: Line) -> Line:
        line.resolved = {group: _plan_value(line.plan, group, self.products) for group in self.groups}
        return line

    def rollup(
        self, labels: list, lines: Sequence[Line], *, style: str, own_plan: dict[str, int] | None = None
    ) -> Line:
        """A line adding up ``lines``; its plan is ``own_plan`` where that has one, else theirs summed."""
        actual, summed = _summed(lines, self.groups)
        line = Line(labels=labels, actual=actual, style=style)
        own = {group: _plan_value(own_plan or {}, group, self.products) for group in self.groups}
        line.resolved = {group: own[group] if own[group] is not None else summed.get(group) for group in self.groups}
        return line

    def campaign_total(self, label: str) -> Line:
        return self.resolve(
            Line(labels=["", label], actual=self.total(), plan=self.plan(PlanTarget.Scope.CAMPAIGN), style="total")
        )


# --- Writing -------------------------------------------------------------------------

_GROUP_LABELS = {TOTAL: "cộng"}


class _Sheet:
    """One sheet of the workbook: label columns, then plan / reached / % of plan
    per product (and for all products together); a line per ``Line``."""

    def __init__(self, book: WorkbookWriter, name: str, labels: list[Column], figures: Figures, titles: list[str]):
        self.figures = figures
        self.label_count = len(labels)
        columns = list(labels)
        for group in figures.groups:
            label = _GROUP_LABELS.get(group) or str(Product(group).label)
            columns += [
                Column(f"Kế hoạch {label}", 14, COUNT),
                Column(f"Thực hiện {label}", 14, COUNT),
                Column(f"Tỷ lệ % kế hoạch {label}", 14, PERCENT),
            ]
        self.sheet = book.sheet(name, columns=columns, titles=titles)
        self.rows = 0

    def line(self, line: Line) -> None:
        if line.resolved is None:
            self.figures.resolve(line)
        values = list(line.labels) + [None] * (self.label_count - len(line.labels))
        for group in self.figures.groups:
            actual = line.actual.total() if group == TOTAL else line.actual.get(group, 0)
            plan = line.resolved.get(group)
            values += [plan, actual, actual / plan if plan else None]
        # Subtotals stay among the rows (inside the filter); the total comes after them.
        self.sheet.append_styled(values, bold=line.style != "row", data=line.style != "total")
        self.rows += 1

    def note(self, text: str) -> None:
        self.sheet.append_styled([text])


# --- Sheets ----------------------------------------------------------------------------


def _summary_sheet(sheet: _Sheet, figures: Figures) -> None:
    campaign = figures.campaign
    if figures.phase is None:
        by_phase = figures.tally(figures.counted(), "phase_id")
        # Phase plans of the whole campaign are PlanTarget rows of the campaign scope per phase.
        phase_plans: dict[int, dict[str, int]] = {}
        rows = (
            PlanTarget.objects.filter(campaign=campaign, scope=PlanTarget.Scope.CAMPAIGN, phase__isnull=False)
            .values_list("phase_id", "product")
            .annotate(total=Sum("target"))
            .order_by()
        )
        for phase_id, product, total in rows:
            phase_plans.setdefault(phase_id, {})[product] = total
        for phase in campaign.phases.order_by("number"):
            sheet.line(
                Line(
                    labels=[phase.number, phase.name, period_text(phase.start, phase.cutoff, campaign.tzinfo)],
                    actual=by_phase.get(phase.pk, Counter()),
                    plan=phase_plans.get(phase.pk, {}),
                )
            )
    sheet.line(figures.campaign_total("Tổng cộng"))


def _locality_sheet(sheet: _Sheet, figures: Figures) -> None:
    tallies = figures.tally(figures.counted(), "agent__locality_id")
    planned = figures.plan_subjects(PlanTarget.Scope.LOCALITY)
    ids = {pk for pk in tallies if pk is not None} | planned
    localities = {
        locality.pk: locality
        for locality in Locality.objects.filter(pk__in=ids).select_related("parent", "parent__parent")
    }

    def chain(locality: Locality) -> list[Locality]:
        up = [locality]
        while up[-1].parent_id is not None and len(up) < 4:
            up.append(up[-1].parent)
        return up

    # province id → second-level id (district; in the two-level map the commune) → [locality ids at or below]
    provinces: dict[int, Locality] = {}
    seconds: dict[int, Locality] = {}
    tree: dict[int, dict[int | None, list[int]]] = {}
    for pk, locality in localities.items():
        up = chain(locality)
        province = up[-1]
        second = up[-2] if len(up) >= 2 else None
        provinces[province.pk] = province
        if second is not None:
            seconds[second.pk] = second
        tree.setdefault(province.pk, {}).setdefault(second.pk if second else None, []).append(pk)

    def own_plan(pk: int) -> dict[str, int]:
        return figures.plan(PlanTarget.Scope.LOCALITY, pk)

    for province_pk in sorted(tree, key=lambda pk: provinces[pk].code):
        province = provinces[province_pk]
        children: list[Line] = []
        for second_pk in sorted(tree[province_pk], key=lambda pk: (pk is None, seconds[pk].code if pk else "")):
            members = tree[province_pk][second_pk]
            actual: Counter = Counter()
            for pk in members:
                actual.update(tallies.get(pk, Counter()))
            if second_pk is None:
                # Agents serving the province as a whole: no district to put them under.
                if not actual:
                    continue
                children.append(figures.resolve(Line(labels=["", "Không xác định quận/huyện", "—"], actual=actual)))
                continue
            second = seconds[second_pk]
            below = [figures.resolve(Line(labels=[], plan=own_plan(pk))) for pk in members if pk != second_pk]
            children.append(
                figures.rollup(
                    [second.code, second.name, str(second.get_level_display())],
                    [figures.resolve(Line(labels=[], actual=actual)), *below],
                    style="row",
                    own_plan=own_plan(second_pk),
                )
            )
        sheet.line(
            figures.rollup(
                [province.code, province.name, str(province.get_level_display())],
                children,
                style="subtotal",
                own_plan=own_plan(province_pk),
            )
        )
        for child in children:
            sheet.line(child)
    if tallies.get(None):
        sheet.line(Line(labels=["", "Chưa xác định địa bàn", "—"], actual=tallies[None]))
    sheet.line(figures.campaign_total("Tổng cộng"))


def _unit_sheet(sheet: _Sheet, figures: Figures) -> None:
    # An agent's unit is the one they work in (staff) or, for an organization's
    # agent without one, the unit their organization is contracted to.
    tallies = figures.tally(figures.counted(), Coalesce("agent__unit_id", "agent__organization__contracting_unit_id"))
    ids = {pk for pk in tallies if pk is not None} | figures.plan_subjects(PlanTarget.Scope.UNIT)
    for unit in Unit.objects.filter(pk__in=ids).select_related("parent").order_by("code"):
        sheet.line(
            Line(
                labels=[unit.code, unit.name, str(unit.get_kind_display()), unit.parent.name if unit.parent else ""],
                actual=tallies.get(unit.pk, Counter()),
                plan=figures.plan(PlanTarget.Scope.UNIT, unit.pk),
            )
        )
    if tallies.get(None):
        sheet.line(Line(labels=["", "Chưa xác định đơn vị"], actual=tallies[None]))
    sheet.line(figures.campaign_total("Tổng cộng"))


def _organization_sheet(sheet: _Sheet, figures: Figures) -> None:
    tallies = figures.tally(figures.counted(), "agent__organization_id")
    ids = {pk for pk in tallies if pk is not None} | figures.plan_subjects(PlanTarget.Scope.ORGANIZATION)
    if figures.organization_ids is not None:
        ids = set(figures.organization_ids)
    organizations = list(ServiceOrganization.objects.filter(pk__in=ids))
    subtotals: list[Line] = []
    for kind in KIND_ORDER:
        rows = sorted((o for o in organizations if o.kind == kind), key=lambda o: o.code)
        if not rows:
            continue
        lines = [
            figures.resolve(
                Line(
                    labels=[o.code, o.name, str(o.get_kind_display())],
                    actual=tallies.get(o.pk, Counter()),
                    plan=figures.plan(PlanTarget.Scope.ORGANIZATION, o.pk),
                )
            )
            for o in rows
        ]
        for line in lines:
            sheet.line(line)
        label = str(ServiceOrganization.Kind(kind).label)
        subtotal = figures.rollup(["", f"Cộng {label}", label], lines, style="subtotal")
        sheet.line(subtotal)
        subtotals.append(subtotal)
    if figures.organization_ids is not None:
        sheet.line(figures.rollup(["", "Tổng cộng"], subtotals, style="total"))
        return
    if tallies.get(None):
        sheet.line(Line(labels=["", "Cán bộ BHXH (không thuộc tổ chức dịch vụ thu)", "—"], actual=tallies[None]))
    sheet.line(figures.campaign_total("Tổng cộng"))


def _team_sheet(sheet: _Sheet, figures: Figures) -> None:
    campaign = figures.campaign
    membership = Team.members.through.objects.filter(team__campaign=campaign)
    tallies: dict[int, Counter] = {}
    # A team reaches what its members reach (an agent in two teams counts for both);
    # the conditions on the enrollments sit in one filter() so that they share one join.
    grouped = (
        membership.filter(figures.counted_q("agent__enrollments__"))
        .values_list("team_id", "agent__enrollments__product")
        .annotate(n=Count("agent__enrollments"))
        .order_by()
    )
    for team_id, product, n in grouped:
        tallies.setdefault(team_id, Counter())[product] += n
    teams = list(Team.objects.filter(campaign=campaign).select_related("locality").order_by("code"))
    for team in teams:
        sheet.line(
            Line(
                labels=[team.code, team.name, team.locality.name if team.locality else ""],
                actual=tallies.get(team.pk, Counter()),
                plan=figures.plan(PlanTarget.Scope.TEAM, team.pk),
            )
        )
    if not teams:
        sheet.note("Phong trào không có tổ tuyên truyền.")
    else:
        rest = figures.by_product(figures.counted().filter(~Exists(membership.filter(agent_id=OuterRef("agent_id")))))
        if rest:
            sheet.line(Line(labels=["", "Không thuộc tổ nào"], actual=rest))
    sheet.line(figures.campaign_total("Tổng cộng"))


def _cluster_tallies(figures: Figures) -> dict[int, Counter]:
    """Counts per cluster and product: the counted enrollments joined with the
    campaign's membership statement (each agent in at most one cluster)."""
    members_sql, params = campaign_members_sql(figures.campaign)
    params = dict(params)
    table = Enrollment._meta.db_table
    conditions = ["e.campaign_id = %(export_campaign)s", "e.counted = %(export_true)s"]
    params |= {"export_campaign": figures.campaign.pk, "export_true": True}
    marks = []
    for n, value in enumerate(COUNTED_STATUSES):
        params[f"export_status{n}"] = str(value)
        marks.append(f"%(export_status{n})s")
    conditions.append(f"e.status IN ({', '.join(marks)})")
    product_marks = []
    for n, value in enumerate(figures.products):
        params[f"export_product{n}"] = value
        product_marks.append(f"%(export_product{n})s")
    conditions.append(f"e.product IN ({', '.join(product_marks)})")
    if figures.phase is not None:
        conditions.append("e.phase_id = %(export_phase)s")
        params["export_phase"] = figures.phase.pk
    sql = (
        f"WITH members AS ({members_sql}) "  # noqa: S608 - table names from model metadata; values are parameters
        f"SELECT m.cluster_id, e.product, COUNT(*) FROM {table} e JOIN members m ON m.agent_id = e.agent_id "
        f"WHERE {' AND '.join(conditions)} GROUP BY m.cluster_id, e.product"
    )
    tallies: dict[int, Counter] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for cluster_id, product, n in cursor.fetchall():
            if cluster_id is not None:
                tallies.setdefault(cluster_id, Counter())[product] += n
    return tallies


def _cluster_sheet(sheet: _Sheet, figures: Figures) -> None:
    clusters = list(Cluster.objects.filter(campaign=figures.campaign).order_by("number"))
    total = figures.campaign_total("Tổng cộng")
    if not clusters:
        sheet.note("Phong trào không chia cụm thi đua.")
        sheet.line(total)
        return
    tallies = _cluster_tallies(figures)
    inside: Counter = Counter()
    for cluster in clusters:
        actual = tallies.get(cluster.pk, Counter())
        inside.update(actual)
        sheet.line(
            Line(
                labels=[cluster.number, cluster.name],
                actual=actual,
                plan=figures.plan(PlanTarget.Scope.CLUSTER, cluster.pk),
            )
        )
    rest = total.actual - inside  # Counter subtraction keeps the positive counts only
    if rest:
        sheet.line(Line(labels=["", "Không thuộc cụm nào"], actual=rest))
    sheet.line(total)


def write_progress(
    output, *, campaign: Campaign, phase: Phase | None = None, organization_ids: list[int] | None = None
) -> int:
    """Write the progress workbook of ``campaign`` (one ``phase``, or the whole
    campaign) to ``output`` (a path or a binary file); return the data rows written.

    ``organization_ids`` limits it to those service organizations' agents (what
    an organization's manager may read): then only the organization sheet is
    written, with its own total.
    """
    if phase is not None and phase.campaign_id != campaign.pk:
        raise ValueError("The phase belongs to another campaign.")
    figures = Figures(campaign=campaign, phase=phase, organization_ids=organization_ids)
    tz = campaign.tzinfo
    scope = (
        f"{phase.name} ({period_text(phase.start, phase.cutoff, tz)})"
        if phase is not None
        else "toàn phong trào (tất cả các đợt)"
    )
    titles = [
        "TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN NGƯỜI THAM GIA MỚI",
        f"Phong trào: {campaign.name}",
        f"Phạm vi: {scope}",
        f"Số liệu đến {datetime_text(timezone.now(), tz)} (giờ {campaign.time_zone})",
        "Tính người tham gia mới đã nộp hoặc đã xác nhận và được tính thi đua; "
        "địa bàn là địa bàn nhân viên thu phụ trách.",
    ]
    organization_labels = [Column("Mã tổ chức", 14), Column("Tên tổ chức", 36), Column("Loại", 24)]
    if organization_ids is not None:
        sheets = [("Theo tổ chức dịch vụ thu", organization_labels, _organization_sheet)]
    else:
        sheets = [
            ("Tổng hợp", [Column("Đợt", 8), Column("Tên đợt", 24), Column("Thời gian", 26)], _summary_sheet),
            (
                "Theo địa bàn",
                [Column("Mã địa bàn", 12), Column("Tên địa bàn", 32), Column("Cấp", 18)],
                _locality_sheet,
            ),
            (
                "Theo đơn vị BHXH",
                [
                    Column("Mã đơn vị", 14),
                    Column("Tên đơn vị", 36),
                    Column("Loại đơn vị", 22),
                    Column("Đơn vị cấp trên", 28),
                ],
                _unit_sheet,
            ),
            ("Theo tổ chức dịch vụ thu", organization_labels, _organization_sheet),
            ("Theo tổ tuyên truyền", [Column("Mã tổ", 12), Column("Tên tổ", 32), Column("Địa bàn", 24)], _team_sheet),
            ("Theo cụm thi đua", [Column("Số cụm", 8), Column("Tên cụm", 32)], _cluster_sheet),
        ]
    book = WorkbookWriter()
    rows = 0
    with translation.override("vi"):
        for name, labels, fill in sheets:
            sheet = _Sheet(book, name, labels, figures, titles)
            fill(sheet, figures)
            rows += sheet.rows
    book.save(output)
    return rows
