"""Logins for agents: through the service, the API (staff within reach) and the command,
always with an initial password the agent must change at their first login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.selectors import password_must_change
from collectors.models import Agent
from tests.intake_fixtures import client_for
from tests.offices import build_offices

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    offices = build_offices()
    Agent.objects.filter(pk=offices.tay_ninh.agent.pk).update(user=None)
    return offices


def test_staff_give_an_agent_of_their_office_a_login_to_change_at_first_use(offices):
    agent = offices.tay_ninh.agent
    api = client_for(offices.tay_ninh.staff)

    response = api.post(f"/api/v1/agents/{agent.code}/login/", {"username": "nv-tay-ninh-1"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "nv-tay-ninh-1" and body["must_change"] is True and len(body["password"]) >= 12
    assert response["Cache-Control"] == "no-store"
    user = get_user_model().objects.get(username="nv-tay-ninh-1")
    assert user.check_password(body["password"])
    assert password_must_change(user=user)
    assert Agent.objects.get(pk=agent.pk).user == user
    # The new login must change its password before the API answers anything else.
    token = client_for(None).post(
        "/api/v1/auth/token/", {"username": "nv-tay-ninh-1", "password": body["password"]}, format="json"
    )
    assert token.status_code == 403 and token.json()["code"] == "password_change_required"


def test_another_offices_staff_cannot_give_the_agent_a_login(offices):
    agent = offices.tay_ninh.agent

    response = client_for(offices.quang_nam.staff).post(f"/api/v1/agents/{agent.code}/login/", {}, format="json")

    assert response.status_code == 404
    assert Agent.objects.get(pk=agent.pk).user is None


def test_an_agent_with_a_login_keeps_it_and_a_taken_username_is_refused(offices):
    api = client_for(offices.tay_ninh.staff)
    other = Agent.objects.filter(code__startswith="TN", user__isnull=False).first()

    again = api.post(f"/api/v1/agents/{other.code}/login/", {}, format="json")
    taken = api.post(
        f"/api/v1/agents/{offices.tay_ninh.agent.code}/login/", {"username": other.user.username}, format="json"
    )

    assert again.status_code == 409 and list(again.json()["errors"]) == ["agent"]
    assert taken.status_code == 400 and list(taken.json()["errors"]) == ["username"]


def test_an_agent_cannot_give_logins(offices):
    agent_user = Agent.objects.filter(code__startswith="TN", user__isnull=False).first().user

    response = client_for(agent_user).post(f"/api/v1/agents/{offices.tay_ninh.agent.code}/login/", {}, format="json")

    assert response.status_code == 403


def test_the_command_creates_a_login_and_prints_its_initial_password(offices, capsys):
    agent = offices.tay_ninh.agent

    call_command("create_agent_login", agent.code, "--username", "nv-lenh")

    printed = capsys.readouterr().out
    user = Agent.objects.get(pk=agent.pk).user
    assert user.username == "nv-lenh"
    password = printed.split("initial password: ")[1].split()[0]
    assert user.check_password(password) and password_must_change(user=user)
    with pytest.raises(CommandError):
        call_command("create_agent_login", agent.code)
