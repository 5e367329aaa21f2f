"""The campaign list and a campaign's overview: progress against plan per cluster
and phase (read from ``reports.progress``, as the progress workbook reads it),
new participants per day, the channel split, an organization's agents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from awards.permissions import leaderboard_access
from campaigns.membership import campaign_members_sql
from campaigns.models import Campaign, Cluster, Phase
from collectors.models import Agent, ServiceOrganization
from enrollments.choices import Product
from enrollments.selectors import agent_of, counted_enrollments
from reports.pages.access import campaign_scope, visible_campaigns
from reports.pages.common import campaign_or_404, forbidden
from reports.progress import TOTAL, PlanProgress, ProgressRow, progress_against_plan
from reports.scope import Scope

ROWS_PER_PAGE = 50

# The channels of the progress reports (seeds/003: "qua hệ thống Bưu điện … qua các đại lý khác").
# Agents without an organization are BHXH staff recruiting themselves: the BHXH channel.
CHANNELS = {
    ServiceOrganization.Kind.POST_OFFICE: pgettext_lazy("sales channel", "Post office"),
    ServiceOrganization.Kind.OTHER_AGENT: pgettext_lazy("sales channel", "Other agents"),
    ServiceOrganization.Kind.BHXH_UNIT: pgettext_lazy("sales channel", "BHXH units"),
    ServiceOrganization.Kind.COMMUNE_COMMITTEE: pgettext_lazy("sales channel", "Commune people's committees"),
}


def daily_counts(*, campaign: Campaign, phases: list[Phase], scope: Scope) -> dict:
    """New participants counted per day of receipt (campaign's local days), one
    series per product, from the first phase's start to today or the last cutoff."""
    if not phases:
        return {"labels": [], "series": []}
    tz = campaign.tzinfo
    first = timezone.localtime(phases[0].start, tz).date()
    last = timezone.localtime(max(phase.cutoff for phase in phases) - timedelta(microseconds=1), tz).date()
    last = min(last, timezone.localdate(timezone=tz))
    enrollments = scope.enrollments(counted_enrollments().filter(phase__in=phases))
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
    enrollments = scope.enrollments(counted_enrollments().filter(phase__in=phases))
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
        counted_enrollments()
        .filter(agent_id__in=list(page.object_list), phase__in=phases)
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


def cluster_rows(progress: PlanProgress) -> list[ProgressRow]:
    """The rows of the overview's progress table: a row per cluster (for an
    organization or an agent, only the clusters they count in), then what counts
    outside every cluster; in a campaign without clusters, one row for everyone."""
    rows = progress.by_cluster
    if not rows:
        return [replace(progress.total, label=_("Everyone taking part"), style="row")] if progress.phases else []
    subjects = [row for row in rows if not row.leftover]
    if not progress.scope.everything:
        subjects = [row for row in subjects if row.total.counted] or subjects
    return subjects + [replace(row, label=_("Outside every cluster")) for row in rows if row.leftover]


@dataclass
class StockLine:
    label: str
    covered: int
    plan: int | None
    percent: Decimal | None


def stock_lines(progress: PlanProgress) -> list[StockLine]:
    """The people covered on the day read, per product (and in all when there are
    several), against the plan of people covered; none for anyone but staff."""
    stock = progress.stock
    if stock is None:
        return []
    groups = progress.groups if len(progress.products) > 1 else progress.products
    return [
        StockLine(
            label=str(Product(group).label) if group != TOTAL else _("All products"),
            covered=stock.count(group),
            plan=stock.plan_of(group),
            percent=stock.percent_of(group),
        )
        for group in groups
    ]


def campaign_overview(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_or_404(code)
    access = leaderboard_access(request.user, campaign)
    scope = campaign_scope(request.user, campaign, access)
    if scope is None:
        return forbidden(request, _("You do not take part in this campaign."))
    try:
        on = date.fromisoformat(request.GET["on"]) if request.GET.get("on") else None
    except ValueError:
        return HttpResponseBadRequest(_("The date must be given as YYYY-MM-DD."))
    progress = progress_against_plan(campaign=campaign, scope=scope, on=on)
    phases = progress.phases
    clusters = cluster_rows(progress)
    total = replace(progress.total, label=_("Total"))
    organizations = [row for row in progress.by_organization if not row.leftover]
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
        # The campaign's figure: against the campaign's plan for staff, their organizations' for a manager.
        "summary": total.total,
        "on": on,
        "as_of": progress.as_of,
        "stock": stock_lines(progress),
        "organizations": organizations,
        "channels": channels,
        "chart_data": chart_data,
        "progress_chart_height": 90 + 34 * len(labels),
        "agents_page": agents_page,
        "own_agent": agent_of(request.user) if scope.agent_id else None,
    }
    return render(request, "pages/campaign_overview.html", context)
