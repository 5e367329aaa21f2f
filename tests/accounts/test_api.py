"""The API's logins: tokens one per device, expiring, listed and revoked by their owner;
and initial passwords: no token for one, and 403 in the error contract until it is
changed, whether the caller uses a token or the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import password_mark_initial
from tests.accounts.conftest import PASSWORD
from tests.factories import api_token

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
    assert not ApiToken.objects.filter(user=person).exists()


def test_a_token_of_a_user_marked_initial_is_refused(person):
    token = api_token(person)
    password_mark_initial(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_password_change_required(client.get(SOME_API))


def test_a_session_of_a_user_marked_initial_is_refused(person):
    password_mark_initial(user=person)
    client = APIClient()
    client.force_login(person)
    assert_password_change_required(client.get(SOME_API))


def test_once_changed_a_new_token_works_and_the_old_one_does_not(person):
    old = api_token(person)
    password_mark_initial(user=person)
    person.set_password("tu-chon-mat-khau-1")
    person.save()

    with_old = APIClient()
    with_old.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert with_old.get(SOME_API).status_code == 401

    issued = APIClient().post(TOKEN_URL, {"username": "e1", "password": "tu-chon-mat-khau-1"}, format="json")
    assert issued.status_code == 200
    with_new = APIClient()
    with_new.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert with_new.get(SOME_API).status_code == 200


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _log_in(device: str = "") -> dict:
    response = APIClient().post(TOKEN_URL, {"username": "e1", "password": PASSWORD, "device": device}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_each_device_gets_its_own_token_and_keeps_it(person):
    phone, tablet = _log_in("Điện thoại"), _log_in("Máy tính bảng")
    assert phone["token"] != tablet["token"]
    assert phone["device"] == "Điện thoại" and tablet["device"] == "Máy tính bảng"
    for issued in (phone, tablet):
        assert _client(issued["token"]).get(SOME_API).status_code == 200
    # Only the token's hash is stored.
    assert not ApiToken.objects.filter(digest__in=[phone["token"], tablet["token"]]).exists()
    assert ApiToken.objects.filter(user=person).count() == 2


def test_a_token_expires(person, settings):
    issued = _log_in()
    expiry = timezone.datetime.fromisoformat(issued["expiry"])
    days = (expiry - timezone.now()).total_seconds() / 86400
    assert settings.API_TOKEN_DAYS - 1 < days <= settings.API_TOKEN_DAYS
    ApiToken.objects.filter(user=person).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _client(issued["token"]).get(SOME_API).status_code == 401
    again = _log_in()
    # Not listed, and deleted when the user logs in again.
    assert [row["token_key"] for row in _client(again["token"]).get("/api/v1/auth/tokens/").json()] == [
        again["token_key"]
    ]
    assert list(ApiToken.objects.filter(user=person).values_list("token_key", flat=True)) == [again["token_key"]]


def test_a_user_lists_their_own_tokens_only(person, django_user_model):
    phone, tablet = _log_in("Điện thoại"), _log_in("Máy tính bảng")
    api_token(django_user_model.objects.create_user("e2", password="x-12345-y"), "Khác")
    listed = _client(phone["token"]).get("/api/v1/auth/tokens/").json()
    assert [(row["device"], row["current"]) for row in listed] == [("Máy tính bảng", False), ("Điện thoại", True)]
    assert {row["token_key"] for row in listed} == {phone["token_key"], tablet["token_key"]}
    assert all("token" not in row for row in listed)


def test_a_user_revokes_one_of_their_tokens_and_no_one_elses(person, django_user_model):
    phone, tablet = _log_in("Điện thoại"), _log_in("Máy tính bảng")
    other = django_user_model.objects.create_user("e2", password="x-12345-y")
    theirs = api_token(other, "Khác")
    their_key = ApiToken.objects.get(user=other).token_key
    with_phone = _client(phone["token"])
    refused = with_phone.delete(f"/api/v1/auth/tokens/{their_key}/")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert _client(theirs).get(SOME_API).status_code == 200
    assert with_phone.delete(f"/api/v1/auth/tokens/{tablet['token_key']}/").status_code == 204
    assert _client(tablet["token"]).get(SOME_API).status_code == 401
    assert with_phone.get(SOME_API).status_code == 200
    # Revoking the token in use ends this device's login too.
    assert with_phone.delete(f"/api/v1/auth/tokens/{phone['token_key']}/").status_code == 204
    assert with_phone.get(SOME_API).status_code == 401


def test_a_password_change_revokes_every_device(person):
    phone, tablet = _log_in("Điện thoại"), _log_in("Máy tính bảng")
    person.set_password("tu-chon-mat-khau-2")
    person.save()
    for issued in (phone, tablet):
        assert _client(issued["token"]).get(SOME_API).status_code == 401


def test_the_token_list_refuses_unknown_parameters(person):
    phone = _log_in("Điện thoại")

    response = _client(phone["token"]).get("/api/v1/auth/tokens/", {"device": "x", "page": "2"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"device", "page"}
