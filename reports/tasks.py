"""Celery tasks of the notices to agents (``reports.notices``). Each passes ids
to a function that writes notices once per user and event, so a task
delivered twice (acks late: a worker lost mid-task) or run by two workers at
once tells nobody twice; the e-mail task claims its notice before sending."""

from __future__ import annotations

from celery import shared_task

from reports.notices.events import (
    notices_for_award,
    notices_for_closing_phases,
    notices_for_prize_places,
    notices_for_quotas,
    notices_for_transitions,
)
from reports.notices.services import notice_email_failed, notice_email_send

# Seconds between tries of an e-mail the backend refused: 1, 2, 4, 8, 16 minutes.
EMAIL_RETRY_SECONDS = 60


@shared_task(name="reports.notify_enrollment_transitions", acks_late=True, ignore_result=True)
def notify_enrollment_transitions(transition_ids: list[int]) -> int:
    """Enrollments rejected or cancelled (their history rows' ids)."""
    return len(notices_for_transitions(transition_ids=transition_ids))


@shared_task(name="reports.notify_quotas", acks_late=True, ignore_result=True)
def notify_quotas(touched: list[list[int]]) -> int:
    """Quotas reached, among the (agent id, phase id) a write touched."""
    return len(notices_for_quotas(touched=[(agent_id, phase_id) for agent_id, phase_id in touched]))


@shared_task(name="reports.notify_award_approved", acks_late=True, ignore_result=True)
def notify_award_approved(award_id: int) -> int:
    return len(notices_for_award(award_id=award_id))


@shared_task(name="reports.check_prize_places", ignore_result=True)
def check_prize_places() -> int:
    """Run by beat (``notices-prize-places``): who entered or left the prize places."""
    return len(notices_for_prize_places())


@shared_task(name="reports.remind_closing_phases", ignore_result=True)
def remind_closing_phases() -> int:
    """Run by beat (``notices-closing-phases``): phases ending within 24 hours."""
    return len(notices_for_closing_phases())


@shared_task(bind=True, name="reports.send_notice_email", acks_late=True, ignore_result=True, max_retries=5)
def send_notice_email(self, notice_id: int) -> bool:
    """Send a notice's e-mail once; a refusal of the backend is tried again later."""
    try:
        return notice_email_send(notice_id=notice_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            notice_email_failed(notice_id=notice_id)
            return False
        raise self.retry(exc=exc, countdown=EMAIL_RETRY_SECONDS * 2**self.request.retries) from exc
