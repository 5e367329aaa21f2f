"""Shared fixtures: a small cast of users per role, and service availability.

Under ``CI=true`` a test that needs PostgreSQL, Redis, Chromium or LibreOffice
fails instead of skipping when it is missing.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from campaigns.roles import GROUP_NAMES, StaffRole

IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.intake_fixtures"]


def pytest_configure(config):
    """Under pytest-xdist, each worker gets a Redis database of its own, as it gets a
    test database of its own: a test clearing the cache, or a real Celery worker
    taking tasks from the broker, must not reach into another worker's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not settings.REDIS_URL:
        return
    from urllib.parse import urlsplit, urlunsplit

    from django.core.cache import caches

    from emulation_config.celery import app

    parts = urlsplit(settings.REDIS_URL)
    base = int(parts.path.strip("/") or 0)
    url = urlunsplit(parts._replace(path=f"/{base + 1 + int(worker[2:])}"))
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    settings.CACHES["default"]["LOCATION"] = url
    caches.__dict__.pop("settings", None)  # read CACHES again on first use
    app.conf.broker_url = app.conf.result_backend = url


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        _need(
            settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
            "needs PostgreSQL: set DATABASE_URL",
        )
    if item.get_closest_marker("redis"):
        _need(bool(settings.REDIS_URL), "needs Redis: set REDIS_URL")
    if item.get_closest_marker("browser"):
        _need(_chromium_available(), "needs Playwright and Chromium: apt-get install chromium")
    if item.get_closest_marker("soffice"):
        _need(shutil.which("soffice") is not None, "needs LibreOffice: apt-get install libreoffice-writer")


def _chromium_available() -> bool:
    """Playwright is installed and Chromium is where PLAYWRIGHT_CHROMIUM_EXECUTABLE (default /usr/bin/chromium) says."""
    import importlib.util

    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    return importlib.util.find_spec("playwright") is not None and os.access(executable, os.X_OK)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Put back the rows data migrations create (staff groups, reference
    parameters): a transactional test of an earlier run may have flushed them
    from a reused test database. Both are safe to run again."""
    from importlib import import_module

    from django.apps import apps

    with django_db_blocker.unblock():
        from campaigns.roles import sync_role_groups

        sync_role_groups(apps)
        import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Vietnamese): a request with
    another Accept-Language leaves that language active in the thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in the test's own process, whatever the broker: a test that
    needs a real worker on Redis turns this off (tests/awards/test_tasks.py)."""
    from emulation_config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files (an office's document templates) go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing at production strength costs a second per login made; tests need none of it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.vn", "root-pass-123")


def _staff_in(django_user_model, username: str, role: StaffRole):
    """A staff member of ``role`` at Vietnam Social Security, who reaches every office (DESIGN §10):
    the tests of one office's reach make staff of their own units (tests/core/test_reach.py)."""
    from tests.factories import assign_unit

    user = django_user_model.objects.create_user(username, f"{username}@example.vn", "staff-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    assign_unit(user)
    return user


@pytest.fixture
def campaign_manager(django_user_model):
    return _staff_in(django_user_model, "manager", StaffRole.CAMPAIGN_MANAGER)


@pytest.fixture
def reviewer(django_user_model):
    return _staff_in(django_user_model, "reviewer", StaffRole.REVIEWER)


@pytest.fixture
def council_member(django_user_model):
    return _staff_in(django_user_model, "council", StaffRole.COUNCIL)


@pytest.fixture
def director(django_user_model):
    return _staff_in(django_user_model, "director", StaffRole.DIRECTOR)
