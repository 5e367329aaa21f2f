"""Who reads which campaign and whose numbers on the pages (the leaderboard rules of
``awards.permissions``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from awards.permissions import PUBLISHED, LeaderboardAccess, leaderboard_access, managed_clusters
from campaigns.models import Campaign
from campaigns.selectors import agent_participations
from collectors.models import Agent
from enrollments.models import Enrollment
from enrollments.selectors import agent_of

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
