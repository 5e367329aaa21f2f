"""The API's token authentication: one query per request brings the token, its user,
the user's password state and their agent, as the ORM would load them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Model
from django.utils import timezone
from rest_framework import exceptions

from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken, PasswordState
from enrollments.selectors import agent_of
from tests.factories import AgentFactory, api_token

pytestmark = pytest.mark.django_db


def _authenticate(token: str):
    return TokenAuthentication().authenticate_credentials(token.encode())


def _fields(instance: Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_token_brings_its_user_and_their_agent_in_one_query(person, django_assert_num_queries):
    agent = AgentFactory(user=person)
    token = api_token(person)

    with django_assert_num_queries(1):
        user, auth_token = _authenticate(token)
        assert agent_of(user) == agent
        with pytest.raises(PasswordState.DoesNotExist):
            user.password_state  # noqa: B018 - no row: known from the same query

    stored = ApiToken.objects.select_related("user__agent").get(pk=auth_token.pk)
    assert _fields(auth_token) == _fields(stored)
    assert _fields(user) == _fields(stored.user)
    assert _fields(user.agent) == _fields(stored.user.agent)
    assert auth_token.user is user and user.agent.user is user


def test_a_user_without_an_agent_is_told_so_without_a_query(person, django_assert_num_queries):
    token = api_token(person)
    changed = timezone.now()
    PasswordState.objects.create(
        user=person, must_change=False, marked_at=changed - timedelta(days=1), changed_at=changed
    )

    with django_assert_num_queries(1):
        user, _token = _authenticate(token)
        assert agent_of(user) is None
        assert (user.password_state.must_change, user.password_state.changed_at) == (False, changed)


def test_an_unknown_or_wrong_token_is_refused(person):
    token = api_token(person)
    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(token[:-1] + ("0" if token[-1] != "0" else "1"))
    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate("0" * len(token))
