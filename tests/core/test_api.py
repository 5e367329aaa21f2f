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


def test_a_body_over_the_request_limit_is_a_json_413(settings, api1):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"client_ref": "' + "x" * 20_000 + '"}'
    response = api1.generic("POST", "/api/v1/enrollments/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large"


def test_too_many_form_fields_are_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{n}": "x" for n in range(20)}
    response = APIClient().post("/api/v1/auth/token/", fields)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
