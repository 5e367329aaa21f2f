"""The web pages (DESIGN §7 "Pages"): the campaigns a user may see, a campaign's
overview with progress charts, the leaderboards per phase and cluster, and an
agent's own progress.

Who sees what follows the leaderboard rules of ``awards.permissions``:

- staff who may view phases see every campaign and every number;
- the managers of a service organization see the campaigns their agents take
  part in, and only their organization's numbers and agents;
- an agent sees the campaigns they take part in, the board of their own
  cluster and their own numbers.

Every page needs a login (``reports.urls`` wraps each view); refusals
render ``pages/forbidden.html`` with status 403. The pages are Vietnamese
unless the user picked another language with the switch (the language cookie):
a browser's Accept-Language alone does not turn them to English.

The reads come first (scopes and aggregates, each a few queries whatever the
size of the campaign), then the views, which only arrange them for templates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from awards.models import Award, Finalization, Standing
from awards.permissions import PUBLISHED, LeaderboardAccess, leaderboard_access, managed_clusters
from awards.scoring import Boards, LiveBoard, rule_applies, rule_clusters
from awards.views import (
    agent_standing,
    board_quotas,
    current_finalization,
    default_rule,
    phase_rules,
    stored_quota_counts,
)
from campaigns.membership import campaign_members_sql
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, PlanTarget, Quota
from campaigns.selectors import agent_participations
from collectors.models import Agent, ServiceOrganization
from enrollments.choices import Product
from enrollments.models import Enrollment
from enrollments.selectors import agent_of

ROWS_PER_PAGE = 50

# The channels of the progress reports (seeds/003: "qua hệ thống Bưu điện … qua các đại lý khác").
# Agents without an organization are BHXH staff recruiting themselves: the BHXH channel.
CHANNELS = {
    ServiceOrganization.Kind.POST_OFFICE: pgettext_lazy("sales channel", "Post office"),
    ServiceOrganization.Kind.OTHER_AGENT: pgettext_lazy("sales channel", "Other agents"),
    ServiceOrganization.Kind.BHXH_UNIT: pgettext_lazy("sales channel", "BHXH units"),
    ServiceOrganization.Kind.COMMUNE_COMMITTEE: pgettext_lazy("sales channel", "Commune people's committees"),
}


# --- Who sees what ---------------------------------------------------------------------


def is_staff_reader(user) -> bool:
    """Staff who read every board read every number (the leaderboard rule)."""
    return user.has_perm("campaigns.view_phase")


@dataclass(frozen=True)
class Scope:
    """Whose numbers a user reads on a campaign's pages: everyone's (staff),
    those of the agents of the organizations they manage, or their own."""

    everything: bool = False
    organization_ids: tuple[int, ...] = ()
    agent_id: int | None = None

    def enrollments(self, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        if self.everything:
            return enrollments
        if self.organization_ids:
            return enrollments.filter(agent__organization_id__in=self.organization_ids)
        return enrollments.filter(agent_id=self.agent_id)

    def sql(self, params: dict) -> str:
        """The same restriction as a SQL condition on enrollment ``e`` and its agent ``a``."""
        if self.everything:
            return ""
        if self.organization_ids:
            marks = []
            for n, pk in enumerate(self.organization_ids):
                params[f"scope_org{n}"] = pk
                marks.append(f"%(scope_org{n})s")
            return f" AND a.organization_id IN ({', '.join(marks)})"
        params["scope_agent"] = self.agent_id
        return " AND e.agent_id = %(scope_agent)s"


def campaign_scope(user, campaign: Campaign, access: LeaderboardAccess | None = None) -> Scope | None:
    """Whose numbers ``user`` reads in ``campaign``; None: the campaign is not theirs."""
    access = access if access is not None else leaderboard_access(user, campaign)
    if access is None:
        return None
    if access.everything:
        return Scope(everything=True)
    organization_ids = tuple(user.managed_organizations.order_by("pk").values_list("pk", flat=True))
    if organization_ids and managed_clusters(user, campaign):
        return Scope(organization_ids=organization_ids)
    if access.agent_id is not None:
        return Scope(agent_id=access.agent_id)
    return None


def visible_campaigns(user) -> list[Campaign]:
    """Staff: every campaign. Others: the running and closed campaigns they take
    part in, or in which agents of an organization they manage take part."""
    campaigns = Campaign.objects.prefetch_related("phases").order_by("-created_at", "code")
    if is_staff_reader(user):
        return list(campaigns)
    published = list(campaigns.filter(status__in=PUBLISHED))
    theirs: set[int] = set()
    agent = agent_of(user)
    if agent is not None and agent.active:
        theirs |= {p.campaign.pk for p in agent_participations(agent=agent, statuses=PUBLISHED)}
    if user.managed_organizations.exists():
        theirs |= {c.pk for c in published if c.pk not in theirs and managed_clusters(user, c)}
    return [campaign for campaign in published if campaign.pk in theirs]


def may_view_agent(user, agent: Agent) -> bool:
    """The agent themself, staff who may view agents, and the managers of the agent's organization."""
    if agent.user_id is not None and agent.user_id == user.pk:
        return True
    if user.has_perm("collectors.view_agent"):
        return True
    return agent.organization_id is not None and user.managed_organizations.filter(pk=agent.organization_id).exists()


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


