"""Celery tasks of the phase lifecycle. Each is idempotent: the services lock
the phase and check its status, so a task run twice, or by two workers at once,
changes things once; a worker killed mid-task leaves its transaction unwritten
and the task is delivered again (acks late)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from awards.models import Finalization
from awards.services import phase_finalize, phases_due_for_finalizing
from awards.tally import tally_check_finalization
from campaigns.services import phases_advance


@shared_task(name="awards.advance_phases", ignore_result=True)
def advance_phases() -> dict[str, list[int]]:
    """Open and close phases on time; finalize those whose review period has passed."""
    moved = phases_advance()
    due = phases_due_for_finalizing()
    for phase_id in due:
        finalize_phase.delay(phase_id, trigger=Finalization.Trigger.AUTOMATIC)
    return {**moved, "finalizing": due}


@shared_task(
    name="awards.finalize_phase",
    acks_late=True,
    soft_time_limit=settings.FINALIZE_SOFT_TIME_LIMIT,
    time_limit=settings.FINALIZE_TIME_LIMIT,
)
def finalize_phase(phase_id: int, user_id: int | None = None, trigger: str = Finalization.Trigger.STAFF) -> dict:
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    finalization = phase_finalize(phase_id=phase_id, by=by, trigger=trigger)
    # Then the standings kept on write are checked against the recount (also when a first delivery
    # finalized and was lost before checking).
    current = finalization or Finalization.objects.filter(phase_id=phase_id, current=True).first()
    if current is not None:
        tally_check_finalization(finalization_id=current.pk)
    if finalization is None:
        return {"phase": phase_id, "finalized": False}
    return {
        "phase": phase_id,
        "finalized": True,
        "version": finalization.version,
        "awards": finalization.awards.count(),
        "tally_agreed": Finalization.objects.values_list("tally_agreed", flat=True).get(pk=finalization.pk),
    }
