"""The leaderboard page of a phase and cluster, provisional or final."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from awards.models import Award, Finalization, Standing
from awards.permissions import leaderboard_access
from awards.scoring import Boards, LiveBoard, rule_clusters
from awards.selectors import (
    board_quotas,
    current_finalization,
    default_rule,
    phase_rules,
    stored_quota_counts,
)
from campaigns.models import AwardRule, Cluster, CompetitorKind, Phase, Quota
from collectors.models import Agent
from reports.pages.common import campaign_or_404, cluster_param, forbidden

ROWS_PER_PAGE = 50


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


def quota_label(quota: Quota) -> str:
    parts = [quota.product or _("all products")]
    if quota.min_payment_months:
        parts.append(_("≥ %(months)s months") % {"months": quota.min_payment_months})
    return " · ".join(str(part) for part in parts)


def _quota_cells(quotas: list[Quota], counts: list[int]) -> list[QuotaCell]:
    return [
        QuotaCell(label=quota_label(quota), counted=count, minimum=quota.minimum)
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


def leaderboard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    campaign = campaign_or_404(code)
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
    requested = cluster_param(request)
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
