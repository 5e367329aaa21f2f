"""The demo, loaded once for the tests of this package.

Every receipt goes through the intake and review services, so loading takes a
while: the demo is loaded once inside a transaction that is rolled back at the
end; each test runs in a savepoint of it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from campaigns.models import Campaign
from demo.loader import DEMO_CAMPAIGN_CODE, demo_load

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate(timezone=VN)
    # Sixty-one logins hashed at production strength would cost seconds; the tests log in with MD5 too.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        summary = demo_load(today=today)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def campaign(demo) -> Campaign:
    return Campaign.objects.get(code=DEMO_CAMPAIGN_CODE)
