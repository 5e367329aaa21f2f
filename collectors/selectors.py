"""Reads about offices: the units below a unit, and a user's reach (DESIGN §10).

A staff member's reach is the unit they work for (``StaffAssignment``) and
every unit below it; Vietnam Social Security's staff (the national unit at the
root of the tree) reach everything, and so does a superuser. Anyone else — a
staff member without a unit, an agent, an organization's manager — reaches no
office: agents and managers read what is theirs by their own rules.
"""

from __future__ import annotations

from django.db import connection

from collectors.models import Locality, ServiceOrganization, StaffAssignment, Unit
from core.reach import ALL, NOTHING, Reach

# Where the reach is kept on the user object: computed once per request (a request has its own user object).
_CACHE = "_core_reach"


def unit_subtree_ids(unit_ids) -> frozenset[int]:
    """The units given and every unit below them, in one query."""
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return frozenset()
    table = Unit._meta.db_table
    marks = ", ".join(["%s"] * len(unit_ids))
    sql = (
        f"WITH RECURSIVE below(id) AS ("  # noqa: S608 - the table name comes from model metadata
        f"SELECT id FROM {table} WHERE id IN ({marks}) "
        f"UNION SELECT u.id FROM {table} u JOIN below b ON u.parent_id = b.id) "
        "SELECT id FROM below"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, unit_ids)
        return frozenset(row[0] for row in cursor.fetchall())


def unit_reach(unit: Unit) -> Reach:
    """What the staff of ``unit`` reach: everything from the national root, else the unit and the units below it."""
    if unit.kind == Unit.Kind.NATIONAL and unit.parent_id is None:
        return ALL
    return Reach.units(unit_subtree_ids([unit.pk]))


def _computed_reach(user) -> Reach:
    if not user.is_active:
        return NOTHING
    if user.is_superuser:
        return ALL
    assignment = StaffAssignment.objects.filter(user_id=user.pk).select_related("unit").first()
    if assignment is None:
        return NOTHING
    return unit_reach(assignment.unit)


def user_reach(user) -> Reach:
    """The units ``user`` reaches (see the module's docstring); kept on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = _computed_reach(user)
        setattr(user, _CACHE, cached)
    return cached


def forget_reach(user) -> None:
    """Drop the reach kept on ``user`` (after their unit changed)."""
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)


# No tree of localities or units is deeper; a cycle written by mistake stops here.
_DEEPEST = 64


def _climb(name: str, table: str, start: str) -> str:
    """A recursive common table expression ``name(id, parent_id, depth)`` over ``table``
    (a tree on parent_id): the rows ``start`` selects, at depth 0, and every row above them."""
    return f"""{name}(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM {table} WHERE {start}
        UNION
        SELECT node.id, node.parent_id, below.depth + 1 FROM {table} node
        JOIN {name} below ON node.id = below.parent_id WHERE below.depth < {_DEEPEST}
    )"""  # noqa: S608 - names from model metadata; every value is a parameter


def unit_ancestor_ids(unit_id: int | None) -> list[int]:
    """The unit and every unit above it, nearest first: one statement."""
    if unit_id is None:
        return []
    above = _climb("above", Unit._meta.db_table, "id = %s")
    with connection.cursor() as cursor:
        cursor.execute(f"WITH RECURSIVE {above} SELECT DISTINCT id, depth FROM above ORDER BY depth", [unit_id])  # noqa: S608
        ids: list[int] = []
        for pk, _depth in cursor.fetchall():
            if pk not in ids:
                ids.append(pk)
        return ids


def agent_ancestry_sql(*, agent) -> tuple[str, dict]:
    """Two recursive common table expressions, for a ``WITH RECURSIVE`` clause, and their
    parameters: ``up_locality(id, …)``, the locality the agent serves and every locality above
    it; ``up_unit(id, …)``, the unit they work in, the unit their organization is contracted to,
    and every unit above either. For statements that join an agent's ancestry."""
    organizations = ServiceOrganization._meta.db_table
    localities = _climb("up_locality", Locality._meta.db_table, "id = %(ancestry_locality)s")
    units = _climb(
        "up_unit",
        Unit._meta.db_table,
        f"id = %(ancestry_unit)s OR id = (SELECT contracting_unit_id FROM {organizations} "  # noqa: S608
        "WHERE id = %(ancestry_organization)s)",
    )
    params = {
        "ancestry_locality": agent.locality_id,
        "ancestry_unit": agent.unit_id,
        "ancestry_organization": agent.organization_id,
    }
    return f"{localities}, {units}", params


def reach_allows_unit_below(reach: Reach, unit_id: int | None) -> bool:
    """Whether ``reach`` covers ``unit_id`` or a unit above it (a unit created since the reach was computed)."""
    if reach.everything:
        return True
    return any(unit in reach.unit_ids for unit in unit_ancestor_ids(unit_id))
