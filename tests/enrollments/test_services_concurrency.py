"""Simultaneous submissions of one person: the database decides who counts."""

from __future__ import annotations

import threading
from datetime import timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.utils import timezone

from enrollments.models import Enrollment
from tests.factories import AgentFactory, UserFactory
from tests.intake_fixtures import client_for, submission

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reference_parameters():
    """A transactional test flushes the rows data migrations made; put the parameters back."""
    from django.apps import apps

    import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)


def test_thirty_two_agents_submitting_one_person_at_once_leave_exactly_one_counted(
    reference_parameters, campaign, post_office, quang_nam
):
    agents = [
        AgentFactory(
            code=f"C{n:02d}", organization=post_office, locality=quang_nam["tam_ky"], user=UserFactory(username=f"c{n}")
        )
        for n in range(32)
    ]
    clients = [client_for(agent.user) for agent in agents]
    receipt = timezone.now() - timedelta(hours=3)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(n: int) -> None:
        try:
            barrier.wait()
            body = submission(client_ref=f"C-{n}", receipt_at=(receipt + timedelta(seconds=n)).isoformat())
            statuses.append(clients[n].post("/api/v1/enrollments/", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [201] * 32
    assert Enrollment.objects.count() == 32
    counted = Enrollment.objects.filter(counted=True)
    assert counted.count() == 1
    # The earliest receipt is the one that counts, whatever order the requests landed in.
    assert counted.get().client_ref == "C-0"
    assert Enrollment.objects.filter(not_counted_reason="duplicate", duplicate_of=counted.get()).count() == 31
