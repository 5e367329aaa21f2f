"""The API's error contract: a validation error answers with its messages by field under ``errors``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_wrong_password_gets_a_field_message(agent1):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": agent1.user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
