"""Export jobs stood in the campaigns app before the core app held them: migrating
forward keeps the jobs, and the staff groups and users keep their export job
permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.roles import GROUP_NAMES, StaffRole, sync_role_groups
from core.models import ExportJob
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LAST_IN_CAMPAIGNS = ("campaigns", "0006_export_job_permissions")
BEFORE = [LAST_IN_CAMPAIGNS, ("core", None)]


@pytest.fixture
def before_the_move():
    """The database as it was before the move; the historical models of then.
    Migrated forward again whatever the test does."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(LAST_IN_CAMPAIGNS).apps
        # The permissions and the role groups as the migrations of then left them (a
        # transactional test that ran earlier may have flushed them).
        sync_role_groups(apps)
        yield apps
    finally:
        MigrationExecutor(connection).migrate(latest)
        ContentType.objects.clear_cache()


def _migrate_forward():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _held(group: Group) -> set[str]:
    held = group.permissions.filter(codename__endswith="exportjob")
    return {f"{permission.content_type.app_label}.{permission.codename}" for permission in held}


def test_the_jobs_and_the_permissions_move_to_core(before_the_move):
    apps = before_the_move
    old_permission = apps.get_model("auth", "Permission").objects.get
    group = apps.get_model("auth", "Group").objects.get(name=GROUP_NAMES[StaffRole.REVIEWER])
    group.permissions.set([old_permission(content_type__app_label="campaigns", codename="view_exportjob")])
    user = UserFactory(username="exporter")
    apps.get_model("auth", "User").objects.get(pk=user.pk).user_permissions.add(
        old_permission(content_type__app_label="campaigns", codename="change_exportjob")
    )
    job = apps.get_model("campaigns", "ExportJob").objects.create(
        kind="progress", params={"campaign": "qn", "phase": None}, requested_by_id=user.pk
    )

    _migrate_forward()

    moved = ExportJob.objects.get(pk=job.pk)
    assert (moved.kind, moved.params, moved.requested_by_id) == ("progress", {"campaign": "qn", "phase": None}, user.pk)
    group = Group.objects.get(pk=group.pk)
    assert _held(group) == {"core.view_exportjob"}
    member = UserFactory(username="member")
    member.groups.add(group)
    assert member.has_perm("core.view_exportjob")
    assert user.has_perm("core.change_exportjob")
    assert list(ContentType.objects.filter(model="exportjob").values_list("app_label", flat=True)) == ["core"]


def test_the_role_groups_are_given_the_export_job_permission_they_lacked(before_the_move):
    apps = before_the_move
    group = apps.get_model("auth", "Group").objects.get(name=GROUP_NAMES[StaffRole.COUNCIL])
    assert not group.permissions.filter(codename__endswith="exportjob").exists()

    _migrate_forward()

    assert _held(Group.objects.get(pk=group.pk)) == {"core.view_exportjob"}


def test_a_core_content_type_made_before_the_move_takes_over_the_permissions(before_the_move):
    """A new database makes the permissions of both apps' export jobs before the move."""
    apps = before_the_move
    types = apps.get_model("contenttypes", "ContentType").objects
    permissions = apps.get_model("auth", "Permission").objects
    early = types.create(app_label="core", model="exportjob")
    for action in ("add", "change", "delete", "view"):
        permissions.create(content_type=early, codename=f"{action}_exportjob", name=f"Can {action} export job")
    group = apps.get_model("auth", "Group").objects.get(name=GROUP_NAMES[StaffRole.DIRECTOR])
    group.permissions.set([permissions.get(content_type__app_label="campaigns", codename="view_exportjob")])

    _migrate_forward()

    assert list(ContentType.objects.filter(model="exportjob").values_list("pk", flat=True)) == [early.pk]
    assert _held(Group.objects.get(pk=group.pk)) == {"core.view_exportjob"}
    assert Permission.objects.filter(codename__endswith="exportjob").count() == 4
