"""Login lockout (django-axes) at every door: the pages' login, the admin's and the API token.

After LOGIN_FAILURE_LIMIT (5) failures of one username from one address, that username is
locked out from that address for LOGIN_LOCKOUT_MINUTES (15), even with the right password;
the page says so in Vietnamese, the API answers its error contract with 429."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.lockout import lockout_message
from tests.accounts.conftest import PASSWORD, STAFF_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
OTHER_ADDRESS = "198.51.100.9"


@pytest.fixture(autouse=True)
def _no_token_throttle(monkeypatch):
    """The token throttle (10 a minute) would refuse first: these tests are about the lockout.
    DRF reads the rates once, into the throttle class."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "1000/minute"})


def page_login(client, password: str, **extra):
    return client.post("/login/", {"username": "e1", "password": password}, **extra)


def admin_login(client, password: str, **extra):
    return client.post("/admin/login/", {"username": "quanly", "password": password}, **extra)


def token_login(client, password: str, **extra):
    return client.post(TOKEN_URL, {"username": "e1", "password": password}, format="json", **extra)


def wait_out_the_lockout() -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))


# --- The pages' login ----------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(client, person):
    codes = [page_login(client, f"wrong-{n}").status_code for n in range(40)]
    right = page_login(client, PASSWORD)

    assert codes[:4] == [200] * 4  # the form again, with its error
    assert set(codes[4:]) == {429}
    assert right.status_code == 429
    assert lockout_message() in right.content.decode()
    assert right["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="e1").failures_since_start == 5


def test_the_fifth_failure_shows_the_lockout_page_in_the_sites_language(client, person):
    for _ in range(4):
        page_login(client, "wrong")
    response = page_login(client, "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response["Content-Language"] == "vi"
    text = response.content.decode()
    assert 'data-testid="locked-out"' in text
    assert lockout_message() in text
    assert "15" in lockout_message()


def test_four_failures_then_the_right_password_logs_in_and_clears_the_count(client, person):
    for _ in range(4):
        page_login(client, "wrong")
    assert page_login(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="e1").exists()


def test_the_lockout_is_per_username_and_address(client, person, django_user_model):
    django_user_model.objects.create_user("e2", password=PASSWORD)
    for _ in range(5):
        page_login(client, "wrong")
    assert page_login(client, PASSWORD, REMOTE_ADDR=OTHER_ADDRESS).status_code == 302
    other_user = client.post("/login/", {"username": "e2", "password": PASSWORD})
    assert other_user.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, person):
    for _ in range(5):
        page_login(client, "wrong")
    assert page_login(client, PASSWORD).status_code == 429
    wait_out_the_lockout()
    assert page_login(client, PASSWORD).status_code == 302


def test_tries_during_the_lockout_do_not_extend_it(client, person):
    for _ in range(5):
        page_login(client, "wrong")
    locked_at = AccessAttempt.objects.get().attempt_time
    for _ in range(3):
        page_login(client, "wrong")
    attempt = AccessAttempt.objects.get()
    assert (attempt.attempt_time, attempt.failures_since_start) == (locked_at, 5)


def test_deleting_the_attempt_in_the_admin_unlocks(client, person, superuser):
    for _ in range(5):
        page_login(client, "wrong")
    attempt = AccessAttempt.objects.get(username="e1")
    staff = client.__class__()
    staff.force_login(superuser)
    deleted = staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert page_login(client, PASSWORD).status_code == 302


def test_the_failure_limit_is_a_setting(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert page_login(client, "wrong").status_code == 200
    assert page_login(client, "wrong").status_code == 429


# --- The admin's login ---------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused_on_the_admin_login(client, officer):
    codes = [admin_login(client, f"wrong-{n}").status_code for n in range(40)]
    right = admin_login(client, STAFF_PASSWORD)

    assert codes[:4] == [200] * 4
    assert set(codes[4:]) == {429}
    assert right.status_code == 429
    assert lockout_message() in right.content.decode()
    assert client.get("/admin/").status_code == 302  # still not logged in


def test_the_admin_login_works_again_after_the_cool_off(client, officer):
    for _ in range(5):
        admin_login(client, "wrong")
    wait_out_the_lockout()
    assert admin_login(client, STAFF_PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


# --- The API token -------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_gets_no_token(person):
    client = APIClient()
    codes = [token_login(client, f"wrong-{n}").status_code for n in range(40)]
    right = token_login(client, PASSWORD)

    assert codes[:4] == [400] * 4
    assert set(codes[4:]) == {429}
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    body = right.json()
    assert body["code"] == "locked_out"
    assert body["errors"] == {}
    assert body["message"] == lockout_message()
    assert right["Retry-After"] == "900"
    assert "token" not in body


def test_the_token_lockout_ends_after_the_cool_off(person):
    client = APIClient()
    for _ in range(5):
        token_login(client, "wrong")
    wait_out_the_lockout()
    response = token_login(client, PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_failures_count_across_the_doors(client, person):
    """One count per username and address, wherever the password was tried."""
    for _ in range(3):
        page_login(client, "wrong")
    for _ in range(2):
        token_login(APIClient(), "wrong")
    assert token_login(APIClient(), PASSWORD).status_code == 429
    assert page_login(client, PASSWORD).status_code == 429


def test_failures_further_apart_than_the_cool_off_are_not_added_up(client, person):
    for _ in range(4):
        page_login(client, "wrong")
    wait_out_the_lockout()
    assert page_login(client, "wrong").status_code == 200
    assert AccessAttempt.objects.get(username="e1").failures_since_start == 1


def test_axes_reset_username_unlocks(client, person):
    for _ in range(5):
        page_login(client, "wrong")
    call_command("axes_reset_username", "e1", stdout=io.StringIO())
    assert page_login(client, PASSWORD).status_code == 302
