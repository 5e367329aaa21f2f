"""How notices hear of the events of the apps below (their signals, sent inside
the writing transaction): each queues its task once the transaction commits,
so nothing is told of a write that was rolled back, and a failing task never
undoes the write."""

from __future__ import annotations

from django.db import transaction

from awards.signals import award_approved
from enrollments.choices import EnrollmentStatus
from enrollments.signals import scores_touched, status_changed
from reports.tasks import notify_award_approved, notify_enrollment_transitions, notify_quotas

_TOLD = (EnrollmentStatus.REJECTED, EnrollmentStatus.CANCELLED)


def _after_commit(task, *args) -> None:
    # robust: a task run in the calling process (the embedded default) that fails is logged, never raised
    # into the request whose write has committed.
    transaction.on_commit(lambda: task.delay(*args), robust=True)


def _on_status_changed(sender, transitions, **kwargs) -> None:
    ids = sorted(move.pk for move in transitions if move.to_status in _TOLD and move.pk is not None)
    if ids:
        _after_commit(notify_enrollment_transitions, ids)


def _on_scores_touched(sender, touched, **kwargs) -> None:
    pairs = sorted({(agent_id, phase_id) for _campaign_id, agent_id, phase_id in touched})
    if pairs:
        _after_commit(notify_quotas, [list(pair) for pair in pairs])


def _on_award_approved(sender, award, **kwargs) -> None:
    _after_commit(notify_award_approved, award.pk)


def connect() -> None:
    status_changed.connect(_on_status_changed, dispatch_uid="reports.notices.status_changed")
    scores_touched.connect(_on_scores_touched, dispatch_uid="reports.notices.scores_touched")
    award_approved.connect(_on_award_approved, dispatch_uid="reports.notices.award_approved")
