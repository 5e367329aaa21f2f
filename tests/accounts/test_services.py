"""Initial passwords and what a password change ends."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import ApiToken, PasswordState
from accounts.selectors import password_must_change
from accounts.services import password_mark_initial

pytestmark = pytest.mark.django_db


def reloaded(user):
    return type(user).objects.select_related("password_state").get(pk=user.pk)


def test_a_marked_password_must_be_changed(person):
    password_mark_initial(user=person)
    assert password_must_change(user=reloaded(person))


def test_a_user_never_marked_need_not_change(person):
    assert not password_must_change(user=reloaded(person))
    assert not PasswordState.objects.exists()


def test_marking_again_after_a_change_requires_a_change_again(person):
    password_mark_initial(user=person)
    person.set_password("tu-chon-mat-khau-1")
    person.save()
    assert not password_must_change(user=reloaded(person))
    password_mark_initial(user=person)
    state = PasswordState.objects.get(user=person)
    assert (state.must_change, state.changed_at) == (True, None)


def test_saving_a_new_password_clears_the_mark_and_records_when(person):
    password_mark_initial(user=person)
    person.set_password("tu-chon-mat-khau-1")
    person.save()
    state = PasswordState.objects.get(user=person)
    assert state.must_change is False
    assert state.changed_at is not None


def test_saving_a_new_password_revokes_the_users_api_token(person, django_user_model):
    own = ApiToken.objects.create(person)[0]
    other = ApiToken.objects.create(django_user_model.objects.create_user("e2", password="x-12345-y"))[0]
    person.set_password("tu-chon-mat-khau-1")
    person.save()
    assert not ApiToken.objects.filter(pk=own.pk).exists()
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_saving_the_user_without_a_new_password_keeps_the_token_and_the_mark(person):
    token = ApiToken.objects.create(person)[0]
    password_mark_initial(user=person)
    person.first_name = "Hà"
    person.save()
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert password_must_change(user=reloaded(person))


def test_a_login_that_rehashes_the_password_is_no_change(person, settings):
    """Django re-hashes a password at login when its hasher changes: same password, no revocation."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    token = ApiToken.objects.create(person)[0]
    password_mark_initial(user=person)
    assert person.password.startswith("md5$")

    assert person.check_password("dung-mat-khau-9")

    assert reloaded(person).password.startswith("pbkdf2_sha256$")
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert password_must_change(user=reloaded(person))


def test_changepassword_command_revokes_the_token(person, monkeypatch):
    token = ApiToken.objects.create(person)[0]
    answers = iter(["tu-chon-mat-khau-1", "tu-chon-mat-khau-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", "e1")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
