"""Running a write again when the database refused it for contention.

PostgreSQL aborts one of two transactions that wait on each other (a deadlock,
SQLSTATE 40P01) and, under stricter isolation, a transaction whose reads a
concurrent commit invalidated (a serialization failure, 40001). Nothing of the
aborted transaction was written, so the whole of it can simply run again.

``retry_on_conflict`` does that for an adapter (an API view, an admin action)
around a service call. A retry only makes sense for a whole transaction: called
inside an atomic block, it runs the function once and turns such a failure into
``core.errors.Busy``, which the enclosing block rolls back on its way out (and
an outer ``retry_on_conflict``, outside every block, runs again). When the
attempts run out it raises ``Busy`` as well: the API answers 503 with
``Retry-After``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from core.errors import Busy

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
RETRYABLE = frozenset({DEADLOCK, SERIALIZATION_FAILURE})
BASE_DELAY = 0.05  # seconds before the second attempt; doubled after each failure, with jitter


def conflict_code(exc: BaseException) -> str | None:
    """The SQLSTATE of the deadlock or serialization failure behind ``exc``
    (Django wraps the driver's error), or None for any other error."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if code:
            return code if code in RETRYABLE else None
        seen = seen.__cause__
    return None


def retry_on_conflict(fn: Callable[[], T], *, attempts: int = 3, using: str = DEFAULT_DB_ALIAS) -> T:
    """Call ``fn`` (a whole transaction: a service call) and return what it
    returns; run it again, up to ``attempts`` times in all, after a short
    jittered pause when the database refused it for contention. Raises ``Busy``
    when the last attempt fails too, or at once inside an atomic block."""
    outside_transaction = not connections[using].in_atomic_block
    attempt = 1
    while True:
        try:
            return fn()
        except (DatabaseError, Busy) as exc:
            code = conflict_code(exc) if isinstance(exc, DatabaseError) else "busy"
            if code is None:
                raise
            if not outside_transaction or attempt >= attempts:
                logger.warning("Write refused for contention (%s) after %d attempt(s): busy.", code, attempt)
                if isinstance(exc, Busy):
                    raise
                raise Busy() from exc
            delay = BASE_DELAY * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311 (jitter, not a secret)
            logger.info(
                "Write refused for contention (%s), attempt %d of %d: again in %.0f ms.",
                code,
                attempt,
                attempts,
                delay * 1000,
            )
            time.sleep(delay)
            attempt += 1
