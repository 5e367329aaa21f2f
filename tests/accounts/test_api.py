"""The API and initial passwords: no token for one, and 403 in the error contract until it
is changed, whether the caller uses a token or the session."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import password_mark_initial
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
SOME_API = "/api/v1/enrollments/"


def assert_password_change_required(response) -> None:
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "password_change_required"
    assert body["message"]
    assert body["errors"] == {}


def test_an_initial_password_gets_no_token(person):
    password_mark_initial(user=person)
    response = APIClient().post(TOKEN_URL, {"username": "e1", "password": PASSWORD}, format="json")
    assert_password_change_required(response)
    assert not Token.objects.filter(user=person).exists()


def test_a_token_of_a_user_marked_initial_is_refused(person):
    token = Token.objects.create(user=person)
    password_mark_initial(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert_password_change_required(client.get(SOME_API))


def test_a_session_of_a_user_marked_initial_is_refused(person):
    password_mark_initial(user=person)
    client = APIClient()
    client.force_login(person)
    assert_password_change_required(client.get(SOME_API))


def test_once_changed_a_new_token_works_and_the_old_one_does_not(person):
    old = Token.objects.create(user=person)
    password_mark_initial(user=person)
    person.set_password("tu-chon-mat-khau-1")
    person.save()

    with_old = APIClient()
    with_old.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert with_old.get(SOME_API).status_code == 401

    issued = APIClient().post(TOKEN_URL, {"username": "e1", "password": "tu-chon-mat-khau-1"}, format="json")
    assert issued.status_code == 200
    with_new = APIClient()
    with_new.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert with_new.get(SOME_API).status_code == 200


def test_the_password_state_is_read_with_the_token_in_one_query(person):
    password_mark_initial(user=person)
    person.set_password("tu-chon-mat-khau-1")
    person.save()
    token = Token.objects.create(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(SOME_API).status_code == 200
    reading_state = [query["sql"] for query in captured if "accounts_passwordstate" in query["sql"]]
    assert len(reading_state) == 1
    assert "authtoken_token" in reading_state[0]
