"""Review actions in the admin when the database stays busy: the row is
reported with a message, never a server error page."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError

from core.errors import Busy
from enrollments.models import Enrollment

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/enrollments/enrollment/"


def deadlocked(**kwargs):
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    raise error


def test_a_confirmation_the_database_keeps_refusing_is_reported_by_row(client, reviewer, submitted, monkeypatch):
    monkeypatch.setattr("enrollments.admin_actions.enrollment_confirm", deadlocked)
    client.force_login(reviewer)
    data = {"action": "confirm_selected", "_selected_action": [submitted[0].pk]}
    response = client.post(CHANGELIST, data, follow=True)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"A-1: {Busy()}"]
    assert Enrollment.objects.get(pk=submitted[0].pk).status == "submitted"
