"""The leaderboard page of a phase and cluster, provisional or final: the board
and its rows come from ``awards.selectors`` (``leaderboard_resolve``,
``leaderboard_page``), as the API's and the ranking workbook's do; this module
only lays them out. The page updates itself (``reports.pages.live``): its badge
and board are a fragment, read again by the same code at ``…/leaderboard/live/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from awards.permissions import LeaderboardAccess, leaderboard_access
from awards.selectors import BoardChoice, BoardPage, BoardRow, NoRanking, leaderboard_page, leaderboard_resolve
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota
from reports.pages.access import viewable_agent_ids
from reports.pages.common import campaign_or_404, cluster_param, forbidden
from reports.pages.live import fragment, live

ROWS_PER_PAGE = 50
# The highest page number read as asked: any board ends long before (a larger one reads the last page).
MAX_PAGE = 100_000
# The parts of the page that change with the standings (``reports.pages.live``).
LIVE_TEMPLATE = "pages/leaderboard_live.html"


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
class PageRow:
    """A competitor's row as the page shows it: the board's row (``awards.selectors.BoardRow``,
    whose fields it reads through), its quota cells and a link to the agent's page."""

    board: BoardRow
    quotas: list[QuotaCell]
    link: str = ""

    def __getattr__(self, name: str):
        return getattr(self.board, name)

    @property
    def competitor_id(self) -> int:
        return self.board.id

    @property
    def organization(self) -> str:
        return (self.board.affiliation or "") if self.board.kind == CompetitorKind.AGENT else ""

    @property
    def percent_of_target(self) -> Decimal | None:
        if not self.board.target:
            return None
        return (self.board.score * 100 / self.board.target).quantize(Decimal("0.1"))


def quota_label(quota: Quota) -> str:
    parts = [quota.product or _("all products")]
    if quota.min_payment_months:
        parts.append(_("≥ %(months)s months") % {"months": quota.min_payment_months})
    return " · ".join(str(part) for part in parts)


def page_row(row: BoardRow, quotas: list[Quota]) -> PageRow:
    cells = [
        QuotaCell(label=quota_label(quota), counted=count, minimum=quota.minimum)
        for quota, count in zip(quotas, row.quota_counts, strict=False)
    ]
    return PageRow(board=row, quotas=cells)


@dataclass
class Board:
    """One leaderboard page: the rule, the cluster, final or provisional, and a page of rows."""

    rule: AwardRule
    cluster: Cluster | None
    page: BoardPage
    rows: list[PageRow] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.page.final

    @property
    def quotas(self) -> list[Quota]:
        return self.page.quotas

    @property
    def has_targets(self) -> bool:
        """Whether competitors on this page have plan targets (teams and units may; agents do not)."""
        return any(row.target for row in self.rows)


def board_page(*, choice: BoardChoice, page_number: str | None) -> Board:
    """A page of the board chosen: a number that is not a page reads the first
    page, one past the end the last page."""
    if page_number and page_number.isdecimal():
        number = min(max(int(page_number), 1), MAX_PAGE) if len(page_number) <= 9 else MAX_PAGE
    else:
        number = 1

    def read(number: int) -> BoardPage:
        return leaderboard_page(
            phase=choice.phase, rule=choice.rule, cluster=choice.cluster, page=number, page_size=ROWS_PER_PAGE
        )

    page = read(number)
    if number > page.pages:
        page = read(page.pages)
    rows = [page_row(row, page.quotas) for row in page.rows]
    return Board(rule=choice.rule, cluster=choice.cluster, page=page, rows=rows)


def standings_badge(page: BoardPage) -> str:
    if page.final:
        return _("Final · version %(version)s") % {"version": page.version}
    return pgettext("standings", "Provisional")


def page_setup(
    request: HttpRequest, code: str, number: int
) -> tuple[Campaign, Phase, LeaderboardAccess | HttpResponse]:
    """The campaign and phase of a leaderboard page, and what the user may read
    of its boards (the refusal page when nothing)."""
    campaign = campaign_or_404(code)
    phase = get_object_or_404(Phase.objects.select_related("campaign"), campaign=campaign, number=number)
    access = leaderboard_access(request.user, campaign)
    if access is None:
        return campaign, phase, forbidden(request, _("You do not take part in this campaign."))
    return campaign, phase, access


def _leaderboard(request: HttpRequest, code: str, number: int) -> dict | HttpResponse:
    """The context of the leaderboard page and of its live fragment, or the refusal."""
    campaign, phase, access = page_setup(request, code, number)
    if isinstance(access, HttpResponse):
        return access
    context: dict = {"campaign": campaign, "phase": phase}
    try:
        choice = leaderboard_resolve(
            phase=phase,
            rule=request.GET.get("rule"),
            cluster=cluster_param(request),
            allows=access.allows,
            first_allowed=True,
        )
    except NoRanking:
        return {**context, "rules": [], "board": None}
    except ValidationError as error:
        raise Http404("No such award rule or cluster on this leaderboard.") from error
    except PermissionDenied as refusal:
        return forbidden(request, str(refusal))
    board = board_page(choice=choice, page_number=request.GET.get("page"))
    agents = [row.id for row in board.rows if row.kind == CompetitorKind.AGENT]
    viewable = viewable_agent_ids(request.user, agents) if agents else set()
    for row in board.rows:
        if row.kind == CompetitorKind.AGENT and row.id in viewable:
            row.link = reverse("pages:agent", args=[row.code])
    rule, cluster = choice.rule, choice.cluster

    def query(**changes) -> str:
        params = {"rule": rule.code, "cluster": cluster.pk if cluster else None, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})

    page = board.page
    context.update(
        {
            "rules": choice.rules,
            "board": board,
            "rule": rule,
            "cluster": cluster,
            "clusters": [
                {"cluster": board_cluster, "url": query(cluster=board_cluster.pk, page=None)}
                for board_cluster in choice.boards
                if board_cluster is not None
            ],
            "rule_links": [{"rule": r, "url": "?" + urlencode({"rule": r.code})} for r in choice.rules],
            "previous_url": query(page=page.number - 1) if page.has_previous else "",
            "next_url": query(page=page.number + 1) if page.has_next else "",
            "excel_url": reverse("api:phase-detail", args=[phase.pk])
            + "ranking.xlsx?"
            + urlencode({"rule": rule.code}),
            "tv_url": reverse("pages:tv", args=[campaign.code, phase.number]) + "?" + urlencode({"rule": rule.code}),
            "live_url": reverse("pages:leaderboard-live", args=[campaign.code, phase.number])
            + query(page=page.number if page.number > 1 else None),
            "own_agent_id": access.agent_id,
            "badge": standings_badge(page),
        }
    )
    return context


def leaderboard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    context = _leaderboard(request, code, number)
    if isinstance(context, HttpResponse):
        return context
    if context["board"] is not None:
        context["live"] = live(request, url=context["live_url"], template=LIVE_TEMPLATE, context=context)
    return render(request, "pages/leaderboard.html", context)


def leaderboard_live(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """The parts of the leaderboard page that change with the standings (its
    badge and its board), for the page to replace without reloading."""
    context = _leaderboard(request, code, number)
    if isinstance(context, HttpResponse):
        return context
    if context["board"] is None:
        raise Http404("No award rule ranks competitors in this phase.")
    return fragment(request, LIVE_TEMPLATE, context)
