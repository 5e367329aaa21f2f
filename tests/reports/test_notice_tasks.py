"""Notices through a real Celery worker on Redis: queued after the write commits,
written once and e-mailed once, even when the broker delivers the task again."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from emulation_config.celery import app
from enrollments.models import EnrollmentTransition
from enrollments.services import enrollment_reject
from reports.models import Notice
from reports.tasks import notify_enrollment_transitions
from tests.contest import build_contest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(celery_eager):
    celery_eager.conf.task_always_eager = False
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_rejection_is_told_by_the_worker_and_a_redelivered_task_adds_nothing(worker):
    contest = build_contest(logins=True, east=("E1",), west=("W1",))
    (enrollment,) = contest.sell("E1", 1, status="submitted")

    enrollment_reject(enrollment=enrollment, reason="Sai số CCCD")
    _wait_for(lambda: Notice.objects.filter(email=Notice.Email.SENT).exists(), "the worker told the agent")

    move = EnrollmentTransition.objects.get(enrollment=enrollment, to_status="rejected")
    # The same message twice more, at once, as a broker hands out a task whose worker was lost.
    results = [notify_enrollment_transitions.apply_async(args=[[move.pk]], ignore_result=False) for _ in range(2)]
    assert sorted(result.get(timeout=60) for result in results) == [0, 0]
    time.sleep(1)  # an e-mail task queued by mistake would have run by now

    notice = Notice.objects.get(user__username="e1")
    assert notice.email == Notice.Email.SENT
    assert [message.to for message in mail.outbox] == [[notice.user.email]]
