"""The campaign list and a campaign's overview: progress against plan per cluster
and phase, new participants per day, the channel split, an organization's agents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from awards.permissions import leaderboard_access
from campaigns.membership import campaign_members_sql
from campaigns.models import Campaign, Cluster, Phase, PlanTarget
from collectors.models import Agent, ServiceOrganization
from enrollments.choices import Product
from enrollments.models import Enrollment
from enrollments.selectors import agent_of
from reports.pages.access import Scope, campaign_scope, visible_campaigns
from reports.pages.common import campaign_or_404, forbidden

ROWS_PER_PAGE = 50

# The channels of the progress reports (seeds/003: "qua hệ thống Bưu điện … qua các đại lý khác").
# Agents without an organization are BHXH staff recruiting themselves: the BHXH channel.
CHANNELS = {
    ServiceOrganization.Kind.POST_OFFICE: pgettext_lazy("sales channel", "Post office"),
    ServiceOrganization.Kind.OTHER_AGENT: pgettext_lazy("sales channel", "Other agents"),
    ServiceOrganization.Kind.BHXH_UNIT: pgettext_lazy("sales channel", "BHXH units"),
    ServiceOrganization.Kind.COMMUNE_COMMITTEE: pgettext_lazy("sales channel", "Commune people's committees"),
}


# --- Progress against plan -------------------------------------------------------------


@dataclass
class Cell:
    counted: int = 0
    plan: int | None = None

    @property
    def percent(self) -> Decimal | None:
        if not self.plan:
            return None
        return (Decimal(self.counted) * 100 / self.plan).quantize(Decimal("0.1"))


@dataclass
class ProgressRow:
    label: str
    cells: list[Cell]  # one per phase, in the phases' order
    total: Cell


def _plan_of(targets: list[tuple[str, int]]) -> int | None:
    """One plan from the targets of a scope: the all-products targets if there
    are any, else the sum of the per-product ones (never both, which would count twice)."""
    if not targets:
        return None
    every = [target for product, target in targets if not product]
    return sum(every) if every else sum(target for _product, target in targets)


def _plans(campaign: Campaign, scope: str, column: str | None) -> dict[tuple[int | None, int | None], int | None]:
    """(subject id, phase id or None for the whole campaign) → plan, for one scope of plan targets."""
    products = [*campaign.products, ""]
    rows = PlanTarget.objects.filter(campaign=campaign, scope=scope, product__in=products)
    grouped: dict[tuple[int | None, int | None], list[tuple[str, int]]] = defaultdict(list)
    fields = [column, "phase_id", "product", "target"] if column else ["phase_id", "product", "target"]
    for row in rows.values_list(*fields):
        subject, (phase_id, product, target) = (row[0], row[1:]) if column else (None, row)
        grouped[(subject, phase_id)].append((product, target))
    return {key: _plan_of(targets) for key, targets in grouped.items()}


def _row(label: str, phases: list[Phase], counts: dict[int, int], plans: dict, subject: int | None) -> ProgressRow:
    cells = [Cell(counted=counts.get(phase.pk, 0), plan=plans.get((subject, phase.pk))) for phase in phases]
    whole = plans.get((subject, None))
    if whole is None and cells and all(cell.plan for cell in cells):
        whole = sum(cell.plan for cell in cells)
    return ProgressRow(label=label, cells=cells, total=Cell(counted=sum(counts.values()), plan=whole))


def progress_by_cluster(*, campaign: Campaign, phases: list[Phase], scope: Scope) -> list[ProgressRow]:
    """Counted new participants per cluster (as agents belong to clusters now)
    and phase, against the clusters' plan targets, in one aggregate statement.
    A campaign without clusters has one row for everyone. Plans are shown to
    staff only: a cluster's plan is the whole cluster's, not an organization's share."""
    if not phases:
        return []
    members_sql, params = campaign_members_sql(campaign)
    params = dict(params)
    phase_marks = []
    for n, phase in enumerate(phases):
        params[f"phase{n}"] = phase.pk
        phase_marks.append(f"%(phase{n})s")
    restriction = scope.sql(params)
    enrollment, agent = Enrollment._meta.db_table, Agent._meta.db_table
    sql = (
        f"WITH members AS ({members_sql}) "  # noqa: S608 - table names from model metadata; values are parameters
        f"SELECT m.cluster_id, e.phase_id, COUNT(*) FROM {enrollment} e "
        f"JOIN {agent} a ON a.id = e.agent_id LEFT JOIN members m ON m.agent_id = e.agent_id "
        f"WHERE e.phase_id IN ({', '.join(phase_marks)}) AND e.counted{restriction} "
        f"GROUP BY m.cluster_id, e.phase_id"
    )
    counts: dict[int | None, dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for cluster_id, phase_id, n in cursor.fetchall():
            counts[cluster_id][phase_id] = int(n)
    clusters = list(Cluster.objects.filter(campaign=campaign).order_by("number"))
    if clusters:
        plans = _plans(campaign, PlanTarget.Scope.CLUSTER, "cluster_id") if scope.everything else {}
        rows = [_row(cluster.name, phases, counts.get(cluster.pk, {}), plans, cluster.pk) for cluster in clusters]
        if not scope.everything:
            # An organization's or an agent's numbers: only the clusters they count in.
            rows = [row for row in rows if row.total.counted] or rows
        if counts.get(None):
            rows.append(_row(_("Outside every cluster"), phases, counts[None], {}, None))
    else:
        plans = _plans(campaign, PlanTarget.Scope.CAMPAIGN, None) if scope.everything else {}
        rows = [_row(_("Everyone taking part"), phases, counts.get(None, {}), plans, None)]
    return rows


def campaign_total(*, campaign: Campaign, phases: list[Phase], rows: list[ProgressRow], scope: Scope) -> ProgressRow:
    """The sum of the rows, against the whole campaign's plan targets (staff
    only); where the campaign has none, against the sum of the rows' plans
    when every row has one."""
    counts = {phase.pk: sum(row.cells[n].counted for row in rows) for n, phase in enumerate(phases)}
    plans = _plans(campaign, PlanTarget.Scope.CAMPAIGN, None) if scope.everything else {}
    if scope.everything and rows:
        for n, phase in enumerate(phases):
            if plans.get((None, phase.pk)) is None and all(row.cells[n].plan for row in rows):
                plans[(None, phase.pk)] = sum(row.cells[n].plan for row in rows)
        if plans.get((None, None)) is None and all(row.total.plan for row in rows):
            plans[(None, None)] = sum(row.total.plan for row in rows)
    return _row(_("Total"), phases, counts, plans, None)


def progress_by_organization(*, campaign: Campaign, phases: list[Phase], scope: Scope) -> list[ProgressRow]:
    """Counted new participants per service organization and phase, against the
    organizations' plan targets: every organization for staff, their own for managers."""
    if not phases or (scope.agent_id is not None and not scope.organization_ids):
        return []
    enrollments = scope.enrollments(Enrollment.objects.filter(phase__in=phases, counted=True))
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        enrollments.filter(agent__organization__isnull=False)
        .values_list("agent__organization_id", "phase_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for organization_id, phase_id, n in rows:
        counts[organization_id][phase_id] = n
    plans = _plans(campaign, PlanTarget.Scope.ORGANIZATION, "organization_id")
    wanted = set(counts) | {organization_id for organization_id, _phase in plans}
    if not scope.everything:
        wanted = set(scope.organization_ids)
    organizations = ServiceOrganization.objects.filter(pk__in=wanted).order_by("name")
    return [_row(o.name, phases, counts.get(o.pk, {}), plans, o.pk) for o in organizations]


def daily_counts(*, campaign: Campaign, phases: list[Phase], scope: Scope) -> dict:
    """New participants counted per day of receipt (campaign's local days), one
    series per product, from the first phase's start to today or the last cutoff."""
    if not phases:
        return {"labels": [], "series": []}
    tz = campaign.tzinfo
    first = timezone.localtime(phases[0].start, tz).date()
    last = timezone.localtime(max(phase.cutoff for phase in phases) - timedelta(microseconds=1), tz).date()
    last = min(last, timezone.localdate(timezone=tz))
    enrollments = scope.enrollments(Enrollment.objects.filter(phase__in=phases, counted=True))
    rows = (
        enrollments.annotate(day=TruncDate("receipt_at", tzinfo=tz))
        .values_list("day", "product")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_product: dict[str, dict[date, int]] = defaultdict(dict)
    for day, product, n in rows:
        by_product[product][day] = n
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)] if last >= first else []
    series = [
        {"label": str(Product(product).label), "data": [by_product[product].get(day, 0) for day in days]}
        for product in campaign.products
    ]
    return {"labels": [day.isoformat() for day in days], "series": series}


def channel_split(*, phases: list[Phase], scope: Scope) -> list[tuple[str, int]]:
    """New participants counted per channel: the kind of the agent's organization."""
    enrollments = scope.enrollments(Enrollment.objects.filter(phase__in=phases, counted=True))
    totals: dict[str, int] = defaultdict(int)
    for kind, n in enrollments.values_list("agent__organization__kind").annotate(n=Count("pk")).order_by():
        totals[kind or ServiceOrganization.Kind.BHXH_UNIT] += n
    return [(str(label), totals[kind]) for kind, label in CHANNELS.items() if totals.get(kind)]


@dataclass
class AgentLine:
    agent: Agent
    cluster: str
    counts: list[int]
    total: int


def organization_agents(
    *, campaign: Campaign, phases: list[Phase], scope: Scope, page_number: str | None
) -> Page | None:
    """A page of the agents of a manager's organizations taking part in the
    campaign, with what each has counted per phase."""
    if not scope.organization_ids:
        return None
    members_sql, params = campaign_members_sql(campaign)
    with connection.cursor() as cursor:
        cursor.execute(members_sql, params)
        clusters_of = dict(cursor.fetchall())
    ids = [
        pk
        for pk in Agent.objects.filter(organization_id__in=scope.organization_ids)
        .order_by("code")
        .values_list("pk", flat=True)
        if pk in clusters_of
    ]
    page = Paginator(ids, ROWS_PER_PAGE).get_page(page_number)
    names = dict(Cluster.objects.filter(campaign=campaign).values_list("pk", "name"))
    agents = Agent.objects.filter(pk__in=list(page.object_list)).select_related("organization").order_by("code")
    counted: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        Enrollment.objects.filter(agent_id__in=list(page.object_list), phase__in=phases, counted=True)
        .values_list("agent_id", "phase_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for agent_id, phase_id, n in rows:
        counted[agent_id][phase_id] = n
    page.object_list = [
        AgentLine(
            agent=agent,
            cluster=names.get(clusters_of.get(agent.pk), "—"),
            counts=[counted[agent.pk].get(phase.pk, 0) for phase in phases],
            total=sum(counted[agent.pk].values()),
        )
        for agent in agents
    ]
    return page


def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = visible_campaigns(request.user)
    now = timezone.now()
    items = []
    for campaign in campaigns:
        phases = sorted(campaign.phases.all(), key=lambda phase: phase.number)
        current = next((phase for phase in phases if phase.start <= now < phase.cutoff), None)
        items.append(
            {
                "campaign": campaign,
                "start": phases[0].start if phases else None,
                "end": phases[-1].cutoff - timedelta(microseconds=1) if phases else None,
                "phases": len(phases),
                "current": current,
            }
        )
    agent = agent_of(request.user)
    return render(request, "pages/campaign_list.html", {"items": items, "own_agent": agent})


def campaign_overview(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_or_404(code)
    access = leaderboard_access(request.user, campaign)
    scope = campaign_scope(request.user, campaign, access)
    if scope is None:
        return forbidden(request, _("You do not take part in this campaign."))
    phases = list(campaign.phases.order_by("number"))
    clusters = progress_by_cluster(campaign=campaign, phases=phases, scope=scope)
    total = campaign_total(campaign=campaign, phases=phases, rows=clusters, scope=scope)
    organizations = progress_by_organization(campaign=campaign, phases=phases, scope=scope)
    channels = channel_split(phases=phases, scope=scope)
    daily = daily_counts(campaign=campaign, phases=phases, scope=scope)
    now = timezone.now()
    labels, counted, plans, percents = [], [], [], []
    for row in clusters:
        for phase, cell in zip(phases, row.cells, strict=True):
            if phase.start > now and not cell.plan:
                continue  # a phase not started yet, without a plan, has nothing to draw
            labels.append(f"{row.label} · {phase.name}" if len(clusters) > 1 else phase.name)
            counted.append(cell.counted)
            plans.append(cell.plan)
            percents.append(float(cell.percent) if cell.percent is not None else None)
    chart_data = {
        "progress": {"labels": labels, "counted": counted, "plan": plans, "percent": percents},
        "daily": daily,
        "channels": {"labels": [label for label, _n in channels], "data": [n for _label, n in channels]},
        "text": {
            "counted": _("New participants counted"),
            "plan": _("Plan target"),
            "percentOfPlan": _("of plan"),
        },
    }
    phase_links = []
    for phase in phases:
        phase_links.append(
            {
                "phase": phase,
                "started": phase.start <= now,
                "url": reverse("pages:leaderboard", args=[campaign.code, phase.number]),
            }
        )
    summary = total.total
    if scope.organization_ids and organizations:
        # A manager's plan is their organizations' plan targets, when every one has one.
        organization_plans = [row.total.plan for row in organizations]
        summary = Cell(counted=summary.counted, plan=sum(organization_plans) if all(organization_plans) else None)
    agents_page = organization_agents(
        campaign=campaign, phases=phases, scope=scope, page_number=request.GET.get("page")
    )
    context = {
        "campaign": campaign,
        "scope": scope,
        # The progress workbook (plan against actual) is for staff and organization managers.
        "progress_workbook_url": (
            reverse("api:campaign-progress-workbook", args=[campaign.code]) if scope.agent_id is None else ""
        ),
        "scope_organizations": (
            list(ServiceOrganization.objects.filter(pk__in=scope.organization_ids).order_by("name"))
            if scope.organization_ids
            else []
        ),
        "phases": phases,
        "phase_links": phase_links,
        "clusters": clusters,
        "total": total,
        "summary": summary,
        "organizations": organizations,
        "channels": channels,
        "chart_data": chart_data,
        "progress_chart_height": 90 + 34 * len(labels),
        "agents_page": agents_page,
        "own_agent": agent_of(request.user) if scope.agent_id else None,
    }
    return render(request, "pages/campaign_overview.html", context)