# --- Leaderboards ------------------------------------------------------------------------


@dataclass
class QuotaCell:
    label: str
    counted: int
    minimum: int

    @property
    def percent(self) -> Decimal:
        return (Decimal(self.counted) * 100 / self.minimum).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool:
        return self.counted >= self.minimum


@dataclass
class BoardRow:
    position: int
    rank: int | None
    kind: str
    competitor_id: int | None
    code: str
    name: str
    score: Decimal
    target: Decimal | None
    eligible: bool
    reached_at: datetime | None
    quotas: list[QuotaCell]
    organization: str = ""
    organization_id: int | None = None
    prize: str = ""
    prize_status: str = ""
    link: str = ""

    @property
    def percent_of_target(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.score * 100 / self.target).quantize(Decimal("0.1"))


def _quota_label(quota: Quota) -> str:
    parts = [quota.product or _("all products")]
    if quota.min_payment_months:
        parts.append(_("≥ %(months)s months") % {"months": quota.min_payment_months})
    return " · ".join(str(part) for part in parts)


def _quota_cells(quotas: list[Quota], counts: list[int]) -> list[QuotaCell]:
    return [
        QuotaCell(label=_quota_label(quota), counted=count, minimum=quota.minimum)
        for quota, count in zip(quotas, counts, strict=False)
    ]


@dataclass
class Board:
    """One leaderboard page: the rule, the cluster, final or provisional, and a page of rows."""

    rule: AwardRule
    cluster: Cluster | None
    finalization: Finalization | None
    quotas: list[Quota]
    page: Page
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def has_targets(self) -> bool:
        """Whether competitors on this page have plan targets (teams and units may; agents do not)."""
        return any(row.target for row in self.rows)


def board_page(*, phase: Phase, rule: AwardRule, cluster: Cluster | None, page_number: str | None) -> Board:
    """A page of the leaderboard: the stored final standings of the current
    finalization once the phase is finalized, the live provisional ones before."""
    finalization = current_finalization(phase)
    if finalization is not None:
        quotas = board_quotas(rule=rule, phase=phase, boards=Boards(every=True))
        keep = [n for n, quota in enumerate(quotas) if quota.cluster_id in (None, getattr(cluster, "pk", None))]
        stored = Standing.objects.filter(finalization=finalization, rule=rule, cluster=cluster).order_by("position")
        page = Paginator(stored, ROWS_PER_PAGE).get_page(page_number)
        standings = list(page.object_list)
        # Stored counts follow the quotas as they were when finalized; if these changed since, show none.
        consistent = all(len(stored_quota_counts(row)) == len(quotas) for row in standings)
        shown = [quotas[n] for n in keep] if consistent else []
        prizes = {
            award.standing_id: award
            for award in Award.objects.filter(standing__in=standings).select_related("tier").order_by("pk")
        }
        rows = []
        for standing in standings:
            counts = stored_quota_counts(standing)
            award = prizes.get(standing.pk)
            rows.append(
                BoardRow(
                    position=standing.position,
                    rank=standing.rank,
                    kind=standing.competitor_kind,
                    competitor_id=standing.competitor_id,
                    code=standing.competitor_code,
                    name=standing.competitor_name,
                    score=standing.score,
                    target=standing.target,
                    eligible=standing.eligible,
                    reached_at=standing.reached_at,
                    quotas=_quota_cells(shown, [counts[n] for n in keep]) if consistent else [],
                    prize=award.tier.title if award else "",
                    prize_status=award.get_status_display() if award else "",
                )
            )
        board = Board(rule=rule, cluster=cluster, finalization=finalization, quotas=shown, page=page, rows=rows)
    else:
        quotas = board_quotas(rule=rule, phase=phase, boards=Boards(cluster=cluster))
        try:
            expected = max(int(page_number or 1), 1)
        except ValueError:
            expected = 1
        live = LiveBoard(rule=rule, phase=phase, cluster=cluster, page_size=ROWS_PER_PAGE, page=expected)
        page = Paginator(live, ROWS_PER_PAGE).get_page(page_number)
        rows = [
            BoardRow(
                position=row.position,
                rank=row.rank,
                kind=row.kind,
                competitor_id=row.competitor_id,
                code=row.code,
                name=row.name,
                score=row.score,
                target=row.target,
                eligible=row.eligible,
                reached_at=row.reached_at,
                quotas=_quota_cells(quotas, list(row.quota_counts)),
            )
            for row in page.object_list
        ]
        board = Board(rule=rule, cluster=cluster, finalization=None, quotas=quotas, page=page, rows=rows)
    _add_organizations(board.rows)
    return board


