"""Asserting that the database itself refuses a row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction


def assert_db_rejects(constraint_name: str, write: Callable[[], object], *, unique: bool = False) -> None:
    """Run ``write`` and assert the database refuses it through ``constraint_name``.

    SQLite names a failed CHECK constraint but reports a failed UNIQUE one by its
    columns, so for unique constraints the name is checked on PostgreSQL only.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    if not unique or connection.vendor == "postgresql":
        assert constraint_name in str(caught.value)
