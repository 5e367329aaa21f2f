"""Finalizing through a real Celery worker on Redis, and concurrently.

Two finalize tasks for one phase, run by a worker with two threads at once, or
two database sessions racing each other, leave one finalization and one set
of awards: the phase row lock serializes them and the second finds the phase
finalized. These tests commit for real (transactional), so other sessions and
the worker's threads see the data.
"""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import close_old_connections, connection, transaction

from awards.models import Award, Finalization, Standing
from awards.services import phase_finalize, phase_finalize_request
from awards.tasks import finalize_phase
from campaigns.models import Phase
from campaigns.services import phase_close
from emulation_config.celery import app

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def closed_contest(contest):
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    contest.sell("W1", 2)
    phase_close(phase=contest["phase"])
    return contest


@pytest.fixture
def worker(celery_eager):
    """A Celery worker with two threads consuming the broker configured by REDIS_URL."""
    celery_eager.conf.task_always_eager = False
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.mark.redis
def test_two_finalize_tasks_at_once_on_a_real_worker_finalize_once(closed_contest, worker):
    phase = closed_contest["phase"]

    results = [finalize_phase.delay(phase.pk) for _ in range(2)]
    outcomes = sorted((result.get(timeout=60) for result in results), key=lambda r: r["finalized"])

    assert [outcome["finalized"] for outcome in outcomes] == [False, True]
    assert outcomes[1]["version"] == 1
    assert Finalization.objects.filter(phase=phase).count() == 1
    assert Award.objects.filter(phase=phase).count() == 3  # E1 and E2 in cluster 1, W1 in cluster 2
    assert Standing.objects.filter(finalization__phase=phase).count() == 7


@pytest.mark.redis
def test_finalizing_is_queued_on_commit_and_run_by_the_worker(closed_contest, worker):
    phase = closed_contest["phase"]
    with transaction.atomic():
        phase_finalize_request(phase=phase)
        time.sleep(0.5)
        assert Phase.objects.get(pk=phase.pk).status == Phase.Status.CLOSED  # nothing sent before the commit

    deadline = time.monotonic() + 60
    while Phase.objects.get(pk=phase.pk).status != Phase.Status.FINALIZED:
        assert time.monotonic() < deadline, "the worker did not finalize the phase"
        time.sleep(0.2)
    assert Finalization.objects.get(phase=phase).version == 1


def test_two_sessions_racing_to_finalize_leave_one_finalization(closed_contest):
    phase = closed_contest["phase"]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def race():
        try:
            barrier.wait(timeout=10)
            outcomes.append(phase_finalize(phase_id=phase.pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(outcome is None for outcome in outcomes) == [False, True]
    assert Finalization.objects.filter(phase=phase).count() == 1
    assert Award.objects.filter(phase=phase).count() == 3