def _add_organizations(rows: list[BoardRow]) -> None:
    """The organization (or, for BHXH staff, the unit) of each agent on the page, in one query."""
    ids = [row.competitor_id for row in rows if row.kind == CompetitorKind.AGENT]
    if not ids:
        return
    where = {
        pk: (organization_id, organization or unit or "")
        for pk, organization_id, organization, unit in Agent.objects.filter(pk__in=ids).values_list(
            "pk", "organization_id", "organization__name", "unit__name"
        )
    }
    for row in rows:
        if row.kind == CompetitorKind.AGENT and row.competitor_id in where:
            row.organization_id, row.organization = where[row.competitor_id]


# --- An agent's progress ------------------------------------------------------------------


@dataclass
class PhaseProgress:
    phase: Phase
    counted: int
    by_product: list[tuple[str, int]]
    quotas: list[dict]
    place: dict
    version: int | None  # the final version, once finalized

    @property
    def final(self) -> bool:
        return self.version is not None


@dataclass
class CampaignProgress:
    campaign: Campaign
    cluster: Cluster | None
    phases: list[PhaseProgress]


def _quota_applies(quota: Quota, agent: Agent, phase: Phase, cluster_id: int | None) -> bool:
    return (
        quota.competitor_kind == CompetitorKind.AGENT
        and quota.phase_id in (None, phase.pk)
        and quota.cluster_id in (None, cluster_id)
        and quota.role in ("", agent.role)
    )


def agent_progress(*, agent: Agent) -> list[CampaignProgress]:
    """Per running or closed campaign the agent takes part in and per phase:
    what counts, each quota and what remains, and the agent's place on the
    board of the first agent rule ranking them. What ``GET /api/v1/me/progress/``
    answers (``reports.api.MyProgressView``), for closed campaigns too."""
    participations = agent_participations(agent=agent, statuses=PUBLISHED)
    phase_ids = [phase.pk for p in participations for phase in p.phases]
    tallies: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    rows = (
        Enrollment.objects.filter(agent=agent, phase_id__in=phase_ids, counted=True)
        .values_list("phase_id", "product", "payment_months")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for phase_id, product, months, n in rows:
        tallies[phase_id].append((product, months, n))
    campaign_ids = [p.campaign.pk for p in participations]
    quotas = list(Quota.objects.filter(campaign_id__in=campaign_ids).order_by("pk"))
    rules = list(
        AwardRule.objects.filter(campaign_id__in=campaign_ids)
        .select_related("campaign", "cluster")
        .order_by("position", "code", "pk")
    )
    versions = dict(
        Finalization.objects.filter(
            phase_id__in=phase_ids, current=True, phase__status=Phase.Status.FINALIZED
        ).values_list("phase_id", "version")
    )
    now = timezone.now()
    result = []
    for participation in participations:
        campaign = participation.campaign
        cluster_id = participation.cluster.pk if participation.cluster else None
        phases = []
        for phase in participation.phases:
            tally = tallies[phase.pk]
            place = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None}
            if phase.start <= now:  # a phase not started yet has no leaderboard
                applying = [rule for rule in rules if rule.campaign_id == campaign.pk and rule_applies(rule, phase)]
                place = agent_standing(phase=phase, agent=agent, cluster=participation.cluster, rules=applying)
            quota_rows = []
            for quota in quotas:
                if quota.campaign_id != campaign.pk or not _quota_applies(quota, agent, phase, cluster_id):
                    continue
                reached = sum(
                    n
                    for product, months, n in tally
                    if quota.product in ("", product)
                    and (quota.min_payment_months is None or months >= quota.min_payment_months)
                )
                quota_rows.append(
                    {
                        "label": _quota_label(quota),
                        "minimum": quota.minimum,
                        "counted": reached,
                        "remaining": max(quota.minimum - reached, 0),
                        "met": reached >= quota.minimum,
                        "percent": (Decimal(reached) * 100 / quota.minimum).quantize(Decimal("0.1")),
                    }
                )
            by_product: dict[str, int] = defaultdict(int)
            for product, _months, n in tally:
                by_product[product] += n
            phases.append(
                PhaseProgress(
                    phase=phase,
                    counted=sum(by_product.values()),
                    by_product=[(str(Product(p).label), n) for p, n in sorted(by_product.items())],
                    quotas=quota_rows,
                    place=place,
                    version=versions.get(phase.pk),
                )
            )
        result.append(CampaignProgress(campaign=participation.campaign, cluster=participation.cluster, phases=phases))
    return result


