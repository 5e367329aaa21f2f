"""Who reads which campaign and whose numbers on the pages (the leaderboard rules of
``awards.permissions``; staff within their reach, ``core.reach``)."""

from __future__ import annotations

from awards.permissions import (
    LeaderboardAccess,
    campaign_accesses,
    leaderboard_access,
    managed_clusters,
    readable_campaigns,
)
from campaigns.models import Campaign
from collectors.models import Agent
from collectors.selectors import user_reach
from core.reach import reach_allows, reach_filter
from reports.scope import Scope

# --- Who sees what ---------------------------------------------------------------------


def is_staff_reader(user) -> bool:
    """Staff who read boards read every number of the campaigns they reach (the leaderboard rule)."""
    return user.has_perm("campaigns.view_phase")


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
    """Staff: every campaign of the offices they reach. Others (and staff, besides):
    the running and closed campaigns they take part in, or in which agents of an
    organization they manage take part (``awards.permissions.campaign_accesses``, which the
    API's campaign list reads too)."""
    campaigns = readable_campaigns(campaign_accesses(user))
    return list(campaigns.prefetch_related("phases").order_by("-created_at", "code"))


def viewable_agent_ids(user, agent_ids) -> set[int]:
    """Of these agents, those whose page ``user`` may open (``may_view_agent``), in one query."""
    agents = Agent.objects.filter(pk__in=list(agent_ids))
    mine = agents.filter(user_id=user.pk)
    managed = agents.filter(organization__in=user.managed_organizations.all())
    allowed = mine | managed
    if user.has_perm("collectors.view_agent"):
        allowed = allowed | reach_filter(agents, user_reach(user))
    return set(allowed.values_list("pk", flat=True))


def may_view_agent(user, agent: Agent) -> bool:
    """The agent themself, staff who may view agents of the offices they reach, and the managers of the agent's
    organization."""
    if agent.user_id is not None and agent.user_id == user.pk:
        return True
    if user.has_perm("collectors.view_agent") and reach_allows(agent, user_reach(user)):
        return True
    return agent.organization_id is not None and user.managed_organizations.filter(pk=agent.organization_id).exists()
