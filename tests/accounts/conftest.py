"""A login for the account tests: an agent-like user and a staff user, with known passwords."""

from __future__ import annotations

import pytest

PASSWORD = "dung-mat-khau-9"
STAFF_PASSWORD = "can-bo-mat-khau-9"


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("e1", "e1@example.vn", PASSWORD)


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("quanly", "quanly@example.vn", STAFF_PASSWORD, is_staff=True)
