"""The project's own URLs: the API token, and the API's documentation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_a_username_and_password(agent1):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": agent1.user.username, "password": "pass-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    authorized = APIClient()
    authorized.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert authorized.get("/api/v1/enrollments/").status_code == 200


def test_the_token_endpoint_is_throttled(agent1):
    """Per client address, whatever the username (one username alone is locked out sooner: tests/accounts)."""
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": f"a{n:02d}", "password": "wrong"}, format="json").status_code
        for n in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/enrollments/bulk/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
