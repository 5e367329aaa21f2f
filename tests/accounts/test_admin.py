"""The admin: a password an administrator sets for someone else is initial."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.models import ApiToken, PasswordState
from accounts.services import password_mark_initial

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "mat-khau-cap-lai-7"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_a_password_reset_by_an_administrator_must_be_changed(admin_client, person):
    token = ApiToken.objects.create(person)[0]
    response = admin_client.post(
        f"/admin/auth/user/{person.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert PasswordState.objects.get(user=person).must_change is True
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_user_added_by_an_administrator_must_change_the_password(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "moi", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="moi")
    assert PasswordState.objects.get(user=user).must_change is True


def test_an_administrator_changing_their_own_password_is_not_marked(admin_client, superuser):
    password_mark_initial(user=superuser)
    response = admin_client.post(
        "/admin/password_change/",
        {"old_password": "root-pass-123", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert PasswordState.objects.get(user=superuser).must_change is False


def test_the_user_list_action_requires_a_password_change(admin_client, superuser, person):
    response = admin_client.post(
        "/admin/auth/user/",
        {"action": "require_password_change", "_selected_action": [person.pk, superuser.pk]},
    )
    assert response.status_code == 302
    assert list(PasswordState.objects.filter(must_change=True).values_list("user__username", flat=True)) == ["e1"]


def test_password_states_are_listed_read_only(admin_client, person):
    password_mark_initial(user=person)
    listing = admin_client.get("/admin/accounts/passwordstate/?must_change__exact=1")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert admin_client.get("/admin/accounts/passwordstate/add/").status_code == 403
