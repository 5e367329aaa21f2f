"""What the enrollments app tells the apps above it.

``scores_touched`` is sent inside the writing transaction whenever enrollments
were inserted or their counting changed, with ``touched``: the set of
(campaign id, agent id, phase id) whose counted enrollments may differ. The
awards app keeps its standings by it (DESIGN §12).

``status_changed`` is sent inside the writing transaction when enrollments
move along their state map (``services.enrollments_transition``), with
``transitions``: the ``EnrollmentTransition`` rows just written. The reports
app tells agents of a rejection or a cancellation by it.

``scores_reloading`` is sent inside the writing transaction before many
enrollments of one campaign are loaded at once (an import of its history),
with ``campaign_id``: what the apps above keep on write is better rebuilt
once than updated chunk by chunk. It is sent again with ``done=True`` once
the load has ended, for them to rebuild it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.dispatch import Signal

scores_touched = Signal()
status_changed = Signal()
scores_reloading = Signal()

_gathering = threading.local()


def enrollments_touched(enrollments: Iterable) -> None:
    """Tell the apps above which agents' counted enrollments may have changed
    (at once, or when the enclosing ``touched_together`` ends)."""
    touched = {(e.campaign_id, e.agent_id, e.phase_id) for e in enrollments if e.agent_id and e.phase_id}
    pending = getattr(_gathering, "touched", None)
    if pending is not None:
        pending |= touched
    elif touched:
        scores_touched.send(sender=None, touched=touched)


@contextmanager
def touched_together() -> Iterator[None]:
    """Gather what the writes inside touch and tell it once, when they are done:
    the standings above then lock what they keep in one order for the whole
    transaction, never in two rounds that could cross another writer's."""
    if getattr(_gathering, "touched", None) is not None:
        yield
        return
    _gathering.touched = set()
    try:
        yield
        touched = _gathering.touched
    finally:
        _gathering.touched = None
    if touched:
        scores_touched.send(sender=None, touched=touched)
