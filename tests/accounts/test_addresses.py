"""The client's address: X-Forwarded-For counts only behind trusted proxies, for the
token throttle and the login lockout alike."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from accounts.addresses import client_address

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def ask_token(client, number: int, **extra):
    """A wrong password for a username of its own: the throttle counts, no lockout does."""
    return client.post(TOKEN_URL, {"username": f"nobody{number}", "password": "wrong"}, format="json", **extra)


def test_by_default_x_forwarded_for_is_ignored(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="192.0.2.10")
    assert client_address(request) == "192.0.2.10"


def test_behind_one_proxy_the_last_hop_is_the_client(rf, behind_one_proxy):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "198.51.100.1"


def test_behind_two_proxies_the_second_hop_from_the_right_is_the_client(rf, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1, 10.0.0.3", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "198.51.100.1"


def test_a_forwarded_entry_that_is_no_address_falls_back_to_the_connection(rf, behind_one_proxy):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "10.0.0.2"


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle():
    client = APIClient()
    codes = [ask_token(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_behind_a_proxy_the_throttle_counts_the_last_hop(behind_one_proxy):
    client = APIClient()
    # The client rotates what it sends; the proxy appends the address it saw, always the same.
    codes = [ask_token(client, n, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.7").status_code for n in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    refused = ask_token(client, 99, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    # Another client behind the same proxy is not held back.
    assert ask_token(client, 100, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 400


def test_the_lockout_records_the_same_address_as_the_throttle(behind_one_proxy, person):
    APIClient().post(
        TOKEN_URL, {"username": "e1", "password": "wrong"}, format="json", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("e1", "203.0.113.7")]
