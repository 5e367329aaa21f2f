"""What the enrollments app tells the apps above it.

``scores_touched`` is sent inside the writing transaction whenever enrollments
were inserted or their counting changed, with ``touched``: the set of
(campaign id, agent id, phase id) whose counted enrollments may differ. The
awards app keeps its standings by it (DESIGN §12).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

scores_touched = Signal()


def enrollments_touched(enrollments: Iterable) -> None:
    """Tell the apps above which agents' counted enrollments may have changed."""
    touched = {(e.campaign_id, e.agent_id, e.phase_id) for e in enrollments if e.agent_id and e.phase_id}
    if touched:
        scores_touched.send(sender=None, touched=touched)
