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


def membership_tables() -> dict[str, str]:
    """The tables whose rows say who belongs to which cluster, by short name."""
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


def _candidate_parts(t: dict[str, str], where: str) -> list[str]:
    """SELECT (agent_id, cluster number, cluster id) for every way an agent may belong
    to the clusters chosen by ``where`` (a condition on cluster ``cl``)."""
    parts = [
        f"SELECT ca.agent_id, cl.number, cl.id AS cluster_id FROM {t['cluster_agents']} ca "
        f"JOIN {t['cluster']} cl ON cl.id = ca.cluster_id WHERE {where}",
        f"SELECT tm.agent_id, cl.number, cl.id AS cluster_id FROM {t['cluster_teams']} ct "
        f"JOIN {t['cluster']} cl ON cl.id = ct.cluster_id "
        f"JOIN {t['team_members']} tm ON tm.team_id = ct.team_id WHERE {where}",
    ]
    for joins, deepest in _below(t["locality"], "cx.locality_id", LOCALITY_DEPTH):
        parts.append(
            f"SELECT a.id, cl.number, cl.id AS cluster_id FROM {t['cluster_localities']} cx "
            f"JOIN {t['cluster']} cl ON cl.id = cx.cluster_id{joins} "
            f"JOIN {t['agent']} a ON a.locality_id = {deepest} WHERE {where}"
        )
    for joins, deepest in _below(t["unit"], "cu.unit_id", UNIT_DEPTH):
        base = f"FROM {t['cluster_units']} cu JOIN {t['cluster']} cl ON cl.id = cu.cluster_id{joins}"
        chosen = "SELECT a.id, cl.number, cl.id AS cluster_id"
        parts.append(f"{chosen} {base} JOIN {t['agent']} a ON a.unit_id = {deepest} WHERE {where}")
        parts.append(
            f"{chosen} {base} JOIN {t['organization']} o ON o.contracting_unit_id = {deepest} "
            f"JOIN {t['agent']} a ON a.organization_id = o.id WHERE {where}"
        )
    return parts


def _clustered_sql(t: dict[str, str]) -> str:
    # Each agent's lowest-numbered cluster, picked by a window over the candidates: no join
    # back to the clusters on their number, which the planner cannot size.
    candidates = " UNION ALL ".join(_candidate_parts(t, "cl.campaign_id = %(campaign)s"))
    return (
        f"SELECT y.agent_id, y.cluster_id FROM (SELECT x.agent_id, x.cluster_id, "
        f"ROW_NUMBER() OVER (PARTITION BY x.agent_id ORDER BY x.number) AS n FROM ({candidates}) x) y "
        f"WHERE y.n = 1"
    )


def _ancestors(table: str, start: str, depth: int, alias: str) -> tuple[str, list[str]]:
    """(LEFT JOINs, columns) naming ``start`` and up to depth-1 of its ancestors in ``table``."""
    joins, columns, current = "", [start], start
    for level in range(1, depth):
        name = f"{alias}{level}"
        joins += f" LEFT JOIN {table} {name} ON {name}.id = {current}"
        current = f"{name}.parent_id"
        columns.append(current)
    return joins, columns


def _one_cluster_sql(t: dict[str, str]) -> str:
    """The members of the cluster %(cluster)s (numbered %(number)s): the agents it
    could claim, less those a lower-numbered cluster claims first. Resolved from
    the cluster's side down, then checked from each agent's side up, so that the
    cost follows the cluster's size rather than the campaign's."""
    candidates = " UNION ALL ".join(_candidate_parts(t, "cl.id = %(cluster)s"))
    earlier = f"SELECT e.id FROM {t['cluster']} e WHERE e.campaign_id = %(campaign)s AND e.number < %(number)s"
    earlier_localities = f"SELECT locality_id FROM {t['cluster_localities']} WHERE cluster_id IN ({earlier})"
    earlier_units = f"SELECT unit_id FROM {t['cluster_units']} WHERE cluster_id IN ({earlier})"
    locality_joins, locality_columns = _ancestors(t["locality"], "a.locality_id", LOCALITY_DEPTH, "lu")
    unit_joins, unit_columns = _ancestors(t["unit"], "a.unit_id", UNIT_DEPTH, "uu")
    org_joins, org_columns = _ancestors(t["unit"], "o.contracting_unit_id", UNIT_DEPTH, "ou")
    upward = " OR ".join(
        [f"{column} IN ({earlier_localities})" for column in locality_columns]
        + [f"{column} IN ({earlier_units})" for column in unit_columns + org_columns]
    )
    claimed_earlier = " UNION ALL ".join(
        [
            f"SELECT ca.agent_id FROM {t['cluster_agents']} ca WHERE ca.cluster_id IN ({earlier})",
            f"SELECT tm.agent_id FROM {t['cluster_teams']} ct JOIN {t['team_members']} tm "
            f"ON tm.team_id = ct.team_id WHERE ct.cluster_id IN ({earlier})",
            f"SELECT a.id FROM candidates k JOIN {t['agent']} a ON a.id = k.agent_id"
            f"{locality_joins}{unit_joins} LEFT JOIN {t['organization']} o ON o.id = a.organization_id{org_joins}"
            f" WHERE {upward}",
        ]
    )
    return (
        f"WITH candidates AS (SELECT DISTINCT x.agent_id FROM ({candidates}) x) "
        f"SELECT k.agent_id, %(cluster)s AS cluster_id FROM candidates k "
        f"WHERE k.agent_id NOT IN ({claimed_earlier})"
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
    return f"SELECT DISTINCT y.agent_id, CAST(NULL AS BIGINT) AS cluster_id FROM ({' UNION ALL '.join(parts)}) y"


def campaign_members_sql(campaign: Campaign) -> tuple[str, dict]:
    """A statement selecting (agent_id, cluster_id) for every agent taking part,
    with its parameters; for joining into larger queries."""
    tables = membership_tables()
    params = {"campaign": campaign.pk, "organizer": campaign.organizer_id}
    if Cluster.objects.filter(campaign=campaign).exists():
        return _clustered_sql(tables), params
    return _unclustered_sql(tables), params


def cluster_members_sql(campaign: Campaign, cluster: Cluster | None) -> tuple[str, dict]:
    """A statement selecting (agent_id, cluster_id) for the members of one
    cluster; None stands for everyone taking part, whatever their cluster."""
    tables = membership_tables()
    if cluster is None:
        return campaign_members_sql(campaign)
    params = {"campaign": campaign.pk, "cluster": cluster.pk, "number": cluster.number}
    return _one_cluster_sql(tables), params


def campaign_members(*, campaign: Campaign) -> dict[int, int | None]:
    """Agent id → cluster id (None in a campaign without clusters) for everyone taking part."""
    from django.db import connection

    sql, params = campaign_members_sql(campaign)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def cluster_members(*, campaign: Campaign, cluster: Cluster | None) -> set[int]:
    """The ids of the agents competing in one cluster (None: a campaign without clusters)."""
    from django.db import connection

    sql, params = cluster_members_sql(campaign, cluster)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
