"""Who reads which campaign and whose numbers on the pages (the leaderboard rules of
``awards.permissions``)."""

from __future__ import annotations

from awards.permissions import PUBLISHED, LeaderboardAccess, leaderboard_access, managed_clusters
from campaigns.models import Campaign
from campaigns.selectors import agent_participations
from collectors.models import Agent
from enrollments.selectors import agent_of
from reports.scope import Scope

# --- Who sees what ---------------------------------------------------------------------


def is_staff_reader(user) -> bool:
    """Staff who read every board read every number (the leaderboard rule)."""
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
