"""Who takes part in a campaign, and in which cluster, for every agent at once.

The same rules as ``campaigns.selectors.agent_participations`` (which answers
for one agent), written as one SQL statement so that standings can join it
instead of asking agent by agent:

- a campaign with clusters: an agent belongs to a cluster when listed in it,
  when a team of theirs is, when the locality they serve lies in (or below) one
  of its localities, or when their unit, or the unit their organization is
  contracted to, lies in (or below) one of its units; the lowest-numbered
  matching cluster is theirs;
- a campaign without clusters: the members of its teams, and everyone working
  in or for the organizer's unit or a unit below it (cluster NULL).

The statement runs on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from campaigns.models import Campaign, Cluster, Team
from collectors.models import Agent, Locality, ServiceOrganization, Unit

# How far below a cluster's locality or unit an agent may sit: communes under a
# district under a province, offices under a provincial office under VSS.
LOCALITY_DEPTH = 3
UNIT_DEPTH = 4


def _tables() -> dict[str, str]:
    return {
        "agent": Agent._meta.db_table,
        "locality": Locality._meta.db_table,
        "unit": Unit._meta.db_table,
        "organization": ServiceOrganization._meta.db_table,
        "cluster": Cluster._meta.db_table,
        "team": Team._meta.db_table,
        "cluster_agents": Cluster.agents.through._meta.db_table,
        "cluster_teams": Cluster.teams.through._meta.db_table,
        "cluster_localities": Cluster.localities.through._meta.db_table,
        "cluster_units": Cluster.units.through._meta.db_table,
        "team_members": Team.members.through._meta.db_table,
    }


def _below(table: str, top: str, depth: int) -> list[tuple[str, str]]:
    """(joins, deepest alias) for each depth: rows of ``table`` at 0..depth-1
    levels below the row id ``top``."""
    chains = []
    for level in range(depth):
        joins, parent = "", top
        for step in range(level):
            alias = f"d{step}"
            joins += f" JOIN {table} {alias} ON {alias}.parent_id = {parent}"
            parent = f"{alias}.id"
        chains.append((joins, parent))
    return chains


def _clustered_sql(t: dict[str, str]) -> str:
    parts = [
        f"SELECT ca.agent_id, cl.number FROM {t['cluster_agents']} ca "
        f"JOIN {t['cluster']} cl ON cl.id = ca.cluster_id WHERE cl.campaign_id = %(campaign)s",
        f"SELECT tm.agent_id, cl.number FROM {t['cluster_teams']} ct "
        f"JOIN {t['cluster']} cl ON cl.id = ct.cluster_id "
        f"JOIN {t['team_members']} tm ON tm.team_id = ct.team_id WHERE cl.campaign_id = %(campaign)s",
    ]
    for joins, deepest in _below(t["locality"], "cx.locality_id", LOCALITY_DEPTH):
        parts.append(
            f"SELECT a.id, cl.number FROM {t['cluster_localities']} cx "
            f"JOIN {t['cluster']} cl ON cl.id = cx.cluster_id{joins} "
            f"JOIN {t['agent']} a ON a.locality_id = {deepest} WHERE cl.campaign_id = %(campaign)s"
        )
    for joins, deepest in _below(t["unit"], "cu.unit_id", UNIT_DEPTH):
        base = f"FROM {t['cluster_units']} cu JOIN {t['cluster']} cl ON cl.id = cu.cluster_id{joins}"
        parts.append(
            f"SELECT a.id, cl.number {base} JOIN {t['agent']} a ON a.unit_id = {deepest} "
            "WHERE cl.campaign_id = %(campaign)s"
        )
        parts.append(
            f"SELECT a.id, cl.number {base} JOIN {t['organization']} o ON o.contracting_unit_id = {deepest} "
            f"JOIN {t['agent']} a ON a.organization_id = o.id WHERE cl.campaign_id = %(campaign)s"
        )
    candidates = " UNION ALL ".join(parts)
    return (
        f"SELECT m.agent_id, c.id AS cluster_id FROM "
        f"(SELECT x.agent_id, MIN(x.number) AS number FROM ({candidates}) x GROUP BY x.agent_id) m "
        f"JOIN {t['cluster']} c ON c.campaign_id = %(campaign)s AND c.number = m.number"
    )


def _unclustered_sql(t: dict[str, str]) -> str:
    parts = [
        f"SELECT tm.agent_id FROM {t['team_members']} tm "
        f"JOIN {t['team']} tt ON tt.id = tm.team_id WHERE tt.campaign_id = %(campaign)s"
    ]
    for joins, deepest in _below(t["unit"], "%(organizer)s", UNIT_DEPTH):
        root = f"FROM (SELECT 1 AS one) r{joins}" if joins else "FROM (SELECT 1 AS one) r"
        parts.append(f"SELECT a.id {root} JOIN {t['agent']} a ON a.unit_id = {deepest}")
        parts.append(
            f"SELECT a.id {root} JOIN {t['organization']} o ON o.contracting_unit_id = {deepest} "
            f"JOIN {t['agent']} a ON a.organization_id = o.id"
        )
    return f"SELECT DISTINCT y.agent_id, NULL AS cluster_id FROM ({' UNION ALL '.join(parts)}) y"


def campaign_members_sql(campaign: Campaign) -> tuple[str, dict]:
    """A statement selecting (agent_id, cluster_id) for every agent taking part,
    with its parameters; for joining into larger queries."""
    tables = _tables()
    params = {"campaign": campaign.pk, "organizer": campaign.organizer_id}
    if Cluster.objects.filter(campaign=campaign).exists():
        return _clustered_sql(tables), params
    return _unclustered_sql(tables), params


def campaign_members(*, campaign: Campaign) -> dict[int, int | None]:
    """Agent id → cluster id (None in a campaign without clusters) for everyone taking part."""
    from django.db import connection

    sql, params = campaign_members_sql(campaign)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
