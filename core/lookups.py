"""Filtering on a long list of values, passed to the database as one parameter."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL


def values_in(field: str, values: Iterable, *, db_type: str = "bigint") -> Q:
    """``Q(<field>__in=values)``, with the values sent to PostgreSQL as one array
    (``IN (SELECT unnest(%s::<db_type>[]))``) rather than one placeholder each: for
    thousands of values, writing, parsing and planning a statement with as many
    placeholders costs more than running it, and one text for every length lets the
    statement be prepared once. The planner guesses a handful of values and loops over
    the column's index: right for primary keys; for a column filtered with others
    (where a long list may make it scan instead), the plain ``__in`` plans better.
    Elsewhere (SQLite) it is the plain ``__in``."""
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL(f"SELECT unnest(%s::{db_type}[])", (values,))})  # noqa: S611 - a type name
    return Q(**{f"{field}__in": values})
