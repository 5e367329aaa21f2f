"""An agent's page: their progress per campaign and phase, and their awards
(read from ``reports.agent_progress``, as ``GET /api/v1/me/progress/`` reads them).
The page updates itself (``reports.pages.live``): its progress is a fragment,
read again by the same code at ``/agents/<code>/live/``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from collectors.models import Agent
from enrollments.choices import Product
from reports.agent_progress import agent_progress
from reports.pages.access import may_view_agent
from reports.pages.common import forbidden
from reports.pages.leaderboard import quota_label
from reports.pages.live import fragment, live

LIVE_TEMPLATE = "pages/agent_progress.html"


def _agent(request: HttpRequest, code: str) -> dict | HttpResponse:
    """The context of the agent's page and of its live fragment, or the refusal."""
    agent = get_object_or_404(Agent.objects.select_related("organization", "unit", "locality"), code=code)
    if not may_view_agent(request.user, agent):
        return forbidden(request, _("You may see your own page, or the pages of your organization's agents."))
    campaigns = agent_progress(agent=agent)
    for item in campaigns:
        for progress in item.phases:
            progress.leaderboard_url = reverse("pages:leaderboard", args=[item.campaign.code, progress.phase.number])
            if item.cluster is not None:
                progress.leaderboard_url += "?" + urlencode({"cluster": item.cluster.pk})
            progress.product_counts = [(str(Product(p).label), n) for p, n in progress.by_product.items()]
            for quota in progress.quotas:
                quota.label = quota_label(quota.quota)
    return {"agent": agent, "campaigns": campaigns}


def agent_page(request: HttpRequest, code: str) -> HttpResponse:
    context = _agent(request, code)
    if isinstance(context, HttpResponse):
        return context
    url = reverse("pages:agent-live", args=[context["agent"].code])
    context["live"] = live(request, url=url, template=LIVE_TEMPLATE, context=context)
    return render(request, "pages/agent.html", context)


def agent_live(request: HttpRequest, code: str) -> HttpResponse:
    """The agent's progress as their page shows it, for the page to replace without reloading."""
    context = _agent(request, code)
    if isinstance(context, HttpResponse):
        return context
    return fragment(request, LIVE_TEMPLATE, context)
