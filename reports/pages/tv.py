"""The TV board of a phase, for a meeting room's screen: the top rows of each
board the viewer may read (one per cluster), shown one after the other
(``static/js/tv.js``), updating themselves like the leaderboard page
(``reports.pages.live``). The rows are ``awards.selectors.leaderboard_page``'s,
laid out as the leaderboard page lays them out; who may see which board is the
leaderboard page's rule.

Options in the query string: ``rule`` (code; default the leaderboard's default),
``rotate`` (seconds a board stays on screen, default 20), ``rows`` (top rows per
board, default 10) and ``refresh`` (seconds between checks for changes, default 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from awards.selectors import BoardPage, NoRanking, leaderboard_page, leaderboard_resolve
from campaigns.models import Cluster
from reports.pages.common import forbidden
from reports.pages.leaderboard import PageRow, page_row, page_setup, standings_badge
from reports.pages.live import fragment, int_param, live

ROTATE = 20
ROTATE_BOUNDS = (1, 3600)
ROWS = 10
ROWS_BOUNDS = (1, 50)
LIVE_TEMPLATE = "pages/tv_live.html"


@dataclass
class TvBoard:
    """One board on the TV: its cluster (None: the rule ranks everyone together) and its top rows."""

    cluster: Cluster | None
    page: BoardPage
    rows: list[PageRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        """How the browser names the board when it remembers positions."""
        return str(self.cluster.pk) if self.cluster is not None else "all"


def _tv(request: HttpRequest, code: str, number: int) -> dict | HttpResponse:
    """The context of the TV board and of its live fragment, or the refusal."""
    campaign, phase, access = page_setup(request, code, number)
    if isinstance(access, HttpResponse):
        return access
    try:
        choice = leaderboard_resolve(
            phase=phase, rule=request.GET.get("rule"), allows=access.allows, first_allowed=True
        )
    except NoRanking as error:
        raise Http404("No award rule ranks competitors in this phase.") from error
    except ValidationError as error:
        raise Http404("No such award rule on this leaderboard.") from error
    except PermissionDenied as refusal:
        return forbidden(request, str(refusal))
    rows = int_param(request, "rows", default=ROWS, bounds=ROWS_BOUNDS)
    boards = []
    for cluster in choice.boards:  # the boards the viewer may read, in order
        page = leaderboard_page(phase=phase, rule=choice.rule, cluster=cluster, page=1, page_size=rows)
        boards.append(TvBoard(cluster=cluster, page=page, rows=[page_row(row, page.quotas) for row in page.rows]))
    query = urlencode({"rule": choice.rule.code, "rows": rows})
    return {
        "campaign": campaign,
        "phase": phase,
        "rule": choice.rule,
        "boards": boards,
        "badge": standings_badge(boards[0].page),
        "final": boards[0].page.final,
        "live_url": reverse("pages:tv-live", args=[campaign.code, phase.number]) + "?" + query,
        "leaderboard_url": reverse("pages:leaderboard", args=[campaign.code, phase.number])
        + "?"
        + urlencode({"rule": choice.rule.code}),
        "rotate": int_param(request, "rotate", default=ROTATE, bounds=ROTATE_BOUNDS),
    }


def tv_board(request: HttpRequest, code: str, number: int) -> HttpResponse:
    context = _tv(request, code, number)
    if isinstance(context, HttpResponse):
        return context
    context["live"] = live(request, url=context["live_url"], template=LIVE_TEMPLATE, context=context)
    return render(request, "pages/tv.html", context)


def tv_live(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """The boards of the TV board, for it to replace without reloading."""
    context = _tv(request, code, number)
    if isinstance(context, HttpResponse):
        return context
    return fragment(request, LIVE_TEMPLATE, context)