# --- Views ------------------------------------------------------------------------------


def vietnamese_unless_chosen(view):
    """Serve the page in the site's language (Vietnamese) unless the user chose
    one with the language switch: a browser's Accept-Language is not a choice."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return view(request, *args, **kwargs)

    return wrapped


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "pages/forbidden.html", {"message": message}, status=403)


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("pages:campaigns")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("pages:login")


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


def _campaign_or_404(code: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("organizer"), code=code)


def campaign_overview(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign_or_404(code)
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


def _cluster_param(request: HttpRequest) -> int | None:
    value = request.GET.get("cluster", "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such cluster.")
    return int(value)


def leaderboard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    campaign = _campaign_or_404(code)
    phase = get_object_or_404(Phase.objects.select_related("campaign"), campaign=campaign, number=number)
    access = leaderboard_access(request.user, campaign)
    if access is None:
        return forbidden(request, _("You do not take part in this campaign."))
    rules = phase_rules(phase)
    context: dict = {"campaign": campaign, "phase": phase, "rules": rules}
    if not rules:
        return render(request, "pages/leaderboard.html", {**context, "board": None})
    wanted_rule = request.GET.get("rule")
    rule = next((rule for rule in rules if rule.code == wanted_rule), None) if wanted_rule else default_rule(rules)
    if rule is None:
        raise Http404("No such award rule in this phase.")
    boards = rule_clusters(rule)
    allowed = [board for board in boards if access.allows(board.pk if board else None)]
    requested = _cluster_param(request)
    if requested is not None and rule.per_cluster and boards != [None]:
        cluster = next((board for board in boards if board is not None and board.pk == requested), None)
        if cluster is None:
            raise Http404("No such cluster on this leaderboard.")
        if cluster not in allowed:
            return forbidden(request, _("You may read the leaderboard of your own cluster only."))
    elif allowed:
        cluster = allowed[0]
    else:
        return forbidden(request, _("You may read the leaderboard of your own cluster only."))
    board = board_page(phase=phase, rule=rule, cluster=cluster, page_number=request.GET.get("page"))
    user = request.user
    staff = user.has_perm("collectors.view_agent")
    managed = set(user.managed_organizations.values_list("pk", flat=True))
    for row in board.rows:
        if row.kind == CompetitorKind.AGENT and (
            staff or row.organization_id in managed or (access.agent_id and row.competitor_id == access.agent_id)
        ):
            row.link = reverse("pages:agent", args=[row.code])

    def query(**changes) -> str:
        params = {"rule": rule.code, "cluster": cluster.pk if cluster else None, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})

    context.update(
        {
            "board": board,
            "rule": rule,
            "cluster": cluster,
            "clusters": [
                {"cluster": board_cluster, "url": query(cluster=board_cluster.pk, page=None)}
                for board_cluster in allowed
                if board_cluster is not None
            ],
            "rule_links": [{"rule": r, "url": "?" + urlencode({"rule": r.code})} for r in rules],
            "previous_url": query(page=board.page.previous_page_number()) if board.page.has_previous() else "",
            "next_url": query(page=board.page.next_page_number()) if board.page.has_next() else "",
            "excel_url": reverse("api:phase-detail", args=[phase.pk])
            + "ranking.xlsx?"
            + urlencode({"rule": rule.code}),
            "own_agent_id": access.agent_id,
            "badge": (
                _("Final · version %(version)s") % {"version": board.finalization.version}
                if board.finalization
                else pgettext("standings", "Provisional")
            ),
        }
    )
    return render(request, "pages/leaderboard.html", context)


def agent_page(request: HttpRequest, code: str) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.select_related("organization", "unit", "locality"), code=code)
    if not may_view_agent(request.user, agent):
        return forbidden(request, _("You may see your own page, or the pages of your organization's agents."))
    campaigns = agent_progress(agent=agent)
    for item in campaigns:
        for progress in item.phases:
            progress.leaderboard_url = reverse("pages:leaderboard", args=[item.campaign.code, progress.phase.number])
            if item.cluster is not None:
                progress.leaderboard_url += "?" + urlencode({"cluster": item.cluster.pk})
    return render(request, "pages/agent.html", {"agent": agent, "campaigns": campaigns})
