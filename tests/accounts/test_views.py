"""The pages: a user with an initial password changes it before anything else."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken, PasswordState
from accounts.services import password_mark_initial
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "tu-chon-mat-khau-1"
CHANGE_URL = "/password/change/"


def change(client, *, old: str = PASSWORD, new: str = NEW_PASSWORD, next_url: str = ""):
    fields = {"old_password": old, "new_password1": new, "new_password2": new, "next": next_url}
    return client.post(CHANGE_URL, fields)


@pytest.fixture
def newcomer(client, person):
    """An agent logged in with the password the import gave them."""
    password_mark_initial(user=person)
    client.force_login(person)
    return person


@pytest.mark.parametrize("path", ["/", "/campaigns/", "/campaigns/qn/", "/agents/E1/", "/admin/"])
def test_every_page_sends_an_initial_password_to_the_password_change(client, newcomer, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{CHANGE_URL}?next=")


def test_the_password_change_page_says_why(client, newcomer):
    response = client.get(f"{CHANGE_URL}?next=/campaigns/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="initial-password"' in text
    assert 'name="next" value="/campaigns/"' in text


def test_logging_out_is_still_allowed(client, newcomer):
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_after_the_change_the_user_goes_on_to_the_page_asked_for(client, newcomer):
    asked = client.get("/campaigns/")["Location"]
    next_url = asked.split("next=", 1)[1].replace("%2F", "/")
    response = change(client, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/password/change/done/?next=%2Fcampaigns%2F"
    done = client.get(response["Location"])
    assert 'href="/campaigns/"' in done.content.decode()
    assert client.get("/campaigns/").status_code == 200
    assert PasswordState.objects.get(user=newcomer).must_change is False


def test_the_session_survives_the_change(client, newcomer):
    change(client)
    assert client.session["_auth_user_id"] == str(newcomer.pk)


def test_a_wrong_old_password_changes_nothing(client, newcomer):
    response = change(client, old="wrong")
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert client.get("/campaigns/").status_code == 302


def test_a_weak_new_password_is_refused(client, newcomer):
    response = change(client, new="12345678")
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert PasswordState.objects.get(user=newcomer).must_change is True


def test_an_outside_next_is_not_followed(client, newcomer):
    response = change(client, next_url="https://evil.example.com/")
    assert response["Location"] == "/password/change/done/"


def test_changing_the_password_on_the_page_revokes_the_api_token(client, person):
    token = ApiToken.objects.create(person)[0]
    client.force_login(person)
    assert change(client).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_user_who_chose_their_password_is_not_sent_anywhere(client, person):
    client.force_login(person)
    assert client.get("/password/change/").status_code == 200
    assert 'data-testid="initial-password"' not in client.get("/password/change/").content.decode()
    assert client.get("/campaigns/").status_code == 200
