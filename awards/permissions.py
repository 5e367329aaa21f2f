"""Who may read a campaign's leaderboards, and the staff permissions of the
phase and award workflows.

Leaderboards (DESIGN §1, §7, §10): staff who may view phases read every
board of the campaigns within their reach (``core.reach``: their unit and the
units below it); the managers of a service organization read the boards their
organization's agents compete on; an agent taking part in the campaign reads
the board of their own cluster. Competitors' codes and names are public within
a campaign; enrollment details never appear on a board.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions

from campaigns.membership import campaign_members_sql
from campaigns.models import Campaign, Cluster, Phase, Team
from campaigns.selectors import agent_participations
from collectors.models import Agent
from collectors.selectors import user_reach
from core.reach import reach_allows, reach_filter
from enrollments.selectors import agent_of

# Campaigns whose boards agents and organization managers may read: a draft is for staff only.
PUBLISHED = (Campaign.Status.RUNNING, Campaign.Status.CLOSED)


@dataclass(frozen=True)
class LeaderboardAccess:
    """What a user may read of one campaign's leaderboards: every board
    (staff), or the boards of the clusters listed (None stands for the board
    of a campaign without clusters, or of a rule not ranking per cluster)."""

    everything: bool = False
    clusters: frozenset[int | None] = frozenset()
    agent_id: int | None = None

    @property
    def default_cluster_id(self) -> int | None:
        """The one cluster whose board the reader may read, when there is exactly one (an
        agent: their own): the board they get without naming a cluster."""
        own = self.clusters - {None}
        return next(iter(own)) if not self.everything and len(own) == 1 else None

    def allows(self, cluster_id: int | None) -> bool:
        if self.everything:
            return True
        if cluster_id is None:
            # A board of everyone taking part: every participant is on it.
            return bool(self.clusters)
        return cluster_id in self.clusters


def leaderboard_access(user, campaign: Campaign) -> LeaderboardAccess | None:
    """What ``user`` may read of ``campaign``'s leaderboards; None: nothing."""
    if not user.is_authenticated:
        return None
    if staff_reads(user, campaign):
        return LeaderboardAccess(everything=True)
    if campaign.status not in PUBLISHED:
        return None
    clusters: set[int | None] = set()
    agent = agent_of(user)
    if agent is not None and agent.active:
        for participation in agent_participations(agent=agent, statuses=PUBLISHED):
            if participation.campaign.pk == campaign.pk:
                clusters.add(participation.cluster.pk if participation.cluster else None)
    clusters |= managed_clusters(user, campaign)
    if not clusters:
        return None
    return LeaderboardAccess(clusters=frozenset(clusters), agent_id=agent.pk if agent is not None else None)


def staff_reads(user, campaign: Campaign) -> bool:
    """Staff who may view phases read every board and number of a campaign within their reach."""
    return user.has_perm("campaigns.view_phase") and reach_allows(campaign, user_reach(user))


def managed_clusters(user, campaign: Campaign) -> set[int | None]:
    """The clusters in which agents of the organizations ``user`` manages
    compete, in one statement (None: a campaign without clusters)."""
    organization_ids = list(user.managed_organizations.values_list("pk", flat=True))
    if not organization_ids:
        return set()
    members_sql, params = campaign_members_sql(campaign)
    params = dict(params)
    marks = []
    for n, pk in enumerate(organization_ids):
        params[f"organization{n}"] = pk
        marks.append(f"%(organization{n})s")
    sql = (
        f"WITH members AS ({members_sql}) "  # noqa: S608 - table names from model metadata; values are parameters
        f"SELECT DISTINCT m.cluster_id FROM members m JOIN {Agent._meta.db_table} a ON a.id = m.agent_id "
        f"WHERE a.organization_id IN ({', '.join(marks)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def require_perm(user, perm: str, message: str) -> None:
    """Refuse with 403 and ``message`` unless ``user`` holds ``perm``."""
    if not user.has_perm(perm):
        raise exceptions.PermissionDenied(message)


def require_leaderboard_access(user, campaign: Campaign) -> LeaderboardAccess:
    access = leaderboard_access(user, campaign)
    if access is None:
        raise exceptions.PermissionDenied(_("You do not take part in this campaign."))
    return access


# --- What a reader may list: campaigns, phases, clusters and teams --------------------


def campaign_accesses(user) -> dict[int, LeaderboardAccess]:
    """What ``user`` may read of each campaign they may read at all, by campaign id: the
    rules of ``leaderboard_access`` for every campaign at once (staff: the campaigns of the
    offices they reach; agents and organization managers: the running and closed campaigns
    they, or their organizations' agents, take part in)."""
    if not user.is_authenticated:
        return {}
    accesses: dict[int, LeaderboardAccess] = {}
    if user.has_perm("campaigns.view_phase"):
        reached = reach_filter(Campaign.objects.all(), user_reach(user)).values_list("pk", flat=True)
        accesses = dict.fromkeys(reached, LeaderboardAccess(everything=True))
    clusters: dict[int, set[int | None]] = defaultdict(set)
    agent = agent_of(user)
    if agent is not None and agent.active:
        for participation in agent_participations(agent=agent, statuses=PUBLISHED):
            clusters[participation.campaign.pk].add(participation.cluster.pk if participation.cluster else None)
    if user.managed_organizations.exists():
        for campaign in Campaign.objects.filter(status__in=PUBLISHED).exclude(pk__in=list(accesses)):
            clusters[campaign.pk] |= managed_clusters(user, campaign)
    agent_id = agent.pk if agent is not None else None
    for campaign_id, ids in clusters.items():
        if campaign_id not in accesses and ids:
            accesses[campaign_id] = LeaderboardAccess(clusters=frozenset(ids), agent_id=agent_id)
    return accesses


def readable_campaigns(accesses: dict[int, LeaderboardAccess]) -> QuerySet[Campaign]:
    return Campaign.objects.filter(pk__in=list(accesses))


def readable_phases(accesses: dict[int, LeaderboardAccess]) -> QuerySet[Phase]:
    return Phase.objects.filter(campaign_id__in=list(accesses))


def readable_clusters(accesses: dict[int, LeaderboardAccess]) -> QuerySet[Cluster]:
    """Every cluster of a campaign read whole (staff); else the clusters whose board the reader reads."""
    whole = [pk for pk, access in accesses.items() if access.everything]
    some = {cluster for access in accesses.values() if not access.everything for cluster in access.clusters}
    return Cluster.objects.filter(Q(campaign_id__in=whole) | Q(pk__in=some - {None}))


def readable_teams(user, accesses: dict[int, LeaderboardAccess]) -> QuerySet[Team]:
    """Every team of a campaign read whole (staff); else the teams of the reader (an agent)
    or with members of the organizations they manage."""
    if not user.is_authenticated:
        return Team.objects.none()
    whole = [pk for pk, access in accesses.items() if access.everything]
    others = [pk for pk, access in accesses.items() if not access.everything]
    theirs = Q(members__user_id=user.pk) | Q(members__organization__managers=user)
    ids = Team.objects.filter(campaign_id__in=others).filter(theirs).values("pk")
    return Team.objects.filter(Q(campaign_id__in=whole) | Q(pk__in=ids))
